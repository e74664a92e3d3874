using System.Diagnostics;

namespace TimeBank.Hosting;

/// <summary>Every request carries a correlation id: the caller's X-Correlation-Id, or a new one. It is echoed back.</summary>
public static class Correlation
{
    public const string Header = "X-Correlation-Id";
    private const string ItemKey = "timebank:correlation-id";
    private const int MaxLength = 128;

    public static string CorrelationId(this HttpContext context) =>
        context.FindCorrelationId() ?? throw new InvalidOperationException("Correlation middleware did not run.");

    /// <summary>The request's correlation id, or null where the correlation middleware has not run (yet).</summary>
    public static string? FindCorrelationId(this HttpContext context) => context.Items[ItemKey] as string;

    public static IApplicationBuilder UseCorrelationIds(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        var given = context.Request.Headers[Header].ToString();
        // 32 random hex digits drawn in process: a new Guid reads the kernel's random source, a system call per request.
        var id = IsUsable(given) ? given : ActivityTraceId.CreateRandom().ToHexString();
        context.Items[ItemKey] = id;
        context.Response.Headers[Header] = id;
        return next(context);
    });

    private static bool IsUsable(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':');
}
