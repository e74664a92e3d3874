using System.Text.Json;
using NodaTime;
using Shouldly;
using TimeBank.Access.Issuing;
using TimeBank.Care.Coverage;
using TimeBank.Statistics;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;
using Xunit.Abstractions;

namespace TimeBank.Tests.Statistics;

/// <summary>The coordinator dashboard end to end in headless Chromium: what it shows is what the API says, on a desktop and a tablet.</summary>
public sealed class dashboard_page(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    [Fact]
    public async Task a_coordinator_sees_the_districts_year_month_and_liability_as_the_api_reports_them()
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        File.Exists(chromium).ShouldBeTrue($"{chromium} is missing: run the suite with ops/test, which installs Debian's chromium.");
        var district = CareRequests.NewDistrict();
        var today = Fixture.ShanghaiNow().Date;
        var senior = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, new LocalDate(1962, 4, 1));
        var student = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, today.PlusYears(-16), community: "昆明路社区", programme: "youth");
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        await CareRequests.RegisterElderAsync(Host, Keys.Platform, district, community: "昆明路社区");
        var day = Fixture.ShanghaiNow().PlusDays(-1).Date.At(new LocalTime(9, 0));
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(senior, elder, day, 120), 201);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(student, elder, day.PlusHours(3), 90), 201);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(Fixture.ShanghaiNow().PlusHours(-2)), 201);
        await Fixture.WaitForShardsAsync("LedgerFolds:All", "CareCoverage:All", "ElderCareSummary:All");

        var coordinator = (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys",
            new { name = "看板协调员", role = "coordinator", districts = new[] { district } }, 201)).Body<IssuedApiKey>()).Key;
        var q = Uri.EscapeDataString(district);
        var monthly = await Host.GetAsync<MonthlyStatistics>(coordinator, $"/api/statistics/monthly?from={today.Year}-01&to={today.Year}-12&district={q}");
        var targets = await Host.GetAsync<TargetsReport>(coordinator, $"/api/statistics/targets?year={today.Year}&district={q}");
        var coverage = await Host.GetAsync<CoverageReport>(coordinator, $"/api/care/coverage?district={q}");
        var liability = await Host.GetAsync<LiabilityForecast>(coordinator, $"/api/statistics/liability?district={q}");

        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output));
        var screenshot = Path.Combine(Path.GetTempPath(), "dashboard.png");
        var shown = await ServiceProcess.RunNodeAsync(ServiceProcess.RepoFolder("tests", "kiosk-e2e"), "dashboard.e2e.mjs", new Dictionary<string, string>
        {
            // The service process keeps the real clock; the suite's is its own: name the year and month.
            ["DASHBOARD_URL"] = $"{service.Url}/dashboard/?district={q}&year={today.Year}&month={today.Year:D4}-{today.Month:D2}",
            ["API_KEY"] = coordinator,
            ["CHROMIUM"] = chromium,
            ["SCREENSHOT"] = screenshot
        }, ServiceProcess.LogTo(output));

        shown.GetProperty("external").GetArrayLength().ShouldBe(0, "nothing is loaded from elsewhere");
        shown.GetProperty("volunteersTarget").GetInt64().ShouldBe(targets.Targets.Single(t => t.Name == "volunteers").Actual);
        shown.GetProperty("hoursTarget").GetInt64().ShouldBe(targets.Targets.Single(t => t.Name == "service-hours").Actual);
        var hours = Math.Round((monthly.Total.MinutesCredited - monthly.Total.MinutesReversed) / 60.0, 1);
        shown.GetProperty("yearHours").GetDouble().ShouldBe(hours);
        (shown.GetProperty("yearActive").GetInt32(), shown.GetProperty("yearElders").GetInt32()).ShouldBe((monthly.Total.ActiveVolunteers, monthly.Total.EldersServed));
        (monthly.Total.ActiveVolunteers, hours).ShouldBe((2, 3.5));
        var bySeries = shown.GetProperty("hoursBySeries");
        (bySeries.GetProperty("senior").GetDouble(), bySeries.GetProperty("youth").GetDouble(), bySeries.GetProperty("general").GetDouble()).ShouldBe((2.0, 1.5, 0.0));
        shown.GetProperty("lowAgeShare").GetString().ShouldBe("50%");
        // Axes in round steps up to at least the tallest bar: 3.5 hours in the month, 2 volunteers (people come whole), and
        // 2 and 1.5 hours by due year.
        string[] Ticks(string chart) => shown.GetProperty("ticks").GetProperty(chart).EnumerateArray().Select(t => t.GetString()!).ToArray();
        Ticks("hours").ShouldBe(["0", "1", "2", "3", "4"]);
        Ticks("people").ShouldBe(["0", "1", "2"]);
        Ticks("liability").ShouldBe(["0", "0.5", "1", "1.5", "2"]);

        var rows = shown.GetProperty("communities").EnumerateArray().Select(r => r.EnumerateArray().Select(c => c.GetString()).ToArray()).ToList();
        rows.Count.ShouldBe(coverage.Communities.Count);
        foreach (var community in coverage.Communities)
        {
            var row = rows.Single(r => r[2] == community.Community);
            (row[3], row[4], row[7]).ShouldBe((community.Figures.Elders.ToString(), community.Figures.Met.ToString(), "0"));
        }
        shown.GetProperty("bankedHours").GetDouble().ShouldBe(Math.Round(liability.BankedMinutes / 60.0, 1));
        shown.GetProperty("liabilityBars").GetArrayLength().ShouldBe(liability.ByDueYear.Count);
        shown.GetProperty("tabletOverflow").GetBoolean().ShouldBeFalse("the page fits a tablet's width");
        new FileInfo(screenshot).Length.ShouldBeGreaterThan(20_000);
        output.WriteLine($"dashboard screenshots: {screenshot}, {screenshot.Replace(".png", "-tablet.png")}");
    }
}
