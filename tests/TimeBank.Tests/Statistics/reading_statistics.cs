using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Access.Issuing;
using TimeBank.Hosting;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Statistics;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Statistics;

/// <summary>The programme's figures through the API: monthly by area and programme, targets, the liability forecast, and who may read them.</summary>
public sealed class reading_statistics(AppFixture fixture) : ApiTest(fixture)
{
    private Task WaitForStatisticsAsync() => Fixture.WaitForShardsAsync("LedgerFolds:All");

    private async Task<Guid> Deposit(Guid volunteer, Guid elder, LocalDateTime at, int minutes, string serviceType = "home-visit") =>
        (await (await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, at, minutes, serviceType: serviceType), 201))
            .Body<ServiceRecordResult>()).Id;

    private static string Q(string text) => Uri.EscapeDataString(text);

    [Fact]
    public async Task monthly_figures_roll_up_the_districts_services_by_programme_counting_people_once()
    {
        var district = CareRequests.NewDistrict();
        var today = Fixture.ShanghaiNow().Date;
        var senior = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, today.PlusYears(-62));
        var student = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, today.PlusYears(-15), community: "昆明路社区", programme: "youth");
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var otherElder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var day = Fixture.ShanghaiNow().PlusDays(-1).Date.At(new LocalTime(9, 0));
        await Deposit(senior, elder, day, 60);
        await Deposit(senior, otherElder, day.PlusHours(2), 90, "companionship");
        var reversed = await Deposit(student, elder, day.PlusHours(4), 30);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{reversed}/reversal", new { reason = "重复上报" }, 200);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = senior, to = student, minutes = 20, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        await WaitForStatisticsAsync();

        var month = YearMonthPattern.Iso.Format(day.Date.ToYearMonth());
        var from = YearMonthPattern.Iso.Format(today.ToYearMonth().PlusMonths(-1));
        var all = await Host.GetAsync<MonthlyStatistics>(Keys.Admin, $"/api/statistics/monthly?from={from}&district={Q(district)}");
        var total = all.Total;
        (total.VolunteersRegistered, total.ActiveVolunteers, total.EldersServed, total.Records).ShouldBe((2, 2, 2, 3));
        (total.MinutesCredited, total.MinutesReversed, total.MinutesTransferred).ShouldBe((180L, 30L, 20L));
        total.ActiveByAgeBand["55-64"].ShouldBe(1);
        total.ActiveByAgeBand["10-17"].ShouldBe(1);
        total.LowAgeSeniorShare.ShouldBe(0.5);
        all.Months.Single(m => m.Month == month).Figures.Records.ShouldBe(3);
        var thisMonth = all.Months.Single(m => m.Month == YearMonthPattern.Iso.Format(today.ToYearMonth()));
        (thisMonth.Coverage!.Elders, thisMonth.Coverage.Visited).ShouldBe((2, 0), "two elders in the register, none visited");
        all.AsOfSequence.ShouldBeGreaterThan(0);
        all.LagSeconds.ShouldBe(0);

        var seniors = await Host.GetAsync<MonthlyStatistics>(Keys.Admin, $"/api/statistics/monthly?from={from}&district={Q(district)}&programme=senior");
        (seniors.Total.ActiveVolunteers, seniors.Total.MinutesCredited, seniors.Total.EldersServed).ShouldBe((1, 150L, 2));
        var visits = await Host.GetAsync<MonthlyStatistics>(Keys.Admin, $"/api/statistics/monthly?from={from}&district={Q(district)}&serviceType=companionship");
        visits.Total.MinutesCredited.ShouldBe(90);
        (await Host.GetAsync<MonthlyStatistics>(Keys.Admin, $"/api/statistics/monthly?from={from}&district={Q(district)}&community={Q("昆明路社区")}"))
            .Total.MinutesReversed.ShouldBe(30);

        var coordinator = (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys",
            new { name = "区志愿服务协调员", role = "coordinator", districts = new[] { district } }, 201)).Body<IssuedApiKey>()).Key;
        (await Host.GetAsync<MonthlyStatistics>(coordinator, $"/api/statistics/monthly?from={from}")).Total.MinutesCredited.ShouldBe(180);
        await Host.GetAsync<JsonElement>(coordinator, $"/api/statistics/monthly?district={Q(CareRequests.NewDistrict())}", 403);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/statistics/monthly", 403);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, "/api/statistics/monthly", 403);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/statistics/monthly?from=2026-13", 400);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/statistics/monthly?from=2020-01&to=2026-01", 400);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/statistics/monthly?programme=everyone", 400);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/statistics/monthly?serviceType=juggling", 400);
    }

    [Fact]
    public async Task a_cells_people_live_beside_it_and_cells_that_held_them_hand_them_over_without_changing_a_count()
    {
        var district = CareRequests.NewDistrict();
        var volunteer = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, Fixture.ShanghaiNow().Date.PlusYears(-62));
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var day = Fixture.ShanghaiNow().PlusDays(-1).Date.At(new LocalTime(9, 0));
        await Deposit(volunteer, elder, day, 60);
        await WaitForStatisticsAsync();
        var month = YearMonthPattern.Iso.Format(day.Date.ToYearMonth());
        async Task<Figures> Read() => (await Host.GetAsync<MonthlyStatistics>(Keys.Admin, $"/api/statistics/monthly?from={month}&to={month}&district={Q(district)}")).Total;
        async Task<MonthlyCell> Cell()
        {
            await using var session = Store.QuerySession();
            return (await Marten.QueryableExtensions.ToListAsync(session.Query<MonthlyCell>().Where(c => c.District == district && c.Records > 0))).Single();
        }

        var folded = await Cell();
        (folded.ActiveVolunteers.Count, folded.EldersServed.Count).ShouldBe((0, 0), "the document carries no people");
        ((await Read()).ActiveVolunteers, (await Read()).EldersServed).ShouldBe((1, 1));

        // A cell as an earlier version kept it: its people inside the document.
        var (earlierVolunteer, earlierElder) = (Guid.NewGuid(), Guid.NewGuid());
        folded.ActiveVolunteers[earlierVolunteer] = "18-34";
        folded.EldersServed.Add(earlierElder);
        await using (var session = Store.LightweightSession())
        {
            session.Store(folded);
            await session.SaveChangesAsync();
        }
        var before = await Read();
        (before.ActiveVolunteers, before.EldersServed, before.ActiveByAgeBand["18-34"], before.ActiveByAgeBand["55-64"]).ShouldBe((2, 2, 1, 1));

        await Deposit(volunteer, elder, day.PlusHours(2), 30);
        await WaitForStatisticsAsync();
        var handedOver = await Cell();
        (handedOver.ActiveVolunteers.Count, handedOver.EldersServed.Count, handedOver.Records).ShouldBe((0, 0, 2));
        var after = await Read();
        (after.ActiveVolunteers, after.EldersServed, after.ActiveByAgeBand["18-34"], after.ActiveByAgeBand["55-64"], after.Records).ShouldBe((2, 2, 1, 1, 2));
    }

    [Fact]
    public async Task targets_and_the_liability_forecast_follow_the_banked_minutes()
    {
        var district = CareRequests.NewDistrict();
        var today = Fixture.ShanghaiNow().Date;
        var older = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, new LocalDate(1970, 5, 1));
        var younger = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, new LocalDate(1990, 5, 1), programme: "general");
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var day = Fixture.ShanghaiNow().PlusDays(-1).Date.At(new LocalTime(8, 0));
        await Deposit(older, elder, day, 120);
        await Deposit(younger, elder, day.PlusHours(3), 60);
        var hold = await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = older, minutes = 30, serviceType = "bathing", description = "助浴" }, 201,
            Guid.NewGuid().ToString());
        var redemption = JsonDocument.Parse(await hold.ReadAsTextAsync()).RootElement.GetProperty("id").GetGuid();
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{redemption}/settle", new { }, 200);
        await WaitForStatisticsAsync();

        var liability = await Host.GetAsync<LiabilityForecast>(Keys.Auditor, $"/api/statistics/liability?district={Q(district)}");
        liability.RedemptionAge.ShouldBe(60);
        liability.ByDueYear.ShouldBe([new LiabilityYear(2030, 90), new LiabilityYear(2050, 60)]);
        liability.BankedMinutes.ShouldBe(150);
        liability.RedeemedByMonth.Count.ShouldBe(12);
        liability.RedeemedByMonth[^1].Figures.MinutesRedeemed.ShouldBe(30);

        var targets = await Host.GetAsync<TargetsReport>(Keys.Admin, $"/api/statistics/targets?year={today.Year}&district={Q(district)}");
        var volunteers = targets.Targets.Single(t => t.Name == "volunteers");
        (volunteers.Actual, volunteers.Target).ShouldBe((2L, 50_000L));
        var hours = targets.Targets.Single(t => t.Name == "service-hours");
        (hours.Actual, hours.Target).ShouldBe((day.Year == today.Year ? 3L : 0L, 150_000L));
        hours.Expected.ShouldBeInRange(0.0, 1.0);
        await Host.GetAsync<JsonElement>(Keys.Admin, "/api/statistics/targets?year=1999", 400);
    }

    [Fact]
    public async Task the_figures_hold_every_event_their_as_of_sequence_claims_while_services_are_being_folded()
    {
        var district = CareRequests.NewDistrict();
        var birth = Fixture.ShanghaiNow().Date.PlusYears(-62);
        var volunteers = new List<Guid>();
        for (var i = 0; i < 4; i++) volunteers.Add(await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, district, birth));
        var elder = await CareRequests.RegisterElderAsync(Host, Keys.Platform, district);
        var day = Fixture.ShanghaiNow().PlusDays(-2).Date.At(new LocalTime(6, 0));
        var url = $"/api/statistics/monthly?from={YearMonthPattern.Iso.Format(Fixture.ShanghaiNow().Date.ToYearMonth().PlusMonths(-1))}&district={Q(district)}";

        // Read while the daemon folds the deposits page by page: each read's cells against the sequence it says they hold.
        var reads = new List<(long AsOf, long Minutes)>();
        using var depositing = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            while (!depositing.IsCancellationRequested)
            {
                var figures = await Host.GetAsync<MonthlyStatistics>(Keys.Admin, url);
                reads.Add((figures.AsOfSequence, figures.Total.MinutesCredited));
            }
        });
        for (var round = 0; round < 6; round++)
        {
            for (var v = 0; v < volunteers.Count; v++) await Deposit(volunteers[v], elder, day.PlusMinutes(15 * round), 10 + v);
            await Task.Delay(300);
        }
        await WaitForStatisticsAsync();
        await Task.Delay(300);
        await depositing.CancelAsync();
        await reading;

        await using var connection = await Store.OpenAsync();
        var credited = JsonSerializer.Deserialize<List<Credit>>(await connection.ScalarAsync<string>(
            $"""
             select json_agg(json_build_object('sequence', seq_id, 'minutes', (data ->> 'minutes')::int))::text
             from {Storage.Schema}.mt_events where type = 'service_recorded' and (data ->> 'volunteerId')::uuid = any($1)
             """, volunteers.ToArray()), JsonSerializerOptions.Web)!;
        credited.Sum(c => c.Minutes).ShouldBe(6 * (10 + 11 + 12 + 13));
        reads.Select(r => r.Minutes).Distinct().Count().ShouldBeGreaterThan(2, "the reads saw the figures grow");
        foreach (var (asOf, minutes) in reads)
        {
            minutes.ShouldBeGreaterThanOrEqualTo(credited.Where(c => c.Sequence <= asOf).Sum(c => (long)c.Minutes), $"figures as of event {asOf}");
        }
        reads[^1].Minutes.ShouldBe(credited.Sum(c => c.Minutes));
    }

    private sealed record Credit(long Sequence, int Minutes);
}
