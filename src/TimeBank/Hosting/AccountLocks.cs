namespace TimeBank.Hosting;

/// <summary>
/// Queues writers to the same account inside this process, so that concurrent requests on one node
/// take turns instead of failing each other's version checks. Correctness never depends on it: the
/// stream version check still guards against other nodes, and <see cref="Conflicts"/> retries those.
/// </summary>
public sealed class AccountLocks
{
    private const int Stripes = 1024;
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, Stripes).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellation, params Guid[] accounts)
    {
        // Stripes are always taken in ascending order, so two multi-account writers cannot deadlock.
        var stripes = accounts.Select(a => (a.GetHashCode() & int.MaxValue) % Stripes).Distinct().Order().ToArray();
        var taken = new List<SemaphoreSlim>(stripes.Length);
        try
        {
            foreach (var stripe in stripes)
            {
                await _stripes[stripe].WaitAsync(cancellation);
                taken.Add(_stripes[stripe]);
            }
            return new Release(taken);
        }
        catch
        {
            new Release(taken).Dispose();
            throw;
        }
    }

    private sealed class Release(List<SemaphoreSlim> taken) : IDisposable
    {
        public void Dispose()
        {
            foreach (var semaphore in taken) semaphore.Release();
            taken.Clear();
        }
    }
}
