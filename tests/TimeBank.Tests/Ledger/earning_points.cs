using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.GettingAccount;
using TimeBank.Ledger.ListingEntries;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.Tests.Ledger;

public sealed class earning_points(AppFixture fixture) : ApiTest(fixture)
{
    private LocalDateTime DaysAgo(int days, int hour = 9) => Fixture.LocalNow().Date.PlusDays(-days).At(new LocalTime(hour, 0));

    [Fact]
    public void points_are_the_rate_times_the_hours_rounded_down_per_record()
    {
        var points = new PointsOptions { PointsPerHour = 10, PerServiceType = { ["health-care"] = 15 } };
        points.PointsFor("home-visit", 90).ShouldBe(15);
        points.PointsFor("home-visit", 50).ShouldBe(8);
        points.PointsFor("home-visit", 5).ShouldBe(0);
        points.PointsFor("health-care", 50).ShouldBe(12);
        points.Problems().ShouldBeEmpty();
        new PointsOptions { PointsPerHour = -1, PerServiceType = { ["juggling"] = 5 } }.Problems().Count().ShouldBe(2);
    }

    [Fact]
    public async Task a_deposit_credits_points_at_the_configured_rate_of_its_service_type()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);

        var visit = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(2), 50), 201)).Body<ServiceRecordResult>();
        (visit.CreditedMinutes, visit.CreditedPoints, visit.PointsBalance).ShouldBe((50, 8, 8));

        // The test host sets TimeBank:Points:PerServiceType:medical-escort to 20 points an hour.
        var escort = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(1), 45, serviceType: "medical-escort"), 201)).Body<ServiceRecordResult>();
        (escort.CreditedPoints, escort.PointsBalance, escort.BalanceMinutes).ShouldBe((15, 23, 95));

        (await Host.AccountAsync(Keys.Platform, volunteer)).PointsBalance.ShouldBe(23);
        (await Host.GetAsync<ServiceRecordView>(Keys.Auditor, $"/api/service-records/{escort.Id}")).CreditedPoints.ShouldBe(15);
    }

    [Fact]
    public async Task a_reversal_takes_the_points_back_and_entries_filter_by_currency()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var kept = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(3), 120), 201)).Body<ServiceRecordResult>();
        var wrong = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(2), 60), 201)).Body<ServiceRecordResult>();
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 30, reason = "赠与" },
            201, Guid.NewGuid().ToString());

        await Host.PostAsync(Keys.Platform, $"/api/service-records/{wrong.Id}/reversal", new { reason = "重复录入" }, 200);
        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.BalanceMinutes, account.PointsBalance).ShouldBe((90, 20));

        var points = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{volunteer}/entries?currency=points");
        points.Items.Select(e => (e.Kind, e.AmountPoints, e.PointsBalanceAfter))
            .ShouldBe([("service-reversal", -10, 20), ("service-credit", 10, 30), ("service-credit", 20, 20)]);
        points.TotalItems.ShouldBe(3);

        var minutes = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{volunteer}/entries?currency=minutes");
        minutes.Items.Select(e => e.Kind).ShouldBe(["service-reversal", "transfer-out", "service-credit", "service-credit"]);
        (await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{volunteer}/entries")).TotalItems.ShouldBe(4);
        kept.CreditedPoints.ShouldBe(20);

        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url($"/api/accounts/{volunteer}/entries?currency=yuan");
            s.StatusCodeShouldBe(400);
        });
        (await bad.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("currency", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task as_of_answers_points_for_instants_between_events()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(3), 60), 201);
        var afterFirst = Fixture.Clock.GetCurrentInstant();
        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, DaysAgo(2), 120), 201);
        Fixture.Clock.Advance(Duration.FromMinutes(10));

        async Task<AccountView> At(Instant instant) =>
            await Host.GetAsync<AccountView>(Keys.Auditor, $"/api/accounts/{volunteer}?asOf={InstantPattern.ExtendedIso.Format(instant)}");

        (await At(afterFirst - Duration.FromMinutes(1))).PointsBalance.ShouldBe(0);
        (await At(afterFirst + Duration.FromMinutes(5))).PointsBalance.ShouldBe(10);
        (await At(Fixture.Clock.GetCurrentInstant())).PointsBalance.ShouldBe(30);
        (await Host.AccountAsync(Keys.Auditor, volunteer)).PointsBalance.ShouldBe(30);
    }

    [Fact]
    public async Task the_trial_balance_covers_points_and_they_sum_to_zero_live_and_folded()
    {
        await Fixture.VolunteerWithBalance(95);
        var live = (await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance")).Currencies.Single(c => c.Currency == "points");
        live.SumOfBalances.ShouldBe(0);
        live.Issued.ShouldBeGreaterThanOrEqualTo(15);
        live.SystemAccountBalances.Keys.ShouldBe(["system:issuance", "system:market-sink"], ignoreOrder: true);
        live.PersonBalances.ShouldBe(live.Issued - live.Redeemed);

        var folded = (await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance?asOf=9000-01-01T00:00:00Z"))
            .Currencies.Single(c => c.Currency == "points");
        folded.ShouldBe(live with { SystemAccountBalances = folded.SystemAccountBalances });
        folded.SystemAccountBalances.ShouldBe(live.SystemAccountBalances, ignoreOrder: true);
    }
}
