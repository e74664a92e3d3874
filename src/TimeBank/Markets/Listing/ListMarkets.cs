using Marten.Pagination;

namespace TimeBank.Markets.Listing;

public static class ListMarketsEndpoint
{
    /// <summary>The love markets, by name; district narrows them to one district. A kiosk key sees only its own market.</summary>
    /// <param name="district">The district (区), exactly as the market was opened with.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Markets per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/markets", OperationId = "ListMarkets")]
    [Authorize(Roles = Roles.Anyone)]
    [ProducesResponseType<Page<MarketView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? district, [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session,
        HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        if (district is not null && (string.IsNullOrWhiteSpace(district) || district.Length > 50))
            errors["district"] = ["district is 1 to 50 characters."];
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var caller = context.Caller();
        var query = session.Query<Market>().AsQueryable();
        if (caller.Role == Roles.Kiosk)
        {
            var own = caller.MarketId ?? Guid.Empty;
            query = query.Where(m => m.Id == own);
        }
        if (district is not null)
        {
            var wanted = district.Trim();
            query = query.Where(m => m.District == wanted);
        }
        var markets = await query.OrderBy(m => m.Name).ThenBy(m => m.Id).ToPagedListAsync(number, size, context.RequestAborted);
        return Results.Ok(Page<MarketView>.Of(markets, MarketView.Of));
    }
}
