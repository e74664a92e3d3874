using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.ServiceRecords;

/// <summary>
/// Deposits that arrive together are committed in one transaction; each is checked against its own volunteer's credited
/// services, however many days apart the batch's services lie.
/// </summary>
public sealed class committing_deposits_together(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task each_deposit_of_a_batch_is_checked_against_its_own_volunteers_services_whatever_days_the_batch_spans()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var servedLongAgo = await Host.RegisterVolunteerAsync(Keys.Platform);
        var servedRecently = await Host.RegisterVolunteerAsync(Keys.Platform);
        var firstTime = await Host.RegisterVolunteerAsync(Keys.Platform);
        var twentyDaysAgo = Fixture.LocalNow().Date.PlusDays(-20).At(new LocalTime(9, 0));
        var twoDaysAgo = Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(9, 0));
        var longAgo = await Recorded(servedLongAgo, elder, twentyDaysAgo, 120);
        var recently = await Recorded(servedRecently, elder, twoDaysAgo, 120);

        var outcomes = await Commit(
            Pending(servedLongAgo, elder, twoDaysAgo, 60),
            Pending(servedLongAgo, elder, twentyDaysAgo.PlusMinutes(60), 60),
            Pending(servedRecently, elder, twoDaysAgo.PlusMinutes(90), 60),
            Pending(servedRecently, elder, twentyDaysAgo, 60),
            Pending(firstTime, elder, twentyDaysAgo, 60),
            Pending(firstTime, elder, twentyDaysAgo.PlusMinutes(30), 60));

        outcomes[0].Created.ShouldBeTrue();
        outcomes[1].Refusal.ShouldBe(new OverlappingService(longAgo));
        outcomes[2].Refusal.ShouldBe(new OverlappingService(recently));
        outcomes[3].Created.ShouldBeTrue();
        outcomes[4].Created.ShouldBeTrue();
        outcomes[5].Refusal.ShouldBe(new OverlappingService(outcomes[4].As<ServiceRecordResult>().Id));
        (await Host.AccountAsync(Keys.Platform, servedLongAgo)).BalanceMinutes.ShouldBe(180);
        (await Host.AccountAsync(Keys.Platform, servedRecently)).BalanceMinutes.ShouldBe(180);
        (await Host.AccountAsync(Keys.Platform, firstTime)).BalanceMinutes.ShouldBe(60);
    }

    [Fact]
    public async Task volunteers_served_the_same_day_are_looked_up_together_and_each_checked_against_their_own_services()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var (first, second) = (await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterVolunteerAsync(Keys.Platform));
        var morning = Fixture.LocalNow().Date.PlusDays(-3).At(new LocalTime(9, 0));
        var firstsMorning = await Recorded(first, elder, morning, 60);

        var outcomes = await Commit(
            Pending(first, elder, morning.PlusMinutes(30), 60),
            Pending(second, elder, morning.PlusMinutes(30), 60),
            Pending(second, elder, morning.PlusHours(8), 60));

        outcomes[0].Refusal.ShouldBe(new OverlappingService(firstsMorning));
        outcomes[1].Created.ShouldBeTrue();
        outcomes[2].Created.ShouldBeTrue();
        (await Host.AccountAsync(Keys.Platform, first)).BalanceMinutes.ShouldBe(60);
        (await Host.AccountAsync(Keys.Platform, second)).BalanceMinutes.ShouldBe(120);
    }

    [Fact]
    public async Task deposits_for_one_volunteer_arriving_on_different_nodes_at_once_each_build_on_the_one_before()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var day = Fixture.LocalNow().Date.PlusDays(-4).At(new LocalTime(7, 0));

        // Straight to the handler, one batch each, as if each arrived on its own node: only the version check orders them.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 10).Select(async i => (await Commit(Pending(volunteer, elder, day.PlusHours(i), 60))).Single()));

        outcomes.ShouldAllBe(o => o.Created);
        outcomes.Select(o => o.As<ServiceRecordResult>().BalanceMinutes).Order().ShouldBe(Enumerable.Range(1, 10).Select(n => n * 60));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(600);
    }

    private async Task<Guid> Recorded(Guid volunteer, Guid elder, LocalDateTime startedAt, int minutes)
    {
        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, startedAt, minutes), 201);
        return (await result.Body<ServiceRecordResult>()).Id;
    }

    private static PendingDeposit Pending(Guid volunteer, Guid elder, LocalDateTime startedAt, int minutes) =>
        new(new RecordService(Scopes.SystemKeyId, Guid.NewGuid().ToString("N"), volunteer, elder, "home-visit", startedAt, startedAt.PlusMinutes(minutes),
                "Asia/Shanghai", null),
            GroupCommits.SystemStamp());

    private async Task<IReadOnlyList<Outcome>> Commit(params PendingDeposit[] deposits) =>
        (await Host.CommitAsync<RecordedServices>(new RecordServices(deposits))).Outcomes;
}
