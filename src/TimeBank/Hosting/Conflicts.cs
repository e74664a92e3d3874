using JasperFx;
using JasperFx.Events;
using Marten.Exceptions;
using Npgsql;
using Wolverine.ErrorHandling;

namespace TimeBank.Hosting;

/// <summary>
/// Optimistic concurrency on streams means a command can lose a race. The loser is re-run from scratch
/// (fresh reads, fresh decision) by Wolverine's error policy a bounded number of times; after that the
/// exception reaches <see cref="ProblemExceptionHandler"/> as a 409.
/// </summary>
public static class Conflicts
{
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

    public static WolverineOptions RetryLostRaces(this WolverineOptions opts)
    {
        opts.OnException(IsConflict, "lost a race on a stream or a key").RetryWithCooldown(
            [.. new[] { 1, 2, 4, 8, 15, 25, 40, 60, 100, 150, 250 }.Select(ms => TimeSpan.FromMilliseconds(ms))]);
        return opts;
    }

    /// <summary>
    /// Runs a command for an HTTP request: stamped with the request's actor, correlation and causation, carrying
    /// the request's Idempotency-Key, and taking turns with this process's other writers to <paramref name="streams"/>.
    /// </summary>
    public static async Task<Outcome> InvokeForRequestAsync(this IMessageBus bus, object command, HttpContext context, params Guid[] streams)
    {
        using var turn = streams.Length > 0
            ? await context.RequestServices.GetRequiredService<AccountLocks>().AcquireAsync(context.RequestAborted, streams)
            : null;
        return await bus.InvokeAsync<Outcome>(command, context.AuditedDelivery(), context.RequestAborted);
    }
}
