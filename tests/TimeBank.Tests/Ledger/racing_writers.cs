using Alba;
using Microsoft.Extensions.Logging;
using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.Transferring;
using TimeBank.Hosting;
using TimeBank.Auditing.Chain;
using TimeBank.Tests.Auditing;

namespace TimeBank.Tests.Ledger;

public sealed class racing_writers(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task projected_balances_match_the_events_after_concurrent_deposits_and_transfers()
    {
        var volunteers = new List<Guid>();
        for (var i = 0; i < 3; i++) volunteers.Add(await Host.RegisterVolunteerAsync(Keys.Platform));
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var day = Fixture.LocalNow().Date.PlusDays(-3).At(new LocalTime(0, 0));

        var deposits = Enumerable.Range(0, 60).Select(n => Send(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteers[n % 3], elder, day.PlusMinutes(n / 3 * 20), 15), null));
        var transfers = Enumerable.Range(0, 30).Select(n => Send(Keys.Platform, "/api/transfers",
            new { from = volunteers[n % 3].ToString(), to = volunteers[(n + 1) % 3].ToString(), minutes = 5, reason = "互助" },
            Guid.NewGuid().ToString()));
        var statuses = await Task.WhenAll(deposits.Concat(transfers));

        statuses.Take(60).ShouldAllBe(s => s == 201);
        statuses.Skip(60).ShouldAllBe(s => s == 201 || s == 409);

        await using var session = Store.QuerySession();
        foreach (var volunteer in volunteers)
        {
            var projected = await session.LoadAsync<Account>(volunteer);
            var replayed = AccountHistory.From(await session.Events.FetchStreamAsync(volunteer), null).Figures;
            projected!.BalanceMinutes.ShouldBe(replayed.BalanceMinutes);
            projected.ServedMinutes.ShouldBe(replayed.ServedMinutes);
            projected.ServedMinutes.ShouldBe(20 * 15);
        }
        var total = 0;
        foreach (var volunteer in volunteers) total += (await session.LoadAsync<Account>(volunteer))!.BalanceMinutes;
        total.ShouldBe(60 * 15);

        var trial = await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance");
        trial.Currencies[0].SumOfBalances.ShouldBe(0);
    }

    [Fact]
    public async Task without_the_in_process_queue_the_version_check_alone_prevents_overdraft()
    {
        var (giver, _) = await Fixture.VolunteerWithBalance(100);
        var receiver = await Host.RegisterElderAsync(Keys.Platform);

        var outcomes = await TransfersFromOtherNodes(giver, receiver, 30);

        outcomes.Count(o => o.Created).ShouldBe(3);
        outcomes.Where(o => !o.Created).ShouldAllBe(o => o.Refusal is NotEnoughMinutes);
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(10);
        (await Host.AccountAsync(Keys.Platform, receiver)).BalanceMinutes.ShouldBe(90);

        // The races the losers re-ran are not errors in the log.
        Fixture.Logs.Entries.ShouldNotContain(e => e.Level >= LogLevel.Error && RepeatedErrorLines.Categories.Contains(e.Category));
    }

    [Fact]
    public async Task the_losers_of_races_between_nodes_leave_no_gap_in_the_event_sequence()
    {
        // A number drawn by a transaction that then rolls back is a gap the async daemon waits out (3 s) before its
        // projections and the hash chain go on. The append locks the stream's row before its version check, so a loser
        // fails that check before drawing one.
        var (giver, _) = await Fixture.VolunteerWithBalance(100);
        var receiver = await Host.RegisterElderAsync(Keys.Platform);
        await using var connection = await Store.OpenAsync();
        var before = await connection.ScalarAsync<long>(LastDrawn);

        (await TransfersFromOtherNodes(giver, receiver, 5)).ShouldAllBe(o => o.Created);

        // A number another writer has drawn and not yet committed is not a gap yet: look again for a while.
        (await Polling.Eventually(() => connection.ScalarAsync<long>(UnusedSince, before), unused => unused == 0, seconds: 5)).ShouldBe(0);
    }

    /// <summary>Twelve transfers at once, as if each arrived on a different API node: straight to the handler, no group commit, no AccountLocks.</summary>
    private Task<Outcome[]> TransfersFromOtherNodes(Guid giver, Guid receiver, int minutes) =>
        Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            var transfer = new PendingTransfer(new Transfer(giver, receiver, minutes, "并发"), Guid.NewGuid().ToString(), GroupCommits.SystemStamp());
            return (await Host.CommitAsync<TransfersMade>(new MakeTransfers([transfer]))).Outcomes.ShouldHaveSingleItem();
        }));

    private const string LastDrawn = $"select last_value from {StoredEvents.Schema}.mt_events_sequence";

    private const string UnusedSince =
        $"select count(*) from generate_series($1 + 1, ({LastDrawn})) s where not exists (select 1 from {StoredEvents.Schema}.mt_events where seq_id = s)";

    private async Task<int> Send(string key, string url, object body, string? idempotencyKey)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", key);
            if (idempotencyKey is not null) s.WithRequestHeader("Idempotency-Key", idempotencyKey);
            s.Post.Json(body).ToUrl(url);
            s.IgnoreStatusCode();
        });
        return result.Context.Response.StatusCode;
    }
}
