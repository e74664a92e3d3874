using Marten.Linq;
using TimeBank.Auditing.ReadingEvents;

namespace TimeBank.Auditing.AccessLog;

public sealed record AccessLogPage(int Page, int PageSize, long TotalItems, long TotalPages, IReadOnlyList<AccessLogEntry> Items);

public static class ListAccessLogEndpoint
{
    public const int MaxPageSize = 500;

    /// <summary>
    /// The reads made with auditor keys, newest first: who (key id, name), what (path and query, the account when
    /// one was read), when, and the status answered. Filter by <c>keyId</c>, <c>account</c> (an account id) and
    /// <c>from</c>/<c>to</c> (instants; from inclusive, to exclusive).
    /// </summary>
    [WolverineGet("/api/audit/access-log", OperationId = "ListAccessLog")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<AccessLogPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] int? page, [FromQuery] int? pageSize, [FromQuery] string? keyId,
        [FromQuery] string? account, [FromQuery] string? from, [FromQuery] string? to, IQuerySession session, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var (number, size) = Paging.Read(page, pageSize, errors, MaxPageSize);
        var fromInstant = Instants.Parse(from, "from", errors);
        var toInstant = Instants.Parse(to, "to", errors);
        if (fromInstant > toInstant) errors["to"] = ["to must not be before from."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        IQueryable<AccessLogEntry> query = session.Query<AccessLogEntry>();
        if (keyId is not null) query = query.Where(e => e.ReaderKeyId == keyId);
        if (account is not null) query = query.Where(e => e.AccountId == account);
        if (fromInstant is { } f)
        {
            var fromMs = f.ToUnixTimeMilliseconds();
            query = query.Where(e => e.ReadAtUnixMs >= fromMs);
        }
        if (toInstant is { } t)
        {
            var toMs = t.ToUnixTimeMilliseconds();
            query = query.Where(e => e.ReadAtUnixMs < toMs);
        }

        var items = await query.Stats(out var stats).OrderByDescending(e => e.ReadAtUnixMs).ThenByDescending(e => e.Id)
            .Skip((number - 1) * size).Take(size).ToListAsync(cancellation);
        return Results.Ok(new AccessLogPage(number, size, stats.TotalResults, (stats.TotalResults + size - 1) / size, items));
    }
}
