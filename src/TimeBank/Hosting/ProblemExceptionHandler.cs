using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// Last line: a lost race is a 409, an unreadable body a 400, a database that cannot be reached a 503 with
/// Retry-After, anything else a 500, all as problems.
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>How long a client should wait before retrying while the database is unreachable.</summary>
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellation)
    {
        var problem = ProblemFor(exception);
        if (problem is null)
        {
            logger.LogError(exception, "Unhandled error on {Method} {Path}", context.Request.Method, context.Request.Path);
            problem = new ProblemDetails
            {
                Type = Problems.Types.Internal,
                Title = "An unexpected error occurred.",
                Status = StatusCodes.Status500InternalServerError,
                Detail = $"Quote correlation id {context.FindCorrelationId()} when reporting this."
            };
        }
        else if (problem.Type == Problems.Types.Conflict)
        {
            logger.LogWarning("A write on {Method} {Path} lost its race on a stream or key at every retry", context.Request.Method, context.Request.Path);
        }
        else if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("The database could not be reached on {Method} {Path}: {Reason}", context.Request.Method, context.Request.Path,
                exception.GetBaseException().Message);
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        }

        context.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    /// <summary>The problem an exception stands for, or null for one that is the service's own fault (a 500).</summary>
    public static ProblemDetails? ProblemFor(Exception exception) => exception switch
    {
        _ when Conflicts.IsConflict(exception) => Problems.ConcurrencyConflict(),
        _ when IsDatabaseOutage(exception) => Problems.Refusal(Problems.Types.Unavailable, StatusCodes.Status503ServiceUnavailable,
            "The database cannot be reached.",
            $"Nothing is known to be written. Retry the request (with the same idempotency key) after {RetryAfterSeconds} seconds."),
        BadHttpRequestException => Problems.Validation("body", UnreadableBody.Message),
        System.Text.Json.JsonException json => Problems.Validation(UnreadableBody.Field(json.Path ?? "$"), UnreadableBody.Message),
        _ => null
    };

    /// <summary>
    /// PostgreSQL down, restarting or refusing connections: a socket or I/O failure under Npgsql, a connection-class
    /// SQLSTATE (08…), or a server shutting down or starting (57P01–57P03).
    /// </summary>
    public static bool IsDatabaseOutage(Exception exception) => exception switch
    {
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal) || pg.SqlState is "57P01" or "57P02" or "57P03",
        NpgsqlException { InnerException: SocketException or IOException or TimeoutException } => true,
        NpgsqlException npgsql when npgsql.InnerException is null && npgsql.IsTransient => true,
        _ when exception.InnerException is not null => IsDatabaseOutage(exception.InnerException),
        _ => false
    };
}
