using System.Diagnostics;
using System.Text.Json;
using Alba;
using Shouldly;
using TimeBank.Markets;
using TimeBank.Tests.Ledger;
using Xunit.Abstractions;

namespace TimeBank.Tests.Markets;

/// <summary>
/// The kiosk page end to end: the service runs as its own process on a free port against the test database, and
/// tests/kiosk-e2e drives /kiosk in Debian's headless Chromium. ops/test installs chromium and the node packages.
/// </summary>
public sealed class kiosk_page(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private Action<string> Log => ServiceProcess.LogTo(output);

    [Fact]
    public async Task a_counter_looks_a_member_up_redeems_two_items_and_prints_a_receipt()
    {
        var e2e = ServiceProcess.RepoFolder("tests", "kiosk-e2e");
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        File.Exists(chromium).ShouldBeTrue($"{chromium} is missing: run the suite with ops/test, which installs Debian's chromium.");
        (await ChineseFonts()).ShouldNotBeEmpty("without a CJK font Chromium draws Chinese as empty boxes: ops/test installs fonts-noto-cjk");
        Directory.Exists(Path.Combine(e2e, "node_modules", "playwright-core"))
            .ShouldBeTrue($"{e2e}/node_modules is missing: run the suite with ops/test, which runs npm ci there.");

        var market = await Fixture.OpenMarketAsync("南营门爱心超市");
        await Fixture.ListItemAsync(market, "RICE", "大米", 30, 10, "袋");
        await Fixture.ListItemAsync(market, "SOAP", "肥皂", 8, 5, "块");
        await Fixture.ListItemAsync(market, "OIL", "食用油", 45, 3, "瓶");
        var kiosk = await Fixture.KioskKeyAsync(market);
        var (person, code) = await Fixture.MemberWithPoints(100);
        var typo = code[..5] + TimeBank.People.MemberCodes.Alphabet.First(c => c != code[5]) + code[6..];

        await using var service = await ServiceProcess.StartAsync(Log);
        var page = await ServiceProcess.RunNodeAsync(e2e, "kiosk.e2e.mjs", new Dictionary<string, string>
        {
            ["KIOSK_URL"] = service.Url,
            ["KIOSK_KEY"] = kiosk,
            ["MEMBER_CODE"] = code,
            ["MISTYPED_CODE"] = typo,
            ["ORDER"] = """[{"sku":"RICE","quantity":2},{"sku":"SOAP","quantity":3}]""",
            ["CHROMIUM"] = chromium,
            ["SCREENSHOT"] = Path.Combine(Path.GetTempPath(), "kiosk-receipt.png")
        }, Log);

        page.GetProperty("market").GetString().ShouldBe("南营门爱心超市");
        page.GetProperty("memberRowBeforeLookup").GetBoolean().ShouldBeFalse("the member row is hidden until a member is found");
        page.GetProperty("mistyped").GetString()!.ShouldContain("校验位");
        page.GetProperty("memberRowAfterTypo").GetBoolean().ShouldBeFalse("a mistyped code shows no member row");
        page.GetProperty("member").GetProperty("name").GetString().ShouldBe("张*明");
        page.GetProperty("member").GetProperty("points").GetInt32().ShouldBe(100);
        page.GetProperty("total").GetInt32().ShouldBe(84);
        var receipt = page.GetProperty("receipt");
        (receipt.GetProperty("spent").GetInt32(), receipt.GetProperty("balance").GetInt32()).ShouldBe((84, 16));
        receipt.GetProperty("lines").GetArrayLength().ShouldBe(2);

        var orderId = Guid.Parse(receipt.GetProperty("orderId").GetString()!);
        var order = await Host.GetAsync<OrderReceipt>(Keys.Admin, $"/api/markets/{market}/orders/{orderId}");
        (order.PersonId, order.PointsSpent, order.Status).ShouldBe((person, 84, OrderStatus.Placed));
        order.Lines.Select(l => (l.Sku, l.Quantity, l.Points)).ShouldBe([("RICE", 2, 60), ("SOAP", 3, 24)]);
        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(16);
        var stock = (await Host.GetAsync<List<ItemView>>(Keys.Admin, $"/api/markets/{market}/items")).ToDictionary(i => i.Sku, i => i.Stock);
        (stock["RICE"], stock["SOAP"], stock["OIL"]).ShouldBe((8, 2, 3));
    }


    private static async Task<string> ChineseFonts()
    {
        using var fcList = Process.Start(new ProcessStartInfo("fc-list", ":lang=zh family") { RedirectStandardOutput = true })!;
        var fonts = await fcList.StandardOutput.ReadToEndAsync();
        await fcList.WaitForExitAsync();
        return fonts.Trim();
    }
}
