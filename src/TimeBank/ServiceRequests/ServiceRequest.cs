using System.ComponentModel.DataAnnotations;
using JasperFx.Events.Projections;
using Weasel.Postgresql.Tables;

namespace TimeBank.ServiceRequests;

/// <summary>
/// open: slots are free; full: every slot is claimed. Once the window (and the leeway for completions) is over:
/// served (every slot completed), partly-served (some) or expired (none). A completion posted later still counts.
/// </summary>
public enum ServiceRequestStatus { Open, Full, Served, PartlyServed, Expired }

/// <summary>A need collected by an organisation and published for volunteers to claim (需求发布).</summary>
public sealed record ServiceRequestPublished(Guid RequestId, Guid RequestedBy, Guid ElderId, string ServiceType, LocalDateTime WindowFrom,
    LocalDateTime WindowTo, string TimeZone, Instant StartsAt, Instant EndsAt, string District, string Street, string Community, int Slots,
    string Description, string PublishedBy, Instant PublishedAt);

/// <summary>A volunteer takes one slot (认领), for themselves or on behalf of an organisation they belong to.</summary>
public sealed record ServiceRequestClaimed(Guid RequestId, Guid VolunteerId, Guid? OrganisationId, string ClaimedBy, Instant ClaimedAt);

/// <summary>The window and its leeway are over: what was not served by now is the shortage coordinators see.</summary>
public sealed record ServiceRequestClosed(Guid RequestId, int Slots, int Completed, Instant ClosedAt);

/// <summary>A claim given up before the window started; its slot is free again.</summary>
public sealed record ClaimWithdrawn(Guid RequestId, Guid VolunteerId, string WithdrawnBy, Instant WithdrawnAt);

/// <summary>The claim's volunteer served: the service record credited them, in the same transaction.</summary>
public sealed record ServiceRequestCompleted(Guid RequestId, Guid VolunteerId, Guid ServiceRecordId, Instant CompletedAt);

/// <param name="VolunteerId">Who claimed the slot.</param>
/// <param name="OrganisationId">The organisation the volunteer claimed for, if any.</param>
/// <param name="ServiceRecordId">The service record that completed the claim, once the volunteer served.</param>
public sealed record Claim([property: Required] Guid VolunteerId, Guid? OrganisationId, [property: Required] Instant ClaimedAt, Guid? ServiceRecordId = null);

/// <summary>A service request folded inline from its stream, with its current claims.</summary>
public sealed record ServiceRequest
{
    public Guid Id { get; init; }
    public Guid RequestedBy { get; init; }
    public Guid ElderId { get; init; }
    public string ServiceType { get; init; } = "";
    public LocalDateTime WindowFrom { get; init; }
    public LocalDateTime WindowTo { get; init; }
    public string TimeZone { get; init; } = "";
    public Instant StartsAt { get; init; }
    public Instant EndsAt { get; init; }

    // The window as numbers, so listing, ordering and the overlap check are plain comparisons in SQL.
    public long StartsAtUnixMs { get; init; }
    public long EndsAtUnixMs { get; init; }
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public int Slots { get; init; }
    public string Description { get; init; } = "";
    public Instant PublishedAt { get; init; }
    public ServiceRequestStatus Status { get; init; }
    public IReadOnlyList<Claim> Claims { get; init; } = [];

    // The claimants' ids alone, for finding a volunteer's claims (a column of their own, see AddServiceRequests).
    public Guid[] ClaimedBy { get; init; } = [];
    public long Version { get; set; }

    public Instant? ClosedAt { get; init; }

    public int FreeSlots => Slots - Claims.Count;

    public int Completed => Claims.Count(c => c.ServiceRecordId is not null);

    public ServiceRequest Apply(ServiceRequestPublished e) => this with
    {
        Id = e.RequestId, RequestedBy = e.RequestedBy, ElderId = e.ElderId, ServiceType = e.ServiceType, WindowFrom = e.WindowFrom,
        WindowTo = e.WindowTo, TimeZone = e.TimeZone, StartsAt = e.StartsAt, EndsAt = e.EndsAt,
        StartsAtUnixMs = e.StartsAt.ToUnixTimeMilliseconds(), EndsAtUnixMs = e.EndsAt.ToUnixTimeMilliseconds(), District = e.District,
        Street = e.Street, Community = e.Community, Slots = e.Slots, Description = e.Description, PublishedAt = e.PublishedAt,
        Status = ServiceRequestStatus.Open
    };

    /// <summary>When the request closes: the window's end plus the time a completion may still lie after it.</summary>
    public Instant ClosesAt => EndsAt + Completing.CompleteServiceRequestEndpoint.Leeway;

    public ServiceRequest Apply(ServiceRequestClaimed e) => WithClaims([.. Claims, new Claim(e.VolunteerId, e.OrganisationId, e.ClaimedAt)]);

    public ServiceRequest Apply(ServiceRequestCompleted e) =>
        WithClaims([.. Claims.Select(c => c.VolunteerId == e.VolunteerId ? c with { ServiceRecordId = e.ServiceRecordId } : c)]);

    public ServiceRequest Apply(ServiceRequestClosed e) => (this with { ClosedAt = e.ClosedAt }).WithClaims(Claims);

    public ServiceRequest Apply(ClaimWithdrawn e) => WithClaims([.. Claims.Where(c => c.VolunteerId != e.VolunteerId)]);

    private ServiceRequest WithClaims(IReadOnlyList<Claim> claims) => this with
    {
        Claims = claims,
        ClaimedBy = [.. claims.Select(c => c.VolunteerId)],
        Status = StatusOf(claims)
    };

    private ServiceRequestStatus StatusOf(IReadOnlyList<Claim> claims)
    {
        if (ClosedAt is null) return claims.Count >= Slots ? ServiceRequestStatus.Full : ServiceRequestStatus.Open;
        var completed = claims.Count(c => c.ServiceRecordId is not null);
        return completed >= Slots ? ServiceRequestStatus.Served : completed > 0 ? ServiceRequestStatus.PartlyServed : ServiceRequestStatus.Expired;
    }
}

/// <param name="Window">The local date-times between which the service is wanted, and their zone.</param>
/// <param name="FreeSlots">Slots not yet claimed.</param>
/// <param name="Completed">Slots whose volunteer served (a completion credited them).</param>
/// <param name="ClosedAt">When the window and its leeway ended and the request closed.</param>
/// <param name="Claims">The current claims, in the order they were made.</param>
public sealed record ServiceRequestView(
    [property: Required] Guid Id,
    [property: Required] Guid RequestedBy,
    [property: Required] Guid ElderId,
    [property: Required] string ServiceType,
    [property: Required] WindowView Window,
    [property: Required] string District,
    [property: Required] string Street,
    [property: Required] string Community,
    [property: Required] int Slots,
    [property: Required] int FreeSlots,
    [property: Required] string Description,
    [property: Required] ServiceRequestStatus Status,
    [property: Required] Instant PublishedAt,
    [property: Required] IReadOnlyList<Claim> Claims,
    [property: Required] int Completed,
    Instant? ClosedAt)
{
    public static ServiceRequestView Of(ServiceRequest r) => new(r.Id, r.RequestedBy, r.ElderId, r.ServiceType,
        new WindowView(r.WindowFrom, r.WindowTo, r.TimeZone), r.District, r.Street, r.Community, r.Slots, r.FreeSlots, r.Description, r.Status,
        r.PublishedAt, r.Claims, r.Completed, r.ClosedAt);
}

public sealed record WindowView([property: Required] LocalDateTime From, [property: Required] LocalDateTime To, [property: Required] string TimeZone);

public static class ServiceRequestsSetup
{
    /// <summary>A request claimed by the volunteer given as the one parameter (a one-element uuid array), for MatchesSql.</summary>
    public const string ClaimedBySql = "d.claimed_by @> ?";

    public static IServiceCollection AddServiceRequests(this IServiceCollection services)
    {
        services.AddSingleton<Completing.CompletionQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Completing.CompletionQueue>());
        return services;
    }

    public static StoreOptions AddServiceRequests(this StoreOptions opts)
    {
        // A volunteer's claims are found through the claimants' own GIN index. An index over the whole document made every
        // claim and completion re-index each key and value of its request (ops/bench-history.md).
        opts.InlineSnapshot<ServiceRequest>()
            .Index(r => r.StartsAtUnixMs)
            .Duplicate(r => r.ClaimedBy, pgType: "uuid[]", configure: index =>
            {
                index.Method = IndexMethod.gin;
                index.StorageParameters["fastupdate"] = "off";
            });
        return opts;
    }
}
