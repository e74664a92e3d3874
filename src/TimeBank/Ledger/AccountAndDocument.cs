using JasperFx.Events;

namespace TimeBank.Ledger;

/// <summary>
/// An account for writing, with a document that the account's own events change (a service record's status, an order's
/// refund, a hold's closing), read in one round trip, the account first. PostgreSQL gives each statement its own
/// snapshot, so a change committed after the account was read either shows in the document or fails the append's
/// version check: a decision never pairs a current account with a stale document. The other way round, two reversals of
/// one record racing each other could both see it credited and both debit it. The caller finds the account's id with a
/// first read of the document (whose account it is never changes) and decides on the document read here.
/// </summary>
public static class AccountAndDocument
{
    public static async Task<(IEventStream<Account> Account, T? Document)> ReadAsync<T>(IDocumentSession session, Guid accountId, Guid documentId)
        where T : class
    {
        var reads = session.CreateBatchQuery();
        var account = reads.Events.FetchForWriting<Account>(accountId);
        var document = reads.Load<T>(documentId);
        await reads.Execute();
        return (await account, await document);
    }
}
