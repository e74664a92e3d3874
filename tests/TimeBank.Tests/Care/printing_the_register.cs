using System.Diagnostics;
using System.Text.Json;
using Alba;
using Shouldly;
using TimeBank.Tests.Ledger;
using Xunit.Abstractions;

namespace TimeBank.Tests.Care;

/// <summary>The annex 4 register of one elder and year, as the page staff print for the archives: checked in headless Chromium.</summary>
public sealed class printing_the_register(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private static readonly string[] Headings =
    [
        "特殊困难老年人探访关爱服务台账", "一、探访对象基本情况", "二、家庭基本情况", "三、家庭生活条件", "四、已享受帮扶情况", "五、探访情况", "六、关爱服务情况",
        "家庭住址", "是否居住在户籍所在地", "被探访人姓名", "紧急联系人", "残疾人证号", "是否独居、空巢", "是否留守", "是否失能", "是否计划生育特殊家庭老年人",
        "居民身份证号码", "与户主关系", "饮水是否安全", "生活用电是否安全", "住房是否安全", "家庭每月收入（元）", "帮扶单位（组织）", "帮扶责任人", "帮扶措施",
        "探访方式", "家庭人口", "表达能力", "行动能力", "疾病状况", "情绪状态", "燃气安全", "水暖安全", "用电安全", "消防安全", "个人卫生", "家庭卫生",
        "室内环境", "老年人服务需求", "实施关爱服务建议", "探访人员（签字）", "被探访人（签字）", "关爱服务情况", "老年人服务满意度评价", "此表一式两份"
    ];

    private async Task<Guid> ElderWithAYear(string district)
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform, district, disabled: true, fullName: "欧阳秀英");
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Put.Json(CareRequests.CareFileBody("severely-impaired")).ToUrl($"/api/elders/{elder}/care-file");
        });
        var now = Fixture.ShanghaiNow();
        for (var i = 0; i < 4; i++)
        {
            await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusDays(-3 * i - 1), i % 2 == 0 ? "home" : "phone",
                findings: i == 1 ? CareRequests.Findings(illness: "serious", illnessName: "慢性阻塞性肺疾病急性加重期伴呼吸衰竭需住院治疗观察") : null), 201);
        }
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/care-actions", new
        {
            kind = "community-help", performedAt = CareRequests.Local(now.PlusDays(-2)), performedBy = "赵社工",
            description = "社区助餐：每日午餐送餐上门，并协助申请居家适老化改造补贴。", satisfaction = "satisfied"
        }, 201, Guid.NewGuid().ToString());
        return elder;
    }

    [Fact]
    public async Task the_register_is_the_annex_4_form_filled_in_and_escapes_what_it_shows()
    {
        var elder = await ElderWithAYear(CareRequests.NewDistrict());
        var year = Fixture.ShanghaiNow().Year;
        var page = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/elders/{elder}/register?year={year}");
            s.StatusCodeShouldBe(200);
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        var html = await page.ReadAsTextAsync();
        foreach (var heading in Headings) html.ShouldContain(heading);
        html.ShouldContain("第 4 次开展探访");
        html.ShouldContain("☑ 严重 疾病名称：慢性阻塞性肺疾病");
        html.ShouldContain("138****1111", Case.Sensitive, "phones masked as for the rest of the person");
        html.ShouldNotContain("13800001111");

        var empty = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/elders/{elder}/register?year={year - 1}");
        });
        (await empty.ReadAsTextAsync()).ShouldContain($"{year - 1} 年尚无探访记录");
        await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/elders/{elder}/register?year=99999", 400);
        await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/elders/{elder}/register", 403);

        var tricky = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict(), fullName: "<b>王</b>");
        var escaped = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/elders/{tricky}/register");
        });
        (await escaped.ReadAsTextAsync()).ShouldContain("&lt;b&gt;王&lt;/b&gt;");
    }

    [Fact]
    public async Task chromium_prints_the_register_on_a4_with_every_heading_and_no_field_cut_off()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        File.Exists(chromium).ShouldBeTrue($"{chromium} is missing: run the suite with ops/test, which installs Debian's chromium.");
        var e2e = ServiceProcess.RepoFolder("tests", "kiosk-e2e");
        var elder = await ElderWithAYear(CareRequests.NewDistrict());

        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output));
        var screenshot = Path.Combine(Path.GetTempPath(), "care-register-page1.png");
        var pdf = Path.Combine(Path.GetTempPath(), "care-register.pdf");
        var shown = await ServiceProcess.RunNodeAsync(e2e, "register.e2e.mjs", new Dictionary<string, string>
        {
            ["REGISTER_URL"] = $"{service.Url}/api/elders/{elder}/register?year={Fixture.ShanghaiNow().Year}",
            ["API_KEY"] = Keys.Platform,
            ["CHROMIUM"] = chromium,
            ["SCREENSHOT"] = screenshot,
            ["PDF"] = pdf
        }, ServiceProcess.LogTo(output));
        shown.GetProperty("title").GetString()!.ShouldStartWith("特殊困难老年人探访关爱服务台账 · 欧阳秀英");
        shown.GetProperty("overflowing").EnumerateArray().Select(c => c.GetString()).ShouldBeEmpty("no field is cut off");
        shown.GetProperty("pageWidth").GetInt32().ShouldBeLessThanOrEqualTo(794);
        new FileInfo(screenshot).Length.ShouldBeGreaterThan(10_000);

        // A label may wrap inside its cell: compare without white space.
        var text = string.Concat((await PdfText(pdf)).Where(c => !char.IsWhiteSpace(c)));
        foreach (var heading in Headings) text.ShouldContain(heading.Replace(" ", ""), Case.Sensitive, $"the printed PDF lacks {heading}");
        (await PdfPages(pdf)).ShouldBeGreaterThan(1, "four visits take more than one A4 page");
        output.WriteLine($"register printed: {pdf}, page 1: {screenshot}");
    }

    private static async Task<string> PdfText(string pdf)
    {
        var start = new ProcessStartInfo("pdftotext", [pdf, "-"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pdftotext is missing: ops/test installs poppler-utils.");
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return text;
    }

    private static async Task<int> PdfPages(string pdf)
    {
        var start = new ProcessStartInfo("pdfinfo", [pdf]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var info = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return int.Parse(info.Split('\n').First(l => l.StartsWith("Pages:"))["Pages:".Length..].Trim());
    }
}
