using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// The subscriptions that fold events off the write path take turns, so they never hold every core at once, and turns of
/// pages that caught up start apart, so they slow the requests for short stretches rather than one long one.
/// </summary>
public sealed class folding_in_turns
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    [InlineData(3, 1)]
    [InlineData(4, 2)]
    [InlineData(16, 8)]
    public void folds_take_half_the_cores_and_at_least_one(int cores, int slots) => FoldTurns.SlotsFor(cores).ShouldBe(slots);

    [Theory]
    [InlineData(true, 50, 150)]
    [InlineData(true, 200, 0)]
    [InlineData(true, 250, 0)]
    [InlineData(false, 50, 0)]
    [InlineData(false, 0, 0)]
    public void a_page_that_caught_up_starts_no_sooner_than_the_spacing_after_the_turn_before(bool steady, int sinceMs, int waitMs) =>
        FoldTurns.WaitBeforeStarting(steady, TimeSpan.FromMilliseconds(sinceMs), TimeSpan.FromMilliseconds(200))
            .ShouldBe(TimeSpan.FromMilliseconds(waitMs));

    [Fact]
    public async Task a_caught_up_page_waits_out_the_spacing_a_backlog_page_does_not_and_a_cancelled_wait_gives_the_slot_back()
    {
        var turns = new FoldTurns(1, TimeSpan.FromMinutes(10));
        (await turns.TakeAsync(() => Task.FromResult(1), CancellationToken.None, steady: true)).ShouldBe(1);
        (await turns.TakeAsync(() => Task.FromResult(2), CancellationToken.None, steady: false)).ShouldBe(2);

        using var cancellation = new CancellationTokenSource();
        var ran = false;
        var caughtUp = turns.TakeAsync(() => { ran = true; return Task.FromResult(3); }, cancellation.Token, steady: true);
        await Task.Delay(100);
        caughtUp.IsCompleted.ShouldBeFalse();
        await cancellation.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => caughtUp);
        ran.ShouldBeFalse();
        (await turns.TakeAsync(() => Task.FromResult(4), CancellationToken.None)).ShouldBe(4);
    }

    [Fact]
    public void every_subscription_of_the_service_folds_in_turn()
    {
        var subscriptions = typeof(FoldTurns).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(Marten.Subscriptions.SubscriptionBase).IsAssignableFrom(t)).ToList();
        subscriptions.Select(t => t.Name).ShouldBe(["HashChainSubscription", "LedgerFolds"], ignoreOrder: true);
        subscriptions.ShouldAllBe(t => typeof(FoldingSubscription).IsAssignableFrom(t));
    }

    [Fact]
    public async Task a_fold_waits_while_the_slots_are_taken_and_runs_when_one_is_free()
    {
        var turns = new FoldTurns(1);
        var firstMayFinish = new TaskCompletionSource();
        var secondStarted = false;
        var first = turns.TakeAsync(async () => { await firstMayFinish.Task; return 1; }, CancellationToken.None);
        var second = turns.TakeAsync(() => { secondStarted = true; return Task.FromResult(2); }, CancellationToken.None);

        await Task.Delay(100);
        (secondStarted, second.IsCompleted).ShouldBe((false, false));

        firstMayFinish.SetResult();
        (await first, await second).ShouldBe((1, 2));
        secondStarted.ShouldBeTrue();
    }

    [Fact]
    public async Task two_slots_let_two_folds_run_together()
    {
        var turns = new FoldTurns(2);
        var bothIn = new TaskCompletionSource();
        var inside = 0;
        async Task<int> Fold()
        {
            if (Interlocked.Increment(ref inside) == 2) bothIn.SetResult();
            await bothIn.Task.WaitAsync(TimeSpan.FromSeconds(10));
            return 0;
        }

        await Task.WhenAll(turns.TakeAsync(Fold, CancellationToken.None), turns.TakeAsync(Fold, CancellationToken.None));
        inside.ShouldBe(2);
    }

    [Fact]
    public async Task a_fold_that_fails_gives_its_slot_back()
    {
        var turns = new FoldTurns(1);
        await Should.ThrowAsync<InvalidOperationException>(() => turns.TakeAsync<int>(() => throw new InvalidOperationException("page refused"), CancellationToken.None));
        (await turns.TakeAsync(() => Task.FromResult(7), CancellationToken.None)).ShouldBe(7);
    }

    [Fact]
    public async Task a_fold_cancelled_while_waiting_never_runs_and_takes_no_slot()
    {
        var turns = new FoldTurns(1);
        var release = new TaskCompletionSource();
        var holding = turns.TakeAsync(async () => { await release.Task; return 0; }, CancellationToken.None);
        using var cancellation = new CancellationTokenSource();
        var ran = false;
        var waiting = turns.TakeAsync(() => { ran = true; return Task.FromResult(0); }, cancellation.Token);

        await cancellation.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => waiting);
        release.SetResult();
        await holding;
        ran.ShouldBeFalse();
        (await turns.TakeAsync(() => Task.FromResult(3), CancellationToken.None)).ShouldBe(3);
    }
}
