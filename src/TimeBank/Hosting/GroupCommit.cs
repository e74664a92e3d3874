using System.Threading.Channels;

namespace TimeBank.Hosting;

/// <summary>
/// Group commit. Requests queue per lane (a key always maps to the same lane, so requests of one key never race each
/// other in this process); each lane takes whatever has queued while its previous commit ran and commits it as one
/// transaction. Under load that turns many small commits into few larger ones; when idle, a request is committed alone
/// at once.
/// </summary>
public abstract class GroupCommit<TPending>(IServiceScopeFactory scopes, ILogger logger) : IHostedService where TPending : class
{
    // A lane commits one batch at a time, on one connection: lanes beyond the cores only split the queue into smaller
    // batches, and each batch costs the same round trips and commit however few requests it carries.
    private static readonly int Lanes = Math.Max(2, Environment.ProcessorCount);
    private const int MaxBatch = 64;

    private readonly Channel<Waiting>[] _lanes = Enumerable.Range(0, Lanes)
        .Select(_ => Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true }))
        .ToArray();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _workers = [];

    private sealed record Waiting(TPending Pending, TaskCompletionSource<Outcome> Answer);

    /// <summary>The queue's name in the metrics (<c>timebank_commit_batch{queue="…"}</c>).</summary>
    protected abstract string Name { get; }

    /// <summary>The key whose requests share a lane.</summary>
    protected abstract Guid LaneKey(TPending pending);

    /// <summary>Decides and commits a batch in one transaction: one outcome per request, in order.</summary>
    protected abstract Task<IReadOnlyList<Outcome>> CommitAsync(IServiceProvider services, IReadOnlyList<TPending> batch, CancellationToken cancellation);

    public Task<Outcome> SubmitAsync(TPending pending, CancellationToken cancellation)
    {
        var answer = new TaskCompletionSource<Outcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lane = _lanes[(LaneKey(pending).GetHashCode() & int.MaxValue) % Lanes];
        if (!lane.Writer.TryWrite(new Waiting(pending, answer)))
        {
            throw new InvalidOperationException("The service is shutting down.");
        }
        return answer.Task.WaitAsync(cancellation);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _workers = _lanes.Select(lane => Task.Run(() => Drain(lane.Reader))).ToArray();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var lane in _lanes) lane.Writer.TryComplete();
        // Queued requests still commit; only when the host stops waiting are the commits in flight cancelled.
        await using var giveUp = cancellationToken.Register(_stopping.Cancel);
        try
        {
            await Task.WhenAll(_workers).WaitAsync(cancellationToken);
        }
        finally
        {
            _stopping.Cancel();
        }
    }

    private async Task Drain(ChannelReader<Waiting> reader)
    {
        var batch = new List<Waiting>(MaxBatch);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var waiting)) batch.Add(waiting);
            Telemetry.BatchTaken(Name, batch.Count);
            await Commit(batch);
        }
    }

    private async Task Commit(IReadOnlyList<Waiting> batch)
    {
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var outcomes = await CommitAsync(scope.ServiceProvider, batch.Select(w => w.Pending).ToList(), _stopping.Token);
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(outcomes[i]);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // Something other than a lost race (those Wolverine re-runs): commit each alone so only the faulty request fails.
            logger.LogWarning(e, "A batch of {Count} requests failed; committing them one by one", batch.Count);
            foreach (var waiting in batch) await Commit([waiting]);
        }
        catch (Exception e)
        {
            batch[0].Answer.TrySetException(e);
        }
    }
}
