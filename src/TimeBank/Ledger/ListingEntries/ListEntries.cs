using TimeBank.People.Granting;
namespace TimeBank.Ledger.ListingEntries;

public sealed record EntriesPage(string AccountId, int Page, int PageSize, int TotalItems, int TotalPages, IReadOnlyList<AccountEntry> Items);

public static class ListEntriesEndpoint
{
    public const int MaxPageSize = 500;

    /// <summary>
    /// The account's statement, newest first: each movement with its signed amounts and the balances after it, in minutes
    /// and in points. currency=minutes or currency=points keeps only the entries that move that currency.
    /// </summary>
    [WolverineGet("/api/accounts/{id}/entries", OperationId = "ListAccountEntries")]
    [Authorize(Roles = Roles.AccountReaders)]
    [ProducesResponseType<EntriesPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string id, [FromQuery] int? page, [FromQuery] int? pageSize, [FromQuery, OneOf("minutes", "points")] string? currency,
        IQuerySession session, HttpContext context, CancellationToken cancellation)
    {
        if (AccountIds.TryParse(id, out var accountId) is { } notFound) return notFound;

        var errors = new Dictionary<string, string[]>();
        var (number, size) = Paging.Read(page, pageSize, errors, MaxPageSize);
        Currency? only = currency switch
        {
            null => null,
            "minutes" => Currency.Minutes,
            "points" => Currency.Points,
            _ => null
        };
        if (currency is not null && only is null) errors["currency"] = ["currency is minutes or points."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var caller = context.Caller();
        if (await PersonScope.ForRead(session, caller, accountId, cancellation).RefusedAsync(caller, accountId) is { } refused) return refused;
        var history = await AccountHistory.LoadAsync(session, accountId, null, cancellation);
        if (history is null) return Problems.NotFound("Account", id).ToResult();

        IReadOnlyList<AccountEntry> entries = only is { } wanted ? history.Entries.Where(e => e.Moves(wanted)).ToList() : history.Entries;
        var total = entries.Count;
        var skip = (long)(number - 1) * size;
        var items = skip >= total ? [] : entries.Reverse().Skip((int)skip).Take(size).ToList();
        return Results.Ok(new EntriesPage(SystemAccounts.Name(accountId), number, size, total, (total + size - 1) / size, items));
    }
}
