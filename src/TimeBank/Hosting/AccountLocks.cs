namespace TimeBank.Hosting;

/// <summary>
/// Queues writers to the same account inside this process, so that concurrent requests on one node
/// take turns instead of failing each other's version checks. Correctness never depends on it: the
/// stream version check still guards against other nodes, and <see cref="Conflicts"/> retries those.
/// </summary>
/// <remarks>
/// A turn per account, kept only while someone holds or awaits it. Locks shared by hashed stripes made
/// two transfer batches on unrelated accounts wait for each other (a batch touches a score of accounts).
/// </remarks>
public sealed class AccountLocks
{
    private readonly Dictionary<Guid, Turn> _turns = [];

    private sealed class Turn
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        public int Holders; // holding or waiting; guarded by _turns
    }

    /// <summary>Accounts with a turn held or awaited: none once every writer is done.</summary>
    internal int Active
    {
        get
        {
            lock (_turns) return _turns.Count;
        }
    }

    public async Task<IDisposable> AcquireAsync(CancellationToken cancellation, params Guid[] accounts)
    {
        // Turns are always taken in ascending order, so two multi-account writers cannot deadlock.
        var ordered = accounts.Distinct().Order().ToArray();
        var taken = new Release(this);
        try
        {
            foreach (var account in ordered)
            {
                var turn = Join(account);
                try
                {
                    await turn.Gate.WaitAsync(cancellation);
                }
                catch
                {
                    Leave(account, turn);
                    throw;
                }
                taken.Add(account, turn);
            }
            return taken;
        }
        catch
        {
            taken.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Takes, without waiting, the turn of each of <paramref name="accounts"/> that nobody holds, and says which it took.
    /// Nothing is awaited while turns are held, so this cannot deadlock with <see cref="AcquireAsync"/>.
    /// </summary>
    public (IDisposable Turns, IReadOnlySet<Guid> Accounts) TakeFree(IEnumerable<Guid> accounts)
    {
        var taken = new Release(this);
        var free = new HashSet<Guid>();
        foreach (var account in accounts.Distinct())
        {
            var turn = Join(account);
            if (turn.Gate.Wait(0))
            {
                taken.Add(account, turn);
                free.Add(account);
            }
            else Leave(account, turn);
        }
        return (taken, free);
    }

    private Turn Join(Guid account)
    {
        lock (_turns)
        {
            if (!_turns.TryGetValue(account, out var turn)) _turns[account] = turn = new Turn();
            turn.Holders++;
            return turn;
        }
    }

    private void Leave(Guid account, Turn turn)
    {
        lock (_turns)
        {
            if (--turn.Holders == 0) _turns.Remove(account);
        }
    }

    private sealed class Release(AccountLocks locks) : IDisposable
    {
        private readonly List<(Guid Account, Turn Turn)> _held = [];

        public void Add(Guid account, Turn turn) => _held.Add((account, turn));

        public void Dispose()
        {
            foreach (var (account, turn) in _held)
            {
                turn.Gate.Release();
                locks.Leave(account, turn);
            }
            _held.Clear();
        }
    }
}
