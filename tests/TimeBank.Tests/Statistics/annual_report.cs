using System.Text.Json;
using Alba;
using MiniExcelLibs;
using NodaTime;
using Shouldly;
using TimeBank.Access.Issuing;
using TimeBank.Organisations;
using TimeBank.ServiceRecords.Depositing;
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

    [Fact]
    public async Task star_levels_certificates_complaints_and_flags_count_in_the_district_of_whom_they_are_about()
    {
        var (here, there) = (CareRequests.NewDistrict(), CareRequests.NewDistrict());
        var today = Fixture.ShanghaiNow().Date;
        var (ours, ourRecord) = await OneStarVolunteerAsync(here);
        var (theirs, _) = await OneStarVolunteerAsync(there);
        await IssueCertificateAsync(ours);
        await IssueCertificateAsync(theirs);
        await IssueCertificateAsync(theirs);
        var theirTeam = (await (await Host.PostAsync(Keys.Admin, "/api/organisations",
            new { name = "志愿服务队", kind = "volunteer-team", district = there, street = "劝业场街道", community = "新津社区" }, 201)).Body<OrganisationView>()).Id;
        await FileComplaintAsync(new { serviceRecordId = ourRecord });
        await FileComplaintAsync(new { volunteerId = theirs });
        await FileComplaintAsync(new { organisationId = theirTeam });

        async Task<AnnualReport> Report(string key, string query) =>
            await Polling.Eventually(() => Host.GetAsync<AnnualReport>(key, $"/api/reports/annual?{query}"),
                r => r.Recognition.VolunteersByStarLevel.Count > 0 && r.Oversight.FlagsRaised > 0, seconds: 60);
        string Of(string district) => $"year={today.Year}&district={Uri.EscapeDataString(district)}";
        static string Counts(AnnualReport r) =>
            $"stars {string.Join(",", r.Recognition.VolunteersByStarLevel.Select(l => $"{l.Key}:{l.Value}"))}; certificates {r.Recognition.CertificatesIssued}; " +
            $"complaints {r.Oversight.ComplaintsFiled} {string.Join(",", r.Oversight.ComplaintsByOutcome.Select(o => $"{o.Name}:{o.Count}"))}; " +
            $"flags {r.Oversight.FlagsRaised} {string.Join(",", r.Oversight.FlagsByRule.Select(o => $"{o.Name}:{o.Count}"))}";

        var ourReport = await Report(Keys.Auditor, Of(here));
        Counts(ourReport).ShouldBe("stars 1:1; certificates 1; complaints 1 open:1; flags 1 served-at-night:1");
        ourReport.Districts.ShouldBe([here]);
        Counts(await Report(Keys.Auditor, Of(there))).ShouldBe("stars 1:1; certificates 2; complaints 2 open:2; flags 1 served-at-night:1");

        // A coordinator's key keeps to its district without naming it; and the district's report for last year has none of this year's.
        var coordinator = (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys",
            new { name = "区协调员", role = "coordinator", districts = new[] { here } }, 201)).Body<IssuedApiKey>()).Key;
        var coordinators = await Report(coordinator, $"year={today.Year}");
        coordinators.District.ShouldBeNull();
        coordinators.Districts.ShouldBe([here]);
        Counts(coordinators).ShouldBe(Counts(ourReport));
        await Host.GetAsync<JsonElement>(coordinator, $"/api/reports/annual?{Of(there)}", 403);
        var lastYear = await Host.GetAsync<AnnualReport>(Keys.Auditor, $"/api/reports/annual?year={today.Year - 1}&district={Uri.EscapeDataString(there)}");
        (lastYear.Recognition.CertificatesIssued, lastYear.Oversight.ComplaintsFiled).ShouldBe((0, 0));

        var everywhere = await Report(Keys.Admin, $"year={today.Year}");
        everywhere.Districts.ShouldBeNull();
        everywhere.Recognition.CertificatesIssued.ShouldBeGreaterThanOrEqualTo(3);
        everywhere.Oversight.ComplaintsFiled.ShouldBeGreaterThanOrEqualTo(3);
    }

    /// <summary>A volunteer of the district with 100 hours served (one star) and one flagged night service, and the last of their day records.</summary>
    private async Task<(Guid Volunteer, Guid Record)> OneStarVolunteerAsync(string district)
    {
        var volunteer = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, new LocalDate(1963, 2, 1));
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var day = Fixture.ShanghaiNow().Date.PlusDays(-20).At(new LocalTime(8, 0));
        var record = Guid.Empty;
        for (var i = 0; i < 10; i++, day = day.PlusDays(1))
            record = (await (await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, day, 600), 201))
                .Body<ServiceRecordResult>()).Id;
        // And one service at night, which the integrity review flags.
        await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.ShanghaiNow().Date.PlusDays(-21).At(new LocalTime(23, 15)), 30), 201);
        return (volunteer, record);
    }

    private async Task IssueCertificateAsync(Guid volunteer)
    {
        var today = Fixture.ShanghaiNow().Date;
        await Host.PostAsync(Keys.Platform, $"/api/volunteers/{volunteer}/certificates",
            new { from = today.PlusDays(-30).ToString("yyyy-MM-dd", null), to = today.ToString("yyyy-MM-dd", null), purpose = "评优" }, 201, Guid.NewGuid().ToString());
    }

    private async Task FileComplaintAsync(object about) =>
        await Host.PostAsync(Keys.Platform, "/api/complaints",
            new { about, category = "poor-quality", description = "服务态度不好", filedBy = new { name = "王小红", phone = "13912345678", relation = "女儿" } }, 201,
            Guid.NewGuid().ToString());
}
