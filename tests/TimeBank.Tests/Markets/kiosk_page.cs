using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
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
    [Fact]
    public async Task a_counter_looks_a_member_up_redeems_two_items_and_prints_a_receipt()
    {
        var e2e = E2eFolder();
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        File.Exists(chromium).ShouldBeTrue($"{chromium} is missing: run the suite with ops/test, which installs Debian's chromium.");
        Directory.Exists(Path.Combine(e2e, "node_modules", "playwright-core"))
            .ShouldBeTrue($"{e2e}/node_modules is missing: run the suite with ops/test, which runs npm ci there.");

        var market = await Fixture.OpenMarketAsync("南营门爱心超市");
        await Fixture.ListItemAsync(market, "RICE", "大米", 30, 10, "袋");
        await Fixture.ListItemAsync(market, "SOAP", "肥皂", 8, 5, "块");
        await Fixture.ListItemAsync(market, "OIL", "食用油", 45, 3, "瓶");
        var kiosk = await Fixture.KioskKeyAsync(market);
        var (person, code) = await Fixture.MemberWithPoints(100);
        var typo = code[..5] + TimeBank.People.MemberCodes.Alphabet.First(c => c != code[5]) + code[6..];

        var port = FreePort();
        using var service = StartService(port);
        try
        {
            await WaitUntilHealthy(service, port);
            var page = await RunNode(e2e, new Dictionary<string, string>
            {
                ["KIOSK_URL"] = $"http://127.0.0.1:{port}",
                ["KIOSK_KEY"] = kiosk,
                ["MEMBER_CODE"] = code,
                ["MISTYPED_CODE"] = typo,
                ["ORDER"] = """[{"sku":"RICE","quantity":2},{"sku":"SOAP","quantity":3}]""",
                ["CHROMIUM"] = chromium,
                ["SCREENSHOT"] = Path.Combine(Path.GetTempPath(), "kiosk-receipt.png")
            });

            page.GetProperty("market").GetString().ShouldBe("南营门爱心超市");
            page.GetProperty("mistyped").GetString()!.ShouldContain("校验位");
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
        finally
        {
            if (!service.HasExited) service.Kill(entireProcessTree: true);
            await service.WaitForExitAsync();
        }
    }

    private static string E2eFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "kiosk-e2e");
            if (File.Exists(Path.Combine(candidate, "kiosk.e2e.mjs"))) return candidate;
        }
        throw new InvalidOperationException("tests/kiosk-e2e not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The service executable the test build holds, serving the page from the source tree's wwwroot.</summary>
    private Process StartService(int port)
    {
        var e2e = E2eFolder();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TimeBank.dll"));
        start.Environment["ConnectionStrings__TimeBank"] = Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION");
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ASPNETCORE_CONTENTROOT"] = Path.GetFullPath(Path.Combine(e2e, "..", "..", "src", "TimeBank"));
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        // The suite's own host runs the projection daemon and the durable agents on this database.
        start.Environment["TimeBank__Daemon"] = "Disabled";
        start.Environment["TimeBank__Durability"] = "MediatorOnly";
        start.Environment.Remove("TIMEBANK_ADMIN_KEY");
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Log($"[service] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Log($"[service] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Log(string line)
    {
        try { output.WriteLine(line); } catch (InvalidOperationException) { /* the test has finished */ }
    }

    private static async Task WaitUntilHealthy(Process service, int port)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            service.HasExited.ShouldBeFalse($"the service exited during start-up with status {(service.HasExited ? service.ExitCode : 0)}");
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            (DateTime.UtcNow < deadline).ShouldBeTrue("the service did not report healthy within 90 s");
            await Task.Delay(250);
        }
    }

    private async Task<JsonElement> RunNode(string folder, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kiosk.e2e.mjs");
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException("the kiosk page test did not finish within 2 minutes: " + await stderr);
        }
        Log(await stderr);
        node.ExitCode.ShouldBe(0, await stderr);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return JsonDocument.Parse(lines[^1]).RootElement;
    }
}
