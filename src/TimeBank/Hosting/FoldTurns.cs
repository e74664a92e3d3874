using System.Diagnostics;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.Subscriptions;

namespace TimeBank.Hosting;

/// <summary>
/// How many of the subscriptions that fold events off the write path may work on a page at once in this process: half
/// the cores, at least one. Under steady writes each of them gets a page every half second; folding them all at once
/// held every core for tens of milliseconds, and the requests that came meanwhile waited. Taking turns spreads the same
/// work, so the folds keep up while the write path always has a core.
/// </summary>
public sealed class FoldTurns(int slots, TimeSpan spacing = default)
{
    /// <summary>
    /// How far apart the turns of pages that found the folds caught up start: the chain's and the ledger's pages come
    /// with the same advance of the daemon's mark, and folded back to back they slowed the requests for one long stretch
    /// every half second instead of two short ones.
    /// </summary>
    public static readonly TimeSpan SteadySpacing = TimeSpan.FromMilliseconds(200);

    public static readonly FoldTurns OfThisProcess = new(SlotsFor(Environment.ProcessorCount), SteadySpacing);

    private readonly SemaphoreSlim _free = new(slots, slots);
    private long _lastStarted = long.MinValue;

    public static int SlotsFor(int cores) => Math.Max(1, cores / 2);

    /// <summary>
    /// How long a turn waits once it has its slot: a page that caught the fold up (<paramref name="steady"/>) starts no
    /// sooner than <paramref name="spacing"/> after the turn before it started; a page of a backlog starts at once.
    /// </summary>
    public static TimeSpan WaitBeforeStarting(bool steady, TimeSpan sinceLastStarted, TimeSpan spacing) =>
        steady && sinceLastStarted < spacing ? spacing - sinceLastStarted : TimeSpan.Zero;

    public async Task<T> TakeAsync<T>(Func<Task<T>> fold, CancellationToken cancellation, bool steady = false)
    {
        await _free.WaitAsync(cancellation);
        try
        {
            var last = Interlocked.Read(ref _lastStarted);
            var since = last == long.MinValue ? TimeSpan.MaxValue : Stopwatch.GetElapsedTime(last);
            if (WaitBeforeStarting(steady, since, spacing) is { Ticks: > 0 } wait) await Task.Delay(wait, cancellation);
            Interlocked.Exchange(ref _lastStarted, Stopwatch.GetTimestamp());
            return await fold();
        }
        finally
        {
            _free.Release();
        }
    }
}

/// <summary>A subscription whose pages are folded in turn with the others' (<see cref="FoldTurns"/>).</summary>
public abstract class FoldingSubscription : SubscriptionBase
{
    public sealed override Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        CancellationToken cancellationToken) =>
        FoldTurns.OfThisProcess.TakeAsync(() => FoldAsync(page, operations, cancellationToken), cancellationToken,
            steady: page.SequenceCeiling - page.SequenceFloor < Options.BatchSize);

    protected abstract Task<IChangeListener> FoldAsync(EventRange page, IDocumentOperations operations, CancellationToken cancellation);
}
