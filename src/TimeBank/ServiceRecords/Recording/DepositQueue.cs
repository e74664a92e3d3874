using System.Threading.Channels;
using TimeBank.Hosting;
using Wolverine;

namespace TimeBank.ServiceRecords.Recording;

/// <summary>
/// Group commit for deposits. Requests queue per lane (a volunteer always maps to the same lane, so
/// one volunteer's deposits never race each other in this process); each lane takes whatever has
/// queued while its previous commit ran and commits it as one transaction. Under load that turns
/// many small commits into few larger ones; when idle, a deposit is committed alone at once.
/// </summary>
public sealed class DepositQueue : IHostedService
{
    private const int Lanes = 4;
    private const int MaxBatch = 64;

    private readonly IServiceScopeFactory _scopes;
    private readonly ILogger<DepositQueue> _logger;
    private readonly Channel<Waiting>[] _lanes = Enumerable.Range(0, Lanes)
        .Select(_ => Channel.CreateUnbounded<Waiting>(new UnboundedChannelOptions { SingleReader = true }))
        .ToArray();
    private readonly CancellationTokenSource _stopping = new();
    private Task[] _workers = [];

    public DepositQueue(IServiceScopeFactory scopes, ILogger<DepositQueue> logger)
    {
        _scopes = scopes;
        _logger = logger;
    }

    private sealed record Waiting(PendingDeposit Deposit, TaskCompletionSource<Outcome<ServiceRecordResult>> Answer);

    public Task<Outcome<ServiceRecordResult>> SubmitAsync(RecordService command, AuditStamp stamp, CancellationToken cancellation)
    {
        var answer = new TaskCompletionSource<Outcome<ServiceRecordResult>>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lane = _lanes[(command.VolunteerId.GetHashCode() & int.MaxValue) % Lanes];
        if (!lane.Writer.TryWrite(new Waiting(new PendingDeposit(command, stamp), answer)))
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
        // Queued deposits still commit; only when the host stops waiting are the commits in flight cancelled.
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
            await Commit(batch);
        }
    }

    private async Task Commit(IReadOnlyList<Waiting> batch)
    {
        try
        {
            var outcomes = await Invoke(batch.Select(w => w.Deposit).ToList());
            for (var i = 0; i < batch.Count; i++) batch[i].Answer.TrySetResult(outcomes[i]);
        }
        catch (Exception e) when (batch.Count > 1)
        {
            // Something other than a lost race: commit each alone so only the faulty deposit fails.
            _logger.LogWarning(e, "A batch of {Count} deposits failed; committing them one by one", batch.Count);
            foreach (var waiting in batch) await Commit([waiting]);
        }
        catch (Exception e)
        {
            batch[0].Answer.TrySetException(e);
        }
    }

    private async Task<IReadOnlyList<Outcome<ServiceRecordResult>>> Invoke(List<PendingDeposit> deposits)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
        var recorded = await Conflicts.RetryAsync(
            () => bus.InvokeAsync<RecordedServices>(new RecordServices(deposits), _stopping.Token),
            _stopping.Token);
        return recorded.Outcomes;
    }
}
