using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Npgsql;
using TimeBank.People;

namespace TimeBank.Hosting;

/// <summary>Something kept from the ledger's events off the write path (statistics, integrity flags, star levels).</summary>
public interface ILedgerFold
{
    /// <summary>The fold's name in the metrics (<c>timebank_fold_*{fold="…"}</c>).</summary>
    string Name { get; }

    /// <summary>The event types the fold reads; it is handed no others.</summary>
    IReadOnlyCollection<Type> EventTypes { get; }

    /// <summary>The shard that ran this fold before the folds shared a subscription; the fold is not handed what that one folded.</summary>
    string FormerShard { get; }

    /// <summary>
    /// Folds a page's events of <see cref="EventTypes"/>, in sequence order; called with every page, so with none on some.
    /// Every event through <paramref name="foldedThrough"/> has been folded before, by this fold or its former shard. Writes
    /// through <paramref name="operations"/> commit with the page's progress; a fold that commits on its own must be
    /// idempotent, since a failed page is folded again.
    /// </summary>
    Task FoldAsync(long foldedThrough, IReadOnlyList<IEvent> events, IDocumentOperations operations, KnownPeople people, CancellationToken cancellation);
}

/// <summary>
/// The one subscription that runs every <see cref="ILedgerFold"/>: each page of events is read, deserialised and its
/// progress committed once for all of them, where a subscription per fold read a deposit's event once per fold.
/// </summary>
public sealed class LedgerFolds : FoldingSubscription
{
    public const string SubscriptionName = "LedgerFolds";
    private readonly List<ILedgerFold> _folds = [];

    private readonly KnownPeople _people;

    public LedgerFolds(KnownPeople people)
    {
        _people = people;
        Name = SubscriptionName;
        // Larger pages rewrite a month's busiest statistics cells less often under load.
        Options.BatchSize = 1000;
    }

    public IReadOnlyList<ILedgerFold> Folds => _folds;

    public void Add(ILedgerFold fold)
    {
        _folds.Add(fold);
        foreach (var type in fold.EventTypes.Where(t => !IncludedEventTypes.Contains(t))) IncludeType(type);
    }

    // A database from before the folds shared this subscription: what each fold's former shard had folded, until this
    // subscription's progress has passed it all and the former shards' rows are deleted.
    private FormerProgress? _former;

    protected override async Task<IChangeListener> FoldAsync(EventRange page, IDocumentOperations operations, CancellationToken cancellation)
    {
        _former ??= await FormerProgress.ReadAsync(operations.DocumentStore, _folds.Select(f => f.FormerShard).ToArray(), cancellation);
        _former = _former.Before(page);
        foreach (var (fold, foldedThrough, events) in Split(page.SequenceFloor, page.Events, _folds, _former))
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await fold.FoldAsync(foldedThrough, events, operations, _people, cancellation);
            Telemetry.Folded(fold.Name, events.Count, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        }
        if (_former.PassedBy(page))
        {
            operations.QueueSqlCommand($"delete from {Storage.Schema}.mt_event_progression where name = any(?)", (object)_former.Shards.Keys.ToArray());
            _former = _former with { DeletedWithPageThrough = page.SequenceCeiling };
        }
        return NullChangeListener.Instance;
    }

    /// <summary>
    /// Each fold's events of the page (after <paramref name="floor"/>): of its types, not folded by its former shard, in
    /// sequence order, with the sequence through which it has folded before them.
    /// </summary>
    public static IEnumerable<(ILedgerFold Fold, long FoldedThrough, IReadOnlyList<IEvent> Events)> Split(long floor, IReadOnlyList<IEvent> page,
        IEnumerable<ILedgerFold> folds, FormerProgress former)
    {
        foreach (var fold in folds)
        {
            var foldedThrough = Math.Max(floor, former.FoldedThrough(fold.FormerShard));
            yield return (fold, foldedThrough, page.Where(e => e.Sequence > foldedThrough && fold.EventTypes.Contains(e.EventType)).ToList());
        }
    }

    /// <summary>
    /// The progress of the former shards. Their rows are deleted in the transaction of the first page that takes this
    /// subscription past all of them; a later page (never a retry of that one) shows the deletion committed.
    /// </summary>
    public sealed record FormerProgress(IReadOnlyDictionary<string, long> Shards, long? DeletedWithPageThrough = null)
    {
        public static readonly FormerProgress None = new(new Dictionary<string, long>());

        public long FoldedThrough(string shard) => Shards.GetValueOrDefault(shard);

        public FormerProgress Before(EventRange page) => DeletedWithPageThrough is { } through && page.SequenceFloor >= through ? None : this;

        public bool PassedBy(EventRange page) => Shards.Count > 0 && page.SequenceCeiling >= Shards.Values.Max();

        public static async Task<FormerProgress> ReadAsync(IDocumentStore store, string[] shards, CancellationToken cancellation)
        {
            await using var connection = store.Storage.Database.CreateConnection();
            await connection.OpenAsync(cancellation);
            await using var command = new NpgsqlCommand($"select name, last_seq_id from {Storage.Schema}.mt_event_progression where name = any($1)", connection)
            {
                Parameters = { new NpgsqlParameter { Value = shards } }
            };
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            var progress = new Dictionary<string, long>();
            while (await reader.ReadAsync(cancellation)) progress[reader.GetString(0)] = reader.GetInt64(1);
            return progress.Count == 0 ? None : new FormerProgress(progress);
        }
    }
}

public static class LedgerFoldsSetup
{
    /// <summary>Adds a fold to the service's one <see cref="LedgerFolds"/> subscription, registering it with Marten on first use.</summary>
    public static IServiceCollection AddLedgerFold(this IServiceCollection services, ILedgerFold fold)
    {
        services.SingleInstance(() => new LedgerFolds(services.KnownPeople()), folds => services.ConfigureMarten(opts => opts.Events.Subscribe(folds)))
            .Add(fold);
        return services;
    }
}
