using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.Redeeming;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

public sealed class trial_balance_as_of(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<CurrencyTrialBalance> At(Instant instant) =>
        (await Host.GetAsync<TrialBalance>(Keys.Auditor, $"/api/ledger/trial-balance?asOf={InstantPattern.ExtendedIso.Format(instant)}")).Currencies.Single(c => c.Currency == "minutes");

    [Fact]
    public async Task folded_from_the_events_it_equals_the_live_trial_balance()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(200);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = "public-pool", minutes = 15, reason = "捐赠" }, 201, Guid.NewGuid().ToString());
        var hold = await (await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = volunteer.ToString(), minutes = 30, serviceType = "cleaning", description = "打扫" }, 201, Guid.NewGuid().ToString())).Body<RedemptionView>();
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200);
        await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = elder.ToString(), minutes = 0 + 1, serviceType = "cleaning", description = "打扫" }, 409, Guid.NewGuid().ToString());

        var live = (await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance")).Currencies.Single(c => c.Currency == "minutes");
        // Past every event of every run that shares this database: the events fold to the projected figures.
        var folded = await At(Instant.FromUtc(9000, 1, 1, 0, 0));
        folded.ShouldBe(live with { SystemAccountBalances = folded.SystemAccountBalances });
        folded.SystemAccountBalances.ShouldBe(live.SystemAccountBalances, ignoreOrder: true);
        folded.SumOfBalances.ShouldBe(0);
    }

    [Fact]
    public async Task at_instants_between_events_it_counts_only_what_happened_by_then()
    {
        // A stretch of fake time of its own, so that events of earlier runs on this database fall outside it.
        var resume = Fixture.Clock.GetCurrentInstant();
        var window = Instant.FromUtc(2400, 1, 1, 0, 0) + Duration.FromMinutes((long)(DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds);
        Fixture.Clock.Reset(window);
        try
        {
            var start = window - Duration.FromMinutes(1);
            var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
            var elder = await Host.RegisterElderAsync(Keys.Platform);
            Fixture.Clock.Advance(Duration.FromMinutes(1));
            await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().PlusDays(-1), 90), 201);
            var afterDeposit = Fixture.Clock.GetCurrentInstant();
            Fixture.Clock.Advance(Duration.FromMinutes(1));
            var hold = await (await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = volunteer.ToString(), minutes = 40, serviceType = "cleaning", description = "打扫" }, 201, Guid.NewGuid().ToString())).Body<RedemptionView>();
            var afterHold = Fixture.Clock.GetCurrentInstant();
            Fixture.Clock.Advance(Duration.FromMinutes(1));
            await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200);
            var afterSettle = Fixture.Clock.GetCurrentInstant();

            var before = await At(start);
            var deposited = await At(afterDeposit + Duration.FromSeconds(30));
            var held = await At(afterHold + Duration.FromSeconds(30));
            var settled = await At(afterSettle);

            (deposited.Accounts - before.Accounts).ShouldBe(2);
            (deposited.Issued - before.Issued).ShouldBe(90);
            (deposited.PersonBalances - before.PersonBalances).ShouldBe(90);
            (held.Held - before.Held).ShouldBe(40);
            (held.Redeemed - before.Redeemed).ShouldBe(0);
            (settled.Held - before.Held).ShouldBe(0);
            (settled.Redeemed - before.Redeemed).ShouldBe(40);
            (settled.PersonBalances - before.PersonBalances).ShouldBe(50);
            new[] { before, deposited, held, settled }.ShouldAllBe(t => t.SumOfBalances == 0);
        }
        finally
        {
            Fixture.Clock.Reset(resume);
        }

        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url("/api/ledger/trial-balance?asOf=last-tuesday");
            s.StatusCodeShouldBe(400);
        });
        await bad.Problem("urn:timebank:problem:validation");
    }
}
