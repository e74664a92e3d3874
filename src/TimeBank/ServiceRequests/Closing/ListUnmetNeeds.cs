using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using NodaTime.Text;

namespace TimeBank.ServiceRequests.Closing;

/// <param name="SlotsUnmet">Volunteers asked for and never served.</param>
public sealed record UnmetNeed([property: Required] Guid RequestId, [property: Required] Guid ElderId, [property: Required] string ServiceType,
    [property: Required] WindowView Window, [property: Required] int Slots, [property: Required] int SlotsUnmet, [property: Required] ServiceRequestStatus Status);

/// <summary>One community's shortage in the month.</summary>
public sealed record CommunityShortage([property: Required] string District, [property: Required] string Street, [property: Required] string Community,
    [property: Required] int Requests, [property: Required] int SlotsAsked, [property: Required] int SlotsUnmet, [property: Required] IReadOnlyList<UnmetNeed> Needs);

/// <param name="Month">The month (yyyy-MM) whose windows began in it, in the service's zone.</param>
public sealed record UnmetNeeds([property: Required] string Month, [property: Required] int SlotsUnmet, [property: Required] IReadOnlyList<CommunityShortage> Communities);

public static class ListUnmetNeedsEndpoint
{
    /// <summary>
    /// What elders asked for and did not get (the shortage a coordinator must see): closed requests of the month that
    /// expired or were partly served, by community, the largest shortage first.
    /// </summary>
    /// <param name="month">yyyy-MM, in the service's zone (default Asia/Shanghai).</param>
    /// <param name="district">Only this district (区).</param>
    [WolverineGet("/api/service-requests/unmet", OperationId = "ListUnmetNeeds")]
    [Authorize(Roles = Roles.ShortageReaders)]
    [ProducesResponseType<UnmetNeeds>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? month, [FromQuery] string? district, IQuerySession session,
        IOptions<TimeBankOptions> options, HttpContext context, CancellationToken cancellation)
    {
        if (month is null || YearMonthPattern.Iso.Parse(month) is not { Success: true } parsed || parsed.Value.Year is < 2000 or > 2200)
            return Problems.Validation("month", "month is yyyy-MM, e.g. 2026-11.").ToResult();
        var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
        var days = parsed.Value.ToDateInterval();
        var (from, to) = LocalDays.UnixMillis(days.Start, days.End, zone);

        var query = session.Query<ServiceRequest>()
            .Where(r => r.StartsAtUnixMs >= from && r.StartsAtUnixMs < to
                        && (r.Status == ServiceRequestStatus.Expired || r.Status == ServiceRequestStatus.PartlyServed));
        if (!string.IsNullOrWhiteSpace(district)) query = query.Where(r => r.District == district.Trim());
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, district?.Trim()) is { } refusal) return Problems.For(refusal).ToResult();
        if (Scopes.DistrictsOf(caller) is { } districts) query = query.Where(r => r.District.IsOneOf(districts));
        var closed = await query.OrderBy(r => r.StartsAtUnixMs).ToListAsync(cancellation);
        return Results.Ok(Summarise(month, closed));
    }

    public static UnmetNeeds Summarise(string month, IEnumerable<ServiceRequest> closed)
    {
        var communities = closed
            .GroupBy(r => (r.District, r.Street, r.Community))
            .Select(g =>
            {
                var needs = g.Select(r => new UnmetNeed(r.Id, r.ElderId, r.ServiceType, new WindowView(r.WindowFrom, r.WindowTo, r.TimeZone), r.Slots,
                    r.Slots - r.Completed, r.Status)).ToList();
                return new CommunityShortage(g.Key.District, g.Key.Street, g.Key.Community, needs.Count, needs.Sum(n => n.Slots), needs.Sum(n => n.SlotsUnmet), needs);
            })
            .OrderByDescending(c => c.SlotsUnmet).ThenBy(c => c.District).ThenBy(c => c.Street).ThenBy(c => c.Community)
            .ToList();
        return new UnmetNeeds(month, communities.Sum(c => c.SlotsUnmet), communities);
    }
}
