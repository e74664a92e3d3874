using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// Locks taken in a session's transaction, starting it if need be, and held until it commits or rolls back: how a
/// decision takes a turn that holds across nodes (<see cref="StreamLocks"/> on a stream's row, a volunteer's claim turn
/// on an advisory lock).
/// </summary>
public static class TransactionLocks
{
    public static async Task HoldUntilCommitAsync(this IDocumentSession session, NpgsqlCommand locking, CancellationToken cancellation)
    {
        await session.BeginTransactionAsync(cancellation);
        await session.ExecuteAsync(locking, cancellation);
    }
}
