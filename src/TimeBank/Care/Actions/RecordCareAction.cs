using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using Microsoft.Extensions.Options;
using TimeBank.People;

namespace TimeBank.Care.Actions;

/// <summary>The care actions of annex 2 二 (政策宣讲, 需求转介, 必要救援, 安全提醒) and community help (社区帮扶).</summary>
public enum CareActionKind { PolicyAdvice, Referral, Rescue, SafetyReminder, CommunityHelp }

/// <summary>老年人服务满意度评价.</summary>
public enum Satisfaction { Satisfied, FairlySatisfied, Dissatisfied }

/// <summary>One care action (annex 4 六); performedOn is its date in the programme's zone, for the quarter it counts in.</summary>
public sealed record CareActionRecorded(Guid ActionId, Guid ElderId, CareActionKind Kind, Instant PerformedAt, LocalDateTime PerformedAtLocal, string TimeZone,
    LocalDate PerformedOn, string PerformedBy, string Description, Satisfaction? Satisfaction, string District, string Street, string Community,
    string RecordedBy, Instant RecordedAt);

public sealed record CareAction
{
    public Guid Id { get; init; }
    public Guid ElderId { get; init; }
    public CareActionKind Kind { get; init; }
    public Instant PerformedAt { get; init; }
    public long PerformedAtUnixMs { get; init; }
    public LocalDateTime PerformedAtLocal { get; init; }
    public string TimeZone { get; init; } = "";
    public LocalDate PerformedOn { get; init; }
    public string PerformedBy { get; init; } = "";
    public string Description { get; init; } = "";
    public Satisfaction? Satisfaction { get; init; }
    public Instant RecordedAt { get; init; }
    public long Version { get; set; }

    public CareAction Apply(CareActionRecorded e) => this with
    {
        Id = e.ActionId, ElderId = e.ElderId, Kind = e.Kind, PerformedAt = e.PerformedAt, PerformedAtUnixMs = e.PerformedAt.ToUnixTimeMilliseconds(),
        PerformedAtLocal = e.PerformedAtLocal, TimeZone = e.TimeZone, PerformedOn = e.PerformedOn, PerformedBy = e.PerformedBy, Description = e.Description,
        Satisfaction = e.Satisfaction, RecordedAt = e.RecordedAt
    };
}

public sealed record CareActionView([property: Required] Guid Id, [property: Required] Guid ElderId, [property: Required] CareActionKind Kind,
    [property: Required] Instant PerformedAt, [property: Required] LocalDateTime PerformedAtLocal, [property: Required] string TimeZone,
    [property: Required] string PerformedBy, [property: Required] string Description, Satisfaction? Satisfaction, [property: Required] Instant RecordedAt)
{
    public static CareActionView Of(CareAction a) =>
        new(a.Id, a.ElderId, a.Kind, a.PerformedAt, a.PerformedAtLocal, a.TimeZone, a.PerformedBy, a.Description, a.Satisfaction, a.RecordedAt);
}

/// <summary>performedAt is local to timeZone (default Asia/Shanghai); performedBy names who served (服务人员).</summary>
public sealed record RecordCareActionRequest(
    [property: Required] [property: OneOf<CareActionKind>] string? Kind,
    [property: Required] LocalDateTime? PerformedAt,
    string? TimeZone,
    [property: Required] string? PerformedBy,
    [property: Required] string? Description,
    [property: OneOf<Satisfaction>] string? Satisfaction);

public sealed record RecordCareAction(Guid ElderId, CareActionKind Kind, LocalDateTime PerformedAt, string TimeZone, string PerformedBy, string Description,
    Satisfaction? Satisfaction) : IKeyedCommand;

public static class RecordCareActionEndpoint
{
    public const int MaxDescription = 2000;

    public static ProblemDetails Validate(RecordCareActionRequest request, HttpContext context, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        PersonFields.OneOf<CareActionKind>(errors, "kind", request.Kind);
        PersonFields.OneOf<Satisfaction>(errors, "satisfaction", request.Satisfaction, required: false);
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone ?? options.Value.DefaultTimeZone);
        if (zone is null) errors["timeZone"] = ["Not an IANA time zone id, e.g. Asia/Shanghai."];
        if (request.PerformedAt is not { } at) errors["performedAt"] = ["The local date-time of the action is required."];
        else if (!LocalDays.Served(at.Year)) errors["performedAt"] = ["The action must be dated between 1900 and now."];
        else if (zone is not null)
        {
            var instant = at.InZoneLeniently(zone).ToInstant();
            var now = clock.GetCurrentInstant();
            if (instant > now + Duration.FromMinutes(5)) errors["performedAt"] = ["The action cannot be in the future."];
            else if (instant < now - options.Value.BackPosting) errors["performedAt"] = [$"An action may be recorded up to {options.Value.BackPosting.Days} days after it happened."];
        }
        PersonFields.Name(errors, "performedBy", request.PerformedBy);
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Trim().Length > MaxDescription)
            errors["description"] = [$"What was done (关爱服务情况), 1 to {MaxDescription} characters."];
        return Problems.Validate(errors);
    }

    /// <summary>Records a care action for the elder (annex 4 六). Idempotent on the Idempotency-Key header.</summary>
    [WolverinePost("/api/elders/{id}/care-actions", OperationId = "RecordCareAction")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<CareActionView>(StatusCodes.Status201Created)]
    [ProducesResponseType<CareActionView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, RecordCareActionRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context, IOptions<TimeBankOptions> options)
    {
        PersonFields.TryParse<CareActionKind>(request.Kind, out var kind);
        Satisfaction? satisfaction = PersonFields.TryParse<Satisfaction>(request.Satisfaction, out var s) ? s : null;
        var command = new RecordCareAction(id, kind, request.PerformedAt!.Value, request.TimeZone ?? options.Value.DefaultTimeZone, request.PerformedBy!.Trim(),
            request.Description!.Trim(), satisfaction);
        return (await bus.InvokeForRequestAsync(command, context)).ToResult<CareActionView>(a => $"/api/elders/{id}/care-actions/{a.Id}");
    }
}

public static class RecordCareActionHandler
{
    public static async Task<Outcome> Handle(RecordCareAction command, IDocumentSession session, IClock clock, Envelope envelope, IOptions<CareOptions> care)
    {
        var caller = Scopes.CallerOf(envelope);
        var (elder, granted) = await CareAccess.ReadElderAsync(session, command.ElderId, caller);
        var decision = Decide(command, Guid.CreateVersion7(), elder, granted, caller, care.Value.Zone, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        session.Events.StartStream<CareAction>(decision.Events.ActionId, decision.Events);
        return Outcome.New(CareActionView.Of(new CareAction().Apply(decision.Events)));
    }

    public static Decision<CareActionRecorded> Decide(RecordCareAction command, Guid id, Elder? elder, bool granted, Caller caller, DateTimeZone careZone, Instant now)
    {
        if (elder is null) return new NotFound("Elder", command.ElderId.ToString());
        if (CareAccess.MayCareFor(caller, elder, granted) is { } refusal) return refusal;
        var at = command.PerformedAt.InZoneLeniently(DateTimeZoneProviders.Tzdb[command.TimeZone]).ToInstant();
        return new CareActionRecorded(id, elder.Id, command.Kind, at, command.PerformedAt, command.TimeZone, at.InZone(careZone).Date, command.PerformedBy,
            command.Description, command.Satisfaction, elder.District, elder.Street, elder.Community, caller.KeyId, now);
    }
}

public static class ListCareActionsEndpoint
{
    /// <summary>The elder's care actions, newest first.</summary>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Actions per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/elders/{id}/care-actions", OperationId = "ListCareActions")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<Page<CareActionView>>(StatusCodes.Status200OK)]
    public static Task<IResult> Get(Guid id, [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session, HttpContext context) =>
        ElderHistory.PageAsync(id, page, pageSize, session, context,
            s => s.Query<CareAction>().Where(a => a.ElderId == id).OrderByDescending(a => a.PerformedAtUnixMs).ThenByDescending(a => a.Id), CareActionView.Of);
}
