using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using Microsoft.Extensions.Options;
using TimeBank.Organisations;
using TimeBank.People;
using TimeBank.People.Granting;
using TimeBank.ServiceRecords;

namespace TimeBank.ServiceRequests.Publishing;

/// <param name="From">Local date-time from which the service is wanted.</param>
/// <param name="To">Local date-time by which it must be done.</param>
/// <param name="TimeZone">IANA zone of both (default the service's, Asia/Shanghai).</param>
public sealed record WindowRequest([property: Required] LocalDateTime? From, [property: Required] LocalDateTime? To, string? TimeZone);

/// <param name="RequestedBy">The organisation (community, social-work station, care home) that collected the need.</param>
/// <param name="Slots">How many volunteers are needed, 1 to 20.</param>
public sealed record PublishServiceRequestRequest(
    [property: Required] Guid? RequestedBy,
    [property: Required] Guid? ElderId,
    [property: Required] [property: ServiceTypeCode] string? ServiceType,
    [property: Required] WindowRequest? Window,
    [property: Required] string? Community,
    [property: Required] int? Slots,
    [property: Required] string? Description);

public sealed record PublishServiceRequest(Guid RequestedBy, Guid ElderId, string ServiceType, LocalDateTime WindowFrom,
    LocalDateTime WindowTo, string TimeZone, string Community, int Slots, string Description) : IKeyedCommand;

public static class PublishServiceRequestEndpoint
{
    public const int MaxSlots = 20;
    public const int MaxDescription = 500;
    public static readonly Duration LongestWindow = Duration.FromDays(31);
    public static readonly Duration FarthestAhead = Duration.FromDays(366);

    public static ProblemDetails Validate(PublishServiceRequestRequest request, HttpContext context, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        if (request.RequestedBy is null || request.RequestedBy == Guid.Empty) errors["requestedBy"] = ["The id of the organisation that collected the need is required."];
        if (request.ElderId is null || request.ElderId == Guid.Empty) errors["elderId"] = ["The id of the elder in need is required."];
        if (!ServiceTypes.IsKnown(request.ServiceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (string.IsNullOrWhiteSpace(request.Community) || request.Community.Trim().Length > PersonFields.MaxAddressPartLength)
            errors["community"] = [$"The community (社区／村) where the service is wanted, 1 to {PersonFields.MaxAddressPartLength} characters."];
        if (request.Slots is not (>= 1 and <= MaxSlots)) errors["slots"] = [$"slots is the number of volunteers needed, 1 to {MaxSlots}."];
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Trim().Length > MaxDescription)
            errors["description"] = [$"A description of 1 to {MaxDescription} characters is required."];
        if (WindowProblem(request.Window, clock.GetCurrentInstant(), options.Value.DefaultTimeZone) is { } window) errors[window.Field] = [window.Message];
        return Problems.Validate(errors);
    }

    /// <summary>Why a window cannot be published: it must lie ahead (ending in the future, starting within a year) and last at most 31 days.</summary>
    public static (string Field, string Message)? WindowProblem(WindowRequest? window, Instant now, string defaultZone)
    {
        if (window is null) return ("window", "The window {from, to} is required.");
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(window.TimeZone ?? defaultZone);
        if (zone is null) return ("window.timeZone", "Not an IANA time zone id, e.g. Asia/Shanghai.");
        if (window.From is not { } from) return ("window.from", "The local date-time from which the service is wanted is required.");
        if (window.To is not { } to) return ("window.to", "The local date-time by which it must be done is required.");
        if (!LocalDays.Served(from.Year) || !LocalDays.Served(to.Year)) return ("window.from", "The window must lie within the coming year.");
        var (startsAt, endsAt) = (from.InZoneLeniently(zone).ToInstant(), to.InZoneLeniently(zone).ToInstant());
        if (endsAt <= startsAt) return ("window.to", "The window must end after it starts.");
        if (endsAt - startsAt > LongestWindow) return ("window.to", $"A window may last at most {LongestWindow.Days} days.");
        if (endsAt <= now) return ("window.to", "The window is over already.");
        if (startsAt > now + FarthestAhead) return ("window.from", "The window must start within the coming year.");
        return null;
    }

    /// <summary>
    /// Publishes an elder's need for volunteers to claim (201, status open). By a platform for elders it acts for, or an
    /// admin. Idempotent on the Idempotency-Key header.
    /// </summary>
    [WolverinePost("/api/service-requests", OperationId = "PublishServiceRequest")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ServiceRequestView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(PublishServiceRequestRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context, IOptions<TimeBankOptions> options)
    {
        var window = request.Window!;
        var command = new PublishServiceRequest(request.RequestedBy!.Value, request.ElderId!.Value, request.ServiceType!,
            window.From!.Value, window.To!.Value, window.TimeZone ?? options.Value.DefaultTimeZone, request.Community!.Trim(), request.Slots!.Value,
            request.Description!.Trim());
        var outcome = await bus.InvokeForRequestAsync(command, context);
        return outcome.ToResult<ServiceRequestView>(r => $"/api/service-requests/{r.Id}");
    }
}

public static class PublishServiceRequestHandler
{
    public static async Task<Outcome> Handle(PublishServiceRequest command, IDocumentSession session, IClock clock, Envelope envelope,
        IMessageContext messages)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var organisation = batch.Load<Organisation>(command.RequestedBy);
        var elder = batch.Load<Elder>(command.ElderId);
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.ElderId, caller.KeyId));
        await batch.Execute();

        var decision = Decide(command, Guid.CreateVersion7(), caller, await organisation, await elder, (await grant)?.Active == true, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        session.Events.StartStream<ServiceRequest>(decision.Events.RequestId, decision.Events);
        var published = new ServiceRequest().Apply(decision.Events);
        // In the same transaction (the outbox): a request always closes, on whichever node is alive then.
        await messages.ScheduleForAsync(new Closing.CloseServiceRequest(published.Id, published.ClosesAt), published.ClosesAt, clock);
        return Outcome.New(ServiceRequestView.Of(published));
    }

    public static Decision<ServiceRequestPublished> Decide(PublishServiceRequest command, Guid requestId, Caller caller, Organisation? organisation, Elder? elder,
        bool granted, Instant now)
    {
        var unknown = new Dictionary<string, string[]>();
        if (organisation is null) unknown["requestedBy"] = [$"No organisation has id {command.RequestedBy}."];
        if (elder is null) unknown["elderId"] = [$"No elder has id {command.ElderId}."];
        if (unknown.Count > 0)
            return new UnknownReferences("The request names an organisation or an elder that is not registered.", "requestedBy and elderId must be registered.", unknown);
        if (Scopes.MayActFor(caller, command.ElderId, new PersonScope(elder!.RegisteredBy, granted)) is { } notPermitted) return notPermitted;

        var zone = DateTimeZoneProviders.Tzdb[command.TimeZone];
        return new ServiceRequestPublished(requestId, command.RequestedBy, command.ElderId, command.ServiceType, command.WindowFrom,
            command.WindowTo, command.TimeZone, command.WindowFrom.InZoneLeniently(zone).ToInstant(), command.WindowTo.InZoneLeniently(zone).ToInstant(),
            elder.District, elder.Street, command.Community, command.Slots, command.Description, caller.KeyId, now);
    }
}

public static class GetServiceRequestEndpoint
{
    /// <summary>A service request with its claims.</summary>
    [WolverineGet("/api/service-requests/{id}", OperationId = "GetServiceRequest")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<ServiceRequestView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var request = await session.LoadAsync<ServiceRequest>(id, cancellation);
        return request is null ? Problems.NotFound("Service request", id).ToResult() : Results.Ok(ServiceRequestView.Of(request));
    }
}

public static class ListServiceRequestsEndpoint
{
    /// <summary>Service requests for volunteer apps, nearest window first; every filter is optional.</summary>
    /// <param name="status">open or full.</param>
    /// <param name="district">District (区) of the elder.</param>
    /// <param name="street">Street or township (街道／乡镇) of the elder.</param>
    /// <param name="community">Community (社区／村) where the service is wanted.</param>
    /// <param name="serviceType">One service type code.</param>
    /// <param name="from">A local date (yyyy-MM-dd, the service's zone): windows ending on or after it.</param>
    /// <param name="to">A local date: windows starting on or before it.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Requests per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/service-requests", OperationId = "ListServiceRequests")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<Page<ServiceRequestView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, OneOf<ServiceRequestStatus>] string? status, [FromQuery] string? district, [FromQuery] string? street,
        [FromQuery] string? community, [FromQuery, ServiceTypeCode] string? serviceType, [FromQuery] string? from, [FromQuery] string? to,
        [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session, IOptions<TimeBankOptions> options, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = PersonFields.OneOf<ServiceRequestStatus>(errors, "status", status, required: false);
        if (serviceType is not null && !ServiceTypes.IsKnown(serviceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
        long? endsFrom = LocalDays.Parse(from, "from", errors) is { } first ? LocalDays.UnixMillis(first, first, zone).Start : null;
        long? startsBy = LocalDays.Parse(to, "to", errors) is { } last ? LocalDays.UnixMillis(last, last, zone).End : null;
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var query = session.Query<ServiceRequest>().AsQueryable();
        if (wanted is { } s) query = query.Where(r => r.Status == s);
        if (!string.IsNullOrWhiteSpace(district)) query = query.Where(r => r.District == district.Trim());
        if (!string.IsNullOrWhiteSpace(street)) query = query.Where(r => r.Street == street.Trim());
        if (!string.IsNullOrWhiteSpace(community)) query = query.Where(r => r.Community == community.Trim());
        if (serviceType is not null) query = query.Where(r => r.ServiceType == serviceType);
        if (endsFrom is { } f) query = query.Where(r => r.EndsAtUnixMs >= f);
        if (startsBy is { } t) query = query.Where(r => r.StartsAtUnixMs < t);
        var found = await query.OrderBy(r => r.StartsAtUnixMs).ThenBy(r => r.Id).ToPagedListAsync(number, size, cancellation);
        return Results.Ok(Page<ServiceRequestView>.Of(found, ServiceRequestView.Of));
    }
}
