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
    private const string ShareSql = $"select 1 from {Storage.Schema}.mt_streams where id = $1 for share";
    private const string TakeSql = $"select 1 from {Storage.Schema}.mt_streams where id = $1 for update";

    /// <summary>Others may hold the stream too; only appends wait. Reads made after it agree with each other.</summary>
    public static Task ShareAsync(IDocumentSession session, Guid streamId, CancellationToken cancellation) =>
        Hold(session, ShareSql, streamId, cancellation);

    /// <summary>
    /// One holder at a time, and appends wait: for a decision whose events fold into a document other streams' events
    /// fold into too (Marten reads such a document and writes it back, so two at once would lose one's change).
    /// </summary>
    public static Task TakeAsync(IDocumentSession session, Guid streamId, CancellationToken cancellation) =>
        Hold(session, TakeSql, streamId, cancellation);

    private static Task Hold(IDocumentSession session, string lockingSql, Guid streamId, CancellationToken cancellation) =>
        session.HoldUntilCommitAsync(new NpgsqlCommand(lockingSql) { Parameters = { new() { Value = streamId } } }, cancellation);
}
