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
public sealed class FoldTurns(int slots)
{
    public static readonly FoldTurns OfThisProcess = new(SlotsFor(Environment.ProcessorCount));

    private readonly SemaphoreSlim _free = new(slots, slots);

    public static int SlotsFor(int cores) => Math.Max(1, cores / 2);

    public async Task<T> TakeAsync<T>(Func<Task<T>> fold, CancellationToken cancellation)
    {
        await _free.WaitAsync(cancellation);
        try
        {
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
        FoldTurns.OfThisProcess.TakeAsync(() => FoldAsync(page, operations, cancellationToken), cancellationToken);

    protected abstract Task<IChangeListener> FoldAsync(EventRange page, IDocumentOperations operations, CancellationToken cancellation);
}
