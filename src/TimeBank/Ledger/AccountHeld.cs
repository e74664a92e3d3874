using Npgsql;

namespace TimeBank.Ledger;

/// <summary>
/// Holds an account still while a decision reads what the account's own events change (a service record's status, the
/// served minutes) and writes to a stream of its own (a rating, a certificate), which no version check of the account
/// covers. The account's stream row is locked for share until the decision commits, and an append to the account locks
/// that row before it draws a sequence number: a change read after this either committed before and shows, or waits and
/// comes after the decision in the ledger. Statements read after it agree with each other, though each has its own
/// snapshot.
/// </summary>
public static class AccountHeld
{
    private const string LockStreamSql = $"select 1 from {Storage.Schema}.mt_streams where id = $1 for share";

    public static async Task HoldAsync(IDocumentSession session, Guid accountId, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        await session.ExecuteAsync(new NpgsqlCommand(LockStreamSql) { Parameters = { new() { Value = accountId } } }, cancellation);
    }
}
