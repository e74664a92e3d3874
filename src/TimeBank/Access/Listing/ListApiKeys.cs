using Marten.Pagination;

namespace TimeBank.Access.Listing;

public static class ListApiKeysEndpoint
{
    /// <summary>The issued keys (admin), newest first, with their status; never the secrets. role filters by role.</summary>
    /// <param name="role">Only keys of this role: admin, platform, kiosk or auditor.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Keys per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/api-keys", OperationId = "ListApiKeys")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<Page<ApiKeyView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, RoleName] string? role, [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session,
        IClock clock, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (role is not null && !Roles.All.Contains(role)) errors["role"] = [$"role is one of: {string.Join(", ", Roles.All)}."];
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var query = session.Query<ApiKey>().AsQueryable();
        if (role is not null) query = query.Where(k => k.Role == role);
        var keys = await query.OrderByDescending(k => k.Id).ToPagedListAsync(number, size, cancellation);
        var now = clock.GetCurrentInstant();
        return Results.Ok(Page<ApiKeyView>.Of(keys, k => ApiKeyView.Of(k, now)));
    }
}
