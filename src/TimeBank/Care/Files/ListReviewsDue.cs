using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace TimeBank.Care.Files;

/// <param name="LastReviewedOn">When the care file was last reviewed; absent: no file yet.</param>
/// <param name="DueSince">When the review fell due: six months after the last one, or the registration date.</param>
public sealed record ReviewDue([property: Required] Guid ElderId, [property: Required] string FullName, [property: Required] string District,
    [property: Required] string Street, [property: Required] string Community, LocalDate? LastReviewedOn, [property: Required] LocalDate DueSince);

public static class ListReviewsDueEndpoint
{
    /// <summary>
    /// Elders whose care file was not reviewed in the last six months (每半年动态更新; TimeBank__Care__ReviewEveryMonths), or
    /// never, the longest overdue first.
    /// </summary>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Elders per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/care/reviews-due", OperationId = "ListCareReviewsDue")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<Page<ReviewDue>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? district, [FromQuery] string? street, [FromQuery] string? community, [FromQuery] int? page,
        [FromQuery] int? pageSize, IQuerySession session, IClock clock, IOptions<CareOptions> options, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var area = CareArea.Read(district, street, community, errors);
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area.District) is { } refusal) return Problems.For(refusal).ToResult();

        var zone = options.Value.Zone;
        var today = clock.GetCurrentInstant().InZone(zone).Date;
        var elders = await area.Elders(session, caller).ToListAsync(context.RequestAborted);
        var ids = elders.Select(e => e.Id).ToArray();
        var files = (await session.Query<CareFile>().Where(f => f.ElderId.IsOneOf(ids)).ToListAsync(context.RequestAborted)).ToDictionary(f => f.ElderId);
        var due = elders
            .Select(e => files.TryGetValue(e.Id, out var f)
                ? new ReviewDue(e.Id, e.FullName, e.District, e.Street, e.Community, f.ReviewedOn, f.ReviewedOn.PlusMonths(options.Value.ReviewEveryMonths))
                : new ReviewDue(e.Id, e.FullName, e.District, e.Street, e.Community, null, e.RegisteredAt.InZone(zone).Date))
            .Where(d => d.DueSince <= today)
            .OrderBy(d => d.DueSince).ThenBy(d => d.ElderId)
            .ToList();
        var items = due.Skip((number - 1) * size).Take(size).ToList();
        return Results.Ok(new Page<ReviewDue>(number, size, due.Count, (due.Count + size - 1) / size, items));
    }
}
