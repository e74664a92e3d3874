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
