using Marten.Services.BatchQuerying;

namespace TimeBank.Ledger;

/// <summary>
/// The accounts a write appends to (a batch's many, or a deposit's one), read in one statement among its other reads.
/// An account's document is projected inline, in the transaction of its events, so its <see cref="Account.Version"/> is
/// its stream's: appending with it as the expected version checks concurrency as FetchForWriting does, without
/// FetchForWriting's two statements a stream. The documents are kept in the session's identity map, so the commit's
/// inline projection folds the new events onto them instead of loading them again. They are the first read of their
/// batch, before the records the decision pairs with them (as in <see cref="AccountAndDocument"/>): a record another
/// writer commits after the accounts were read then shows, or fails the append's version check.
/// </summary>
public sealed class AccountsForWriting
{
    private readonly Task<IReadOnlyList<Account>> _reading;
    private readonly SortedDictionary<Guid, List<object>> _appends = [];
    private Dictionary<Guid, Account>? _read;

    private AccountsForWriting(Task<IReadOnlyList<Account>> reading) => _reading = reading;

    /// <summary>Starts a batch of reads with the accounts; the caller adds its other reads and executes it.</summary>
    public static (AccountsForWriting Writing, IBatchedQuery Reads) ReadFirst(IDocumentSession session, IEnumerable<Guid> accountIds)
    {
        session.UseIdentityMapFor<Account>();
        var reads = session.CreateBatchQuery();
        return (new AccountsForWriting(reads.LoadMany<Account>().ById(accountIds.Distinct().ToArray())), reads);
    }

    /// <summary>The accounts as read, by id (an account that does not exist is absent); once the batch has executed.</summary>
    public async Task<IReadOnlyDictionary<Guid, Account>> ReadAsync() => _read ??= (await _reading).ToDictionary(a => a.Id);

    /// <summary>Queues an event (its data, or the data with its metadata) for the account's stream.</summary>
    public void Append(Guid accountId, object e)
    {
        if (!_appends.TryGetValue(accountId, out var events)) _appends[accountId] = events = [];
        events.Add(e);
    }

    /// <summary>
    /// Queues the appends stream by stream in the order of their ids, so that two batches on different nodes lock their
    /// streams in one order; an account not read starts its stream, which fails should another commit have started it.
    /// </summary>
    public void AppendTo(IDocumentSession session)
    {
        if (_appends.Count == 0) return;
        var read = _read ?? throw new InvalidOperationException("The accounts must be read before they are appended to.");
        foreach (var (id, events) in _appends)
        {
            if (read.TryGetValue(id, out var account)) session.Events.Append(id, account.Version + events.Count, events.ToArray());
            else session.Events.StartStream<Account>(id, events.ToArray());
        }
    }
}
