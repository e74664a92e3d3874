using TimeBank.Ledger;

namespace TimeBank.Statistics;

/// <summary>
/// Where the statistics began counting a transfer once, from its <see cref="TransferSent"/>, which carries both accounts:
/// before, the fold read its <see cref="TransferReceived"/> too, for the receiver's liability, and so loaded twice the
/// events. One document per database, written in the transaction of the first page folded this way.
/// </summary>
public sealed class TransferCounting
{
    public const string DocumentId = "statistics";

    public string Id { get; set; } = DocumentId;

    /// <summary>Transfers' events through this sequence were counted one by one; after it, once from the sent event.</summary>
    public long CountedOnceAfter { get; set; }

    /// <summary>
    /// The half of a transfer, after the switch point, whose other half was counted before it: both halves are written in
    /// one transaction, but the sequence can put the switch between them.
    /// </summary>
    public sealed record UnpairedHalf(bool Received, TransferSent Transfer);

    /// <summary>
    /// What the switch still owes the receiver's liability, as a multiple of the minutes: the half received after it, of a
    /// transfer sent before it, was never counted (+1); the half sent after it, of a transfer received before it, will
    /// count the receiver again when folded, so that is taken back now (-1).
    /// </summary>
    public static int ReceiverSideOwed(UnpairedHalf half) => half.Received ? 1 : -1;

    /// <summary>
    /// Whether this database has its switch point committed; if not, records it at <paramref name="foldedThrough"/> in
    /// the page's transaction, with the unpaired halves after a point other than the start of the store (there every
    /// transfer is counted the new way).
    /// </summary>
    public static async Task<(bool Committed, IReadOnlyList<UnpairedHalf> Unpaired)> SwitchAsync(IDocumentOperations operations, long foldedThrough,
        CancellationToken cancellation)
    {
        if (await operations.LoadAsync<TransferCounting>(DocumentId, cancellation) is not null) return (true, []);
        // Known from the next page on, once this page's transaction has committed the document (a failed page comes again).
        operations.Store(new TransferCounting { CountedOnceAfter = foldedThrough });
        if (foldedThrough == 0) return (false, []);

        var known = operations.DocumentStore.Options.Events.AllKnownEventTypes();
        var (sent, received) = (known.First(t => t.EventType == typeof(TransferSent)).EventTypeName, known.First(t => t.EventType == typeof(TransferReceived)).EventTypeName);
        var unpaired = await operations.AdvancedSql.QueryAsync<UnpairedHalf>(
            $"""
             select jsonb_build_object('received', bool_and(type = ?), 'transfer', min(data::text)::jsonb)
             from {Hosting.Storage.Schema}.mt_events
             where seq_id > ? and type = any(?)
             group by data ->> 'transferId' having count(*) = 1
             """,
            cancellation, received, foldedThrough, new[] { sent, received });
        return (false, unpaired);
    }
}
