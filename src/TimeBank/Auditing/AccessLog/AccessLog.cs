using System.Security.Claims;
using JasperFx.Events;

namespace TimeBank.Auditing.AccessLog;

/// <summary>
/// An auditor read something: which resource (path and query: the account, the range), with which key, when,
/// and with what status. An event like any other, so the hash chain covers who looked as well as what changed.
/// </summary>
public sealed record LedgerDataRead(
    Guid ReadId,
    string ReaderKeyId,
    string ReaderName,
    string ReaderRole,
    string Path,
    string Query,
    string? AccountId,
    int Status,
    Instant ReadAt);

/// <summary>One line of the access log, kept inline from its one-event stream.</summary>
public sealed record AccessLogEntry
{
    public Guid Id { get; init; }
    public string ReaderKeyId { get; init; } = "";
    public string ReaderName { get; init; } = "";
    public string ReaderRole { get; init; } = "";
    public string Path { get; init; } = "";
    public string Query { get; init; } = "";
    public string? AccountId { get; init; }
    public int Status { get; init; }
    public Instant ReadAt { get; init; }

    // The instant as a number, so ranges and ordering are plain comparisons in SQL.
    public long ReadAtUnixMs { get; init; }

    public static AccessLogEntry Create(LedgerDataRead e) => new()
    {
        Id = e.ReadId,
        ReaderKeyId = e.ReaderKeyId,
        ReaderName = e.ReaderName,
        ReaderRole = e.ReaderRole,
        Path = e.Path,
        Query = e.Query,
        AccountId = e.AccountId,
        Status = e.Status,
        ReadAt = e.ReadAt,
        ReadAtUnixMs = e.ReadAt.ToUnixTimeMilliseconds()
    };
}

/// <summary>
/// Records every successful GET under /api by an auditor key once it has been answered, before the response
/// completes: the read and its record go together, and a read whose record cannot be written is logged as an error.
/// </summary>
public sealed class AccessLogMiddleware(RequestDelegate next, IDocumentStore store, IClock clock, ILogger<AccessLogMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);

        if (!HttpMethods.IsGet(context.Request.Method) || context.Response.StatusCode >= 400) return;
        if (!context.Request.Path.StartsWithSegments("/api")) return;
        if (context.User.FindFirstValue(ClaimTypes.Role) != Roles.Auditor) return;

        var caller = context.Caller();
        var path = context.Request.Path.Value ?? "";
        var account = path.Contains("/accounts/", StringComparison.Ordinal) ? context.GetRouteValue("id") as string : null;
        var read = new LedgerDataRead(Guid.CreateVersion7(), caller.KeyId, caller.Name, caller.Role, path,
            context.Request.QueryString.Value ?? "", account, context.Response.StatusCode, clock.GetCurrentInstant());
        try
        {
            await using var session = store.LightweightSession();
            session.Events.StartStream<AccessLogEntry>(read.ReadId, context.StampOf().On(read));
            await session.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Could not record auditor {KeyId}'s read of {Path}", caller.KeyId, path);
        }
    }
}

public sealed class AccessLogStartupFilter : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.UseMiddleware<AccessLogMiddleware>();
        next(app);
    };
}
