using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using Npgsql;
using Wolverine;

namespace TimeBank.Hosting;

/// <summary>
/// Optimistic concurrency on account streams means a command can lose a race. The loser is
/// re-run from scratch (fresh reads, fresh decision) a bounded number of times before a 409.
/// </summary>
public static class Conflicts
{
    private const int MaxAttempts = 12;

    public static bool IsConflict(Exception e) => e switch
    {
        ConcurrencyException or EventStreamUnexpectedMaxEventIdException or JasperFx.Events.ExistingStreamIdCollisionException
            or Marten.Exceptions.ExistingStreamIdCollisionException or DocumentAlreadyExistsException => true,
        MartenCommandException { InnerException: PostgresException pg } => IsRetryable(pg),
        PostgresException pg => IsRetryable(pg),
        _ when e.InnerException is not null => IsConflict(e.InnerException),
        _ => false
    };

    private static bool IsRetryable(PostgresException pg) =>
        pg.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DeadlockDetected
            or PostgresErrorCodes.SerializationFailure;

    /// <summary>
    /// Runs a command's handler for an HTTP request: stamped with the request's actor, correlation and
    /// causation, and re-run from scratch when it loses a race.
    /// </summary>
    public static Task<Outcome<T>> InvokeForRequestAsync<T>(this IMessageBus bus, object command, HttpContext context) where T : class =>
        RetryAsync(() => bus.InvokeAsync<Outcome<T>>(command, context.AuditedDelivery(), context.RequestAborted), context.RequestAborted);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> attempt, CancellationToken cancellation)
    {
        for (var tried = 1; ; tried++)
        {
            try
            {
                return await attempt();
            }
            catch (Exception e) when (IsConflict(e) && tried < MaxAttempts)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * tried), cancellation);
            }
        }
    }
}
