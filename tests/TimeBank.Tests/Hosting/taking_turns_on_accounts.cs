using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>Writers to one account take turns inside a process; writers to other accounts never wait for them.</summary>
public sealed class taking_turns_on_accounts
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task a_writer_waits_while_another_holds_one_of_its_accounts()
    {
        var locks = new AccountLocks();
        var (shared, other) = (Guid.NewGuid(), Guid.NewGuid());
        var first = await locks.AcquireAsync(CancellationToken.None, shared);

        var second = locks.AcquireAsync(CancellationToken.None, other, shared);
        await Task.Delay(100);
        second.IsCompleted.ShouldBeFalse();

        first.Dispose();
        (await second.WaitAsync(Patience)).Dispose();
        locks.Active.ShouldBe(0);
    }

    [Fact]
    public async Task writers_to_different_accounts_never_wait_for_each_other()
    {
        var locks = new AccountLocks();
        // Batches of a score of accounts each, as a transfer batch takes: with locks shared by hashed stripes some of
        // these pairs would meet on a stripe.
        for (var i = 0; i < 200; i++)
        {
            var one = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToArray();
            var another = Enumerable.Range(0, 24).Select(_ => Guid.NewGuid()).ToArray();
            using var held = await locks.AcquireAsync(CancellationToken.None, one);
            var taking = locks.AcquireAsync(CancellationToken.None, another);
            taking.IsCompletedSuccessfully.ShouldBeTrue();
            (await taking).Dispose();
        }
    }

    [Fact]
    public async Task taking_free_turns_skips_the_held_ones_without_waiting()
    {
        var locks = new AccountLocks();
        var (held, free, alsoFree) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var holder = await locks.AcquireAsync(CancellationToken.None, held);

        Task<IDisposable> waiter;
        var (turns, taken) = locks.TakeFree([free, held, alsoFree, free]);
        using (turns)
        {
            taken.ShouldBe([free, alsoFree], ignoreOrder: true);
            waiter = locks.AcquireAsync(CancellationToken.None, free);
            waiter.IsCompleted.ShouldBeFalse();
        }
        (await waiter.WaitAsync(Patience)).Dispose();

        holder.Dispose();
        (await locks.AcquireAsync(CancellationToken.None, held, free, alsoFree).WaitAsync(Patience)).Dispose();
        locks.Active.ShouldBe(0);
    }

    [Fact]
    public async Task an_account_named_twice_is_taken_once()
    {
        var locks = new AccountLocks();
        var account = Guid.NewGuid();
        var held = await locks.AcquireAsync(CancellationToken.None, account, account).WaitAsync(Patience);
        locks.Active.ShouldBe(1);
        held.Dispose();
        locks.Active.ShouldBe(0);
    }

    [Fact]
    public async Task a_cancelled_wait_gives_up_its_place_and_keeps_nothing()
    {
        var locks = new AccountLocks();
        // Turns are taken in ascending order: the writer takes the free account, then waits for the busy one.
        var ids = new[] { Guid.NewGuid(), Guid.NewGuid() }.Order().ToArray();
        var (free, busy) = (ids[0], ids[1]);
        var holder = await locks.AcquireAsync(CancellationToken.None, busy);
        using var cancel = new CancellationTokenSource();

        var waiting = locks.AcquireAsync(cancel.Token, busy, free);
        await Task.Delay(50);
        cancel.Cancel();
        await Should.ThrowAsync<OperationCanceledException>(waiting.WaitAsync(Patience));

        // Whatever the cancelled writer had taken is free again, and only the holder's turn is kept.
        (await locks.AcquireAsync(CancellationToken.None, free).WaitAsync(Patience)).Dispose();
        locks.Active.ShouldBe(1);
        holder.Dispose();
        locks.Active.ShouldBe(0);
    }

    [Fact]
    public async Task many_writers_on_few_accounts_each_hold_theirs_alone_and_leave_nothing_behind()
    {
        var locks = new AccountLocks();
        var accounts = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid()).ToArray();
        var inside = accounts.ToDictionary(a => a, _ => 0);
        var overlaps = 0;

        await Task.WhenAll(Enumerable.Range(0, 400).Select(i => Task.Run(async () =>
        {
            var mine = new[] { accounts[i % 5], accounts[(i * 7 + 1) % 5] };
            using var held = await locks.AcquireAsync(CancellationToken.None, mine);
            foreach (var a in mine.Distinct())
                lock (inside)
                    if (++inside[a] > 1) overlaps++;
            await Task.Yield();
            foreach (var a in mine.Distinct())
                lock (inside)
                    inside[a]--;
        }))).WaitAsync(TimeSpan.FromSeconds(30));

        overlaps.ShouldBe(0);
        locks.Active.ShouldBe(0);
    }
}
