using System.Text.Json;
using Alba;
using MiniExcelLibs;
using NodaTime;
using Shouldly;
using TimeBank.Statistics.Reporting;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Statistics;

/// <summary>The annual report for the bureau, as JSON, XLSX (a sheet per table) and a printable page, tied to the ledger by its audit digests.</summary>
public sealed class annual_report(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task the_years_report_has_its_figures_tables_and_audit_anchors_in_every_format()
    {
        var district = CareRequests.NewDistrict();
        var today = Fixture.ShanghaiNow().Date;
        var volunteer = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, new LocalDate(1963, 2, 1));
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, today.PlusDays(-1).At(new LocalTime(9, 0)), 150), 201);
        await Fixture.WaitForShardsAsync("LedgerFolds:All");

        var q = $"year={today.Year}&district={Uri.EscapeDataString(district)}";
        var report = await Host.GetAsync<AnnualReport>(Keys.Auditor, $"/api/reports/annual?{q}");
        (report.Year, report.District, report.Total.MinutesCredited, report.Total.ActiveVolunteers).ShouldBe((today.Year, district, 150L, 1));
        report.Months.Count.ShouldBe(12);
        report.Communities.Single().Community.ShouldBe("新津社区");
        report.Targets.Select(t => t.Name).ShouldBe(["volunteers", "service-hours"]);
        report.Audit.First.ShouldNotBeNull();
        report.Audit.Last!.MerkleRoot.ShouldMatch("^[0-9a-f]{64}$");

        var xlsx = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Admin);
            s.Get.Url($"/api/reports/annual?{q}&format=xlsx");
        });
        using var workbook = new MemoryStream();
        await xlsx.Context.Response.Body.CopyToAsync(workbook);
        workbook.Position = 0;
        MiniExcel.GetSheetNames(workbook).ShouldBe(["概况", "月度", "社区", "目标", "表彰", "投诉与诚信", "审计"]);
        workbook.Position = 0;
        workbook.Query(useHeaderRow: true, sheetName: "月度").Count().ShouldBe(12);

        // The auditor's read above is logged as an event, which moves the open day's chain head on: the page is compared
        // with the report as of one chain head (admin reads are not logged).
        var (anchored, page) = await AuditScenarios.ReadAsOfOneChainHeadAsync(
            () => Host.GetAsync<AnnualReport>(Keys.Admin, $"/api/reports/annual?{q}"),
            async _ => await (await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Admin);
                s.Get.Url($"/api/reports/annual?{q}&format=html");
            })).ReadAsTextAsync(),
            (r, html) => html.Contains(r.Audit.Last!.ChainHead));
        foreach (var heading in new[] { "年度时间银行志愿服务工作报告", "一、年度概况", "二、月度服务时长", "三、社区情况", "四、目标完成情况", "五、表彰激励", "六、投诉与诚信核查", "七、账本审计锚点" })
            page.ShouldContain(heading);
        page.ShouldContain(anchored.Audit.Last!.ChainHead);

        await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/reports/annual?{q}", 403);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/reports/annual?year=1999", 400);
        await Host.GetAsync<JsonElement>(Keys.Admin, $"/api/reports/annual?{q}&format=docx", 400);
    }
}
