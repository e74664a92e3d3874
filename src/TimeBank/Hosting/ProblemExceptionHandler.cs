using Microsoft.AspNetCore.Diagnostics;

namespace TimeBank.Hosting;

/// <summary>Last line: a lost race is a 409, an unreadable body a 400, anything else a 500, all as problems.</summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellation)
    {
        var problem = exception switch
        {
            _ when Conflicts.IsConflict(exception) => Problems.ConcurrencyConflict(),
            BadHttpRequestException bad => Problems.Validation("body", bad.InnerException?.Message ?? bad.Message),
            System.Text.Json.JsonException json => Problems.Validation(json.Path is { Length: > 0 } path ? path.TrimStart('$', '.') : "body", "The body is not valid JSON for this request."),
            _ => null
        };

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

        context.Response.StatusCode = problem.Status ?? 500;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }
}
