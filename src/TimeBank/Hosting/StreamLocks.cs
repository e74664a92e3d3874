using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// Locks on an event stream's row until the transaction ends, for decisions that read what a stream's events change but
/// write elsewhere, where no version check covers the read. An append locks its stream's row before it draws a sequence
/// number (Marten's exclusive lock on concurrent appends), so while the row is held nothing is appended to the stream: a
/// change read after the lock either committed before and shows, or waits and follows the decision in the ledger.
/// </summary>
public static class StreamLocks
{
    /// <summary>Others may hold the stream too; only appends wait. Reads made after it agree with each other.</summary>
    public static Task ShareAsync(IDocumentSession session, Guid streamId, CancellationToken cancellation) =>
        LockAsync(session, streamId, "share", cancellation);

    /// <summary>
    /// One holder at a time, and appends wait: for a decision whose events fold into a document other streams' events
    /// fold into too (Marten reads such a document and writes it back, so two at once would lose one's change).
    /// </summary>
    public static Task TakeAsync(IDocumentSession session, Guid streamId, CancellationToken cancellation) =>
        LockAsync(session, streamId, "update", cancellation);

    private static async Task LockAsync(IDocumentSession session, Guid streamId, string strength, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        await session.ExecuteAsync(new NpgsqlCommand($"select 1 from {Storage.Schema}.mt_streams where id = $1 for {strength}")
        {
            Parameters = { new() { Value = streamId } }
        }, cancellation);
    }
}
