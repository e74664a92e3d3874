using System.Text.Json;
using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Care.Actions;
using TimeBank.Care.Alerts;
using TimeBank.Care.Visits;
using TimeBank.Hosting;
using TimeBank.ServiceRecords;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Care;

/// <summary>Visits (annex 4 五) and care actions (六): recorded once per platform visit id, a volunteer's visit credited as a deposit, refusals write nothing.</summary>
public sealed class recording_visits(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task a_visit_is_recorded_once_per_platform_visit_id_and_listed_newest_first()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        var now = Fixture.ShanghaiNow();
        var body = CareRequests.VisitBody(now.PlusHours(-3), mode: "phone");
        var first = await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 201)).Body<VisitResult>();
        first.ServiceRecordId.ShouldBeNull();
        first.AlertId.ShouldBeNull();
        (await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 200)).Body<VisitResult>()).ShouldBe(first);

        var changed = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(body))!;
        changed["mode"] = "home";
        await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", changed, 409)).Problem(Problems.Types.IdempotencyMismatch);

        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusHours(-1)), 201);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusDays(-2)), 201);
        var visits = await Host.GetAsync<Page<VisitView>>(Keys.Platform, $"/api/elders/{elder}/visits?pageSize=2");
        visits.TotalItems.ShouldBe(3);
        visits.Items.Select(v => v.VisitedAtLocal).ShouldBe([now.PlusHours(-1), now.PlusHours(-3)]);
        visits.Items[1].Mode.ShouldBe(VisitMode.Phone);
        visits.Items[1].Findings.Mobility.ShouldBe(Trend.Worse);
        visits.Items[1].Visitor.ShouldBe(new Visitor(VisitorRole.GridWorker, null, "王网格"));
        (await Host.GetAsync<Page<VisitView>>(Keys.Platform, $"/api/elders/{elder}/visits?page=2&pageSize=2")).Items.Single().VisitedAtLocal.ShouldBe(now.PlusDays(-2));
        await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/elders/{elder}/visits", 403);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/elders/{elder}/visits", 403);
        (await Host.GetAsync<Page<VisitView>>(Keys.Auditor, $"/api/elders/{elder}/visits")).TotalItems.ShouldBe(3);
    }

    [Fact]
    public async Task a_volunteers_visit_with_its_times_credits_the_volunteer_as_a_deposit_in_the_same_transaction()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        var before = await Host.AccountAsync(Keys.Platform, volunteer);
        var started = Fixture.ShanghaiNow().PlusHours(-5);
        var body = CareRequests.VisitBody(started, volunteerId: volunteer, minutes: 90);
        var visit = await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 201)).Body<VisitResult>();
        visit.ServiceRecordId.ShouldNotBeNull();
        var record = await Host.GetAsync<ServiceRecordView>(Keys.Platform, $"/api/service-records/{visit.ServiceRecordId}");
        (record.CreditedMinutes, record.ServiceType, record.VolunteerId, record.ElderId).ShouldBe((90, "home-visit", volunteer, elder));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(before.BalanceMinutes + 90);

        // A retry replays; the volunteer is not credited twice.
        (await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 200)).Body<VisitResult>()).ShouldBe(visit);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(before.BalanceMinutes + 90);

        // The deposit's own rules: an overlapping service is refused and neither the visit nor a record is written.
        var overlapping = CareRequests.VisitBody(started.PlusMinutes(30), volunteerId: volunteer, minutes: 30);
        await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", overlapping, 409)).Problem(Problems.Types.OverlappingService);
        (await Host.GetAsync<Page<VisitView>>(Keys.Platform, $"/api/elders/{elder}/visits")).TotalItems.ShouldBe(1);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(before.BalanceMinutes + 90);

        // Another platform's volunteer cannot be credited by this platform.
        var theirs = await Host.RegisterVolunteerAsync(Keys.OtherPlatform);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(started.PlusHours(-6), volunteerId: theirs, minutes: 30), 403);
    }

    [Fact]
    public async Task a_visit_that_credits_its_volunteer_counts_in_the_credited_deposits_metrics_and_its_retry_does_not()
    {
        var (volunteer, elder, before) = await PeopleAndCreditedCounts();

        var body = CareRequests.VisitBody(Fixture.ShanghaiNow().PlusHours(-4), volunteerId: volunteer, minutes: 47);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 201);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 200);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(Fixture.ShanghaiNow().PlusHours(-2), mode: "phone"), 201);

        (await CreditedSince(before, minutes: 47)).ShouldBe((1, 47));
    }

    [Fact]
    public async Task a_deposit_counts_once_in_the_credited_metrics_as_a_visit_does_and_its_retry_does_not()
    {
        var (volunteer, elder, before) = await PeopleAndCreditedCounts();

        var body = LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().PlusDays(-1), 33);
        await Host.PostAsync(Keys.Platform, "/api/service-records", body, 201);
        await Host.PostAsync(Keys.Platform, "/api/service-records", body, 200);

        (await CreditedSince(before, minutes: 33)).ShouldBe((1, 33));
    }

    /// <summary>A new volunteer and elder, and the credited counts read past the scrape's cache, so they are today's.</summary>
    private async Task<(Guid Volunteer, Guid Elder, (double Deposits, double Minutes) Credited)> PeopleAndCreditedCounts()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        await Task.Delay(TimeSpan.FromSeconds(1));
        return (volunteer, elder, Credited(await Host.MetricsAsync(_ => true)));
    }

    /// <summary>How many deposits and minutes were credited since <paramref name="before"/>, once at least <paramref name="minutes"/> show.</summary>
    private async Task<(double Deposits, double Minutes)> CreditedSince((double Deposits, double Minutes) before, int minutes)
    {
        var after = Credited(await Host.MetricsAsync(t => Credited(t).Minutes >= before.Minutes + minutes));
        return (after.Deposits - before.Deposits, after.Minutes - before.Minutes);
    }

    private static (double Deposits, double Minutes) Credited(string metrics) =>
        (TimeBank.Bench.ServiceCounters.Sum(metrics, "timebank_deposits_credited_total") ?? 0,
            TimeBank.Bench.ServiceCounters.Sum(metrics, "timebank_minutes_credited_minutes_total") ?? 0);

    [Fact]
    public async Task bad_visits_are_refused_naming_the_field_and_write_nothing()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        var now = Fixture.ShanghaiNow();
        object With(string field, object? value)
        {
            var body = JsonSerializer.Deserialize<Dictionary<string, object?>>(JsonSerializer.Serialize(CareRequests.VisitBody(now.PlusHours(-1))))!;
            body[field] = value;
            return body;
        }
        var cases = new (object Body, string Field)[]
        {
            (With("mode", "telepathy"), "mode"),
            (With("visitedAt", CareRequests.Local(now.PlusDays(2))), "visitedAt"),
            (With("visitedAt", "9999-12-31T23:59:00"), "visitedAt"),
            (With("visitedAt", CareRequests.Local(now.PlusYears(-2))), "visitedAt"),
            (With("timeZone", "Mars/Olympus"), "timeZone"),
            (With("visitor", new { role = "wizard", name = "x" }), "visitor.role"),
            (With("visitor", new { role = "grid-worker" }), "visitor.name"),
            (With("findings", CareRequests.Findings(illness: "serious")), "findings.illnessName"),
            (With("findings", new { householdChange = new { kind = "increased" } }), "findings.householdChange.count"),
            (With("findings", null), "findings"),
            (With("startedAt", CareRequests.Local(now.PlusHours(-1))), "endedAt"),
            (With("emergency", new { kind = "fall" }), "emergency.description"),
            (With("platformVisitId", ""), "platformVisitId")
        };
        foreach (var (body, field) in cases)
        {
            var problem = await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", body, 400)).Problem(Problems.Types.Validation);
            problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"{field} in {problem}");
        }
        await Host.PostAsync(Keys.Platform, $"/api/elders/{Guid.NewGuid()}/visits", CareRequests.VisitBody(now.PlusHours(-1)), 404);
        await Host.PostAsync(Keys.OtherPlatform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusHours(-1)), 403);
        await Host.PostAsync(Keys.Kiosk, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusHours(-1)), 403);
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusHours(-1), volunteerId: Guid.NewGuid()), 422);
        (await Host.GetAsync<Page<VisitView>>(Keys.Platform, $"/api/elders/{elder}/visits")).TotalItems.ShouldBe(0);
    }

    [Fact]
    public async Task care_actions_are_recorded_under_an_idempotency_key_and_listed_newest_first()
    {
        var district = CareRequests.NewDistrict();
        var elder = await Host.RegisterElderAsync(Keys.Platform, district);
        var worker = await Host.CareWorkerKeyAsync(district);
        var now = Fixture.ShanghaiNow();
        object Action(string kind, LocalDateTime at) => new
        {
            kind, performedAt = CareRequests.Local(at), performedBy = "赵社工", description = "协助申请高龄津贴", satisfaction = "satisfied"
        };
        var key = Guid.NewGuid().ToString();
        var first = await (await Host.PostAsync(worker, $"/api/elders/{elder}/care-actions", Action("policy-advice", now.PlusDays(-1)), 201, key)).Body<CareActionView>();
        (await (await Host.PostAsync(worker, $"/api/elders/{elder}/care-actions", Action("policy-advice", now.PlusDays(-1)), 200, key)).Body<CareActionView>())
            .Id.ShouldBe(first.Id);
        await Host.PostAsync(worker, $"/api/elders/{elder}/care-actions", Action("community-help", now.PlusHours(-2)), 201, Guid.NewGuid().ToString());
        await Host.PostAsync(worker, $"/api/elders/{elder}/care-actions", Action("levitation", now), 400, Guid.NewGuid().ToString());
        await Host.PostAsync(worker, $"/api/elders/{elder}/care-actions", Action("referral", now), 400);

        var actions = await Host.GetAsync<Page<CareActionView>>(Keys.Platform, $"/api/elders/{elder}/care-actions");
        actions.Items.Select(a => a.Kind).ShouldBe([CareActionKind.CommunityHelp, CareActionKind.PolicyAdvice]);
        actions.Items[1].Satisfaction.ShouldBe(Satisfaction.Satisfied);
        var elsewhere = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        await Host.PostAsync(worker, $"/api/elders/{elsewhere}/care-actions", Action("referral", now.PlusHours(-1)), 403, Guid.NewGuid().ToString());
        await Host.GetAsync<JsonElement>(worker, $"/api/elders/{elsewhere}/care-actions", 403);
    }
}
