using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing.Digests;

public sealed record DigestsPage(IReadOnlyList<DigestView> Items, LocalDate? Next);

public static class ListDigestsEndpoint
{
    public const int MaxLimit = 366;

    /// <summary>
    /// The daily digests, oldest first: for each day (Asia/Shanghai) the Merkle root of its event hashes and the
    /// chain head at its end. <c>from</c>/<c>to</c> are dates (inclusive); page on with <c>from</c> = <c>next</c>.
    /// Keep the closed digests you fetch: a later proof or verification is checked against them.
    /// </summary>
    [WolverineGet("/api/audit/digests", OperationId = "ListDigests")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<DigestsPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? from, [FromQuery] string? to, [FromQuery] int? limit, IDocumentStore store,
        CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var fromDay = LocalDays.Parse(from, "from", errors);
        var toDay = LocalDays.Parse(to, "to", errors);
        if (fromDay > toDay) errors["to"] = ["to must not be before from."];
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var take = limit ?? 31;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var rows = await ChainStore.LoadDigestsAsync(connection, fromDay, toDay, take + 1, cancellation);
        LocalDate? next = rows.Count > take ? rows[take].Day : null;
        var items = new List<DigestView>();
        foreach (var row in rows.Take(take)) items.Add(await DayDigests.ViewAsync(connection, row, cancellation));
        return Results.Ok(new DigestsPage(items, next));
    }
}
