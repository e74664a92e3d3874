using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using JasperFx.Events;
using Microsoft.Extensions.Options;
using TimeBank.Care.Alerts;
using TimeBank.Care.Files;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.People.Granting;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.Care.Visits;

public sealed record HouseholdChangeRequest([property: Required] [property: OneOf<HouseholdChangeKind>] string? Kind, int? Count);

/// <summary>Annex 4 五, every item required with the form's own answers; illnessName when illness is serious.</summary>
public sealed record VisitFindingsRequest(
    [property: Required] HouseholdChangeRequest? HouseholdChange,
    [property: Required] [property: OneOf<Trend>] string? Expression,
    [property: Required] [property: OneOf<Trend>] string? Mobility,
    [property: Required] [property: OneOf<IllnessTrend>] string? Illness,
    string? IllnessName,
    [property: Required] [property: OneOf<Trend>] string? Mood,
    [property: Required] [property: OneOf<Safety>] string? GasSafety,
    [property: Required] [property: OneOf<Safety>] string? WaterHeatingSafety,
    [property: Required] [property: OneOf<Safety>] string? ElectricitySafety,
    [property: Required] [property: OneOf<Safety>] string? FireSafety,
    [property: Required] [property: OneOf<Trend>] string? PersonalHygiene,
    [property: Required] [property: OneOf<Trend>] string? HomeHygiene,
    [property: Required] [property: OneOf<Trend>] string? IndoorEnvironment);

/// <param name="VolunteerId">A registered volunteer who visited (role volunteer).</param>
/// <param name="Name">The visitor's name; a registered volunteer's is taken from the register.</param>
public sealed record VisitorRequest([property: Required] [property: OneOf<VisitorRole>] string? Role, Guid? VolunteerId, string? Name);

public sealed record EmergencyRequest([property: Required] [property: OneOf<EmergencyKind>] string? Kind, [property: Required] string? Description,
    [property: Required] bool? CalledEmergencyNumber);

/// <summary>
/// One visit (annex 4 五). visitedAt is local to timeZone (default Asia/Shanghai). A registered volunteer's visit that
/// gives startedAt and endedAt (local, same zone) also records the service and credits the volunteer, as POST
/// /api/service-records would with platformRecordId "care-visit:{platformVisitId}" and serviceType (default from the
/// mode: phone-greeting for phone and video, home-visit for home, other).
/// </summary>
public sealed record RecordVisitRequest(
    [property: Required] string? PlatformVisitId,
    [property: Required] LocalDateTime? VisitedAt,
    string? TimeZone,
    [property: Required] [property: OneOf<VisitMode>] string? Mode,
    [property: Required] VisitorRequest? Visitor,
    [property: Required] VisitFindingsRequest? Findings,
    string? Needs,
    string? Suggestions,
    EmergencyRequest? Emergency,
    LocalDateTime? StartedAt,
    LocalDateTime? EndedAt,
    [property: ServiceTypeCode] string? ServiceType);

public sealed record RecordVisit(Guid ElderId, RecordVisitRequest Visit, string TimeZone)
{
    public override string ToString() => $"{nameof(RecordVisit)} {{ ElderId = {ElderId} }}"; // names and findings: never printed
}

public static class VisitRules
{
    public const int MaxText = 1000;

    public static Dictionary<string, string[]> Check(RecordVisitRequest r, TimeBankOptions options, Instant now)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(r.PlatformVisitId) || r.PlatformVisitId.Trim().Length > DepositEndpoint.MaxPlatformRecordId)
            errors["platformVisitId"] = [$"The platform's own visit id (1 to {DepositEndpoint.MaxPlatformRecordId} characters) is required."];
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(r.TimeZone ?? options.DefaultTimeZone);
        if (zone is null) errors["timeZone"] = ["Not an IANA time zone id, e.g. Asia/Shanghai."];
        if (r.VisitedAt is not { } visited) errors["visitedAt"] = ["The local date-time of the visit is required."];
        else if (zone is not null && VisitedAtProblem(visited, zone, now, options.BackPosting) is { } problem) errors["visitedAt"] = [problem];
        var mode = PersonFields.OneOf<VisitMode>(errors, "mode", r.Mode);

        if (r.Visitor is not { } visitor) errors["visitor"] = ["The visitor (role, and volunteerId or name) is required."];
        else
        {
            var role = PersonFields.OneOf<VisitorRole>(errors, "visitor.role", visitor.Role);
            if (visitor.VolunteerId is { } v && (v == Guid.Empty || role is not VisitorRole.Volunteer))
                errors["visitor.volunteerId"] = ["volunteerId names a registered volunteer, with role volunteer."];
            if (visitor.VolunteerId is null) PersonFields.Name(errors, "visitor.name", visitor.Name);
            else if (visitor.Name is { } name && name.Trim().Length > PersonFields.MaxNameLength) errors["visitor.name"] = ["At most 50 characters."];
        }

        if (r.Findings is not { } f) errors["findings"] = ["The findings of annex 4 五 are required."];
        else CheckFindings(errors, f);
        Text(errors, "needs", r.Needs);
        Text(errors, "suggestions", r.Suggestions);
        if (r.Emergency is { } emergency)
        {
            PersonFields.OneOf<EmergencyKind>(errors, "emergency.kind", emergency.Kind);
            if (string.IsNullOrWhiteSpace(emergency.Description) || emergency.Description.Trim().Length > MaxText)
                errors["emergency.description"] = [$"What happened, 1 to {MaxText} characters."];
            if (emergency.CalledEmergencyNumber is null) errors["emergency.calledEmergencyNumber"] = ["Whether an emergency number was called is required."];
        }

        if ((r.StartedAt is null) != (r.EndedAt is null)) errors["endedAt"] = ["startedAt and endedAt are given together, or neither."];
        if (r.StartedAt is { } started && r.EndedAt is { } ended)
        {
            if (r.Visitor?.VolunteerId is null) errors["visitor.volunteerId"] = ["A visit credited with startedAt and endedAt names the volunteer who served."];
            if (zone is not null)
            {
                if (ServicePeriod.Check(started, ended, zone, now) is { } problem) errors["endedAt"] = [problem];
                else if (ServicePeriod.TooOld(started, zone, now, options.BackPosting) is { } tooOld) errors["startedAt"] = [tooOld];
            }
        }
        if (r.ServiceType is not null && !ServiceTypes.IsKnown(r.ServiceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        return errors;
    }

    private static string? VisitedAtProblem(LocalDateTime visited, DateTimeZone zone, Instant now, Duration backPosting)
    {
        if (!LocalDays.Served(visited.Year)) return "The visit must be dated between 1900 and now.";
        var at = visited.InZoneLeniently(zone).ToInstant();
        if (at > now + Duration.FromMinutes(5)) return "The visit cannot be in the future.";
        return at < now - backPosting ? $"A visit may be recorded up to {backPosting.Days} days after it happened; this one is older." : null;
    }

    private static void CheckFindings(Dictionary<string, string[]> errors, VisitFindingsRequest f)
    {
        if (f.HouseholdChange is not { } change) errors["findings.householdChange"] = ["Required: kind none, increased or decreased, and count."];
        else
        {
            var kind = PersonFields.OneOf<HouseholdChangeKind>(errors, "findings.householdChange.kind", change.Kind);
            if (kind is HouseholdChangeKind.None && change.Count is not (null or 0)) errors["findings.householdChange.count"] = ["No change has no count."];
            if (kind is HouseholdChangeKind.Increased or HouseholdChangeKind.Decreased && change.Count is not (>= 1 and <= 20))
                errors["findings.householdChange.count"] = ["How many more or fewer: 1 to 20."];
        }
        PersonFields.OneOf<Trend>(errors, "findings.expression", f.Expression);
        PersonFields.OneOf<Trend>(errors, "findings.mobility", f.Mobility);
        var illness = PersonFields.OneOf<IllnessTrend>(errors, "findings.illness", f.Illness);
        if (illness == IllnessTrend.Serious && (string.IsNullOrWhiteSpace(f.IllnessName) || f.IllnessName.Trim().Length > 100))
            errors["findings.illnessName"] = ["A serious illness is named (疾病名称), 1 to 100 characters."];
        else if (f.IllnessName is { Length: > 100 }) errors["findings.illnessName"] = ["At most 100 characters."];
        PersonFields.OneOf<Trend>(errors, "findings.mood", f.Mood);
        PersonFields.OneOf<Safety>(errors, "findings.gasSafety", f.GasSafety);
        PersonFields.OneOf<Safety>(errors, "findings.waterHeatingSafety", f.WaterHeatingSafety);
        PersonFields.OneOf<Safety>(errors, "findings.electricitySafety", f.ElectricitySafety);
        PersonFields.OneOf<Safety>(errors, "findings.fireSafety", f.FireSafety);
        PersonFields.OneOf<Trend>(errors, "findings.personalHygiene", f.PersonalHygiene);
        PersonFields.OneOf<Trend>(errors, "findings.homeHygiene", f.HomeHygiene);
        PersonFields.OneOf<Trend>(errors, "findings.indoorEnvironment", f.IndoorEnvironment);
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (value is { } text && text.Length > MaxText) errors[field] = [$"At most {MaxText} characters."];
    }

    private static T Parse<T>(string? value) where T : struct, Enum => PersonFields.TryParse<T>(value, out var parsed) ? parsed : default;

    public static VisitFindings Findings(VisitFindingsRequest f) => new(
        new HouseholdChange(Parse<HouseholdChangeKind>(f.HouseholdChange!.Kind), f.HouseholdChange.Count ?? 0),
        Parse<Trend>(f.Expression), Parse<Trend>(f.Mobility), Parse<IllnessTrend>(f.Illness), f.IllnessName?.Trim(), Parse<Trend>(f.Mood),
        Parse<Safety>(f.GasSafety), Parse<Safety>(f.WaterHeatingSafety), Parse<Safety>(f.ElectricitySafety), Parse<Safety>(f.FireSafety),
        Parse<Trend>(f.PersonalHygiene), Parse<Trend>(f.HomeHygiene), Parse<Trend>(f.IndoorEnvironment));

    public static VisitMode Mode(RecordVisitRequest r) => Parse<VisitMode>(r.Mode);

    public static Emergency? EmergencyOf(RecordVisitRequest r) => r.Emergency is { } e
        ? new Emergency(Parse<EmergencyKind>(e.Kind), e.Description!.Trim(), e.CalledEmergencyNumber!.Value)
        : null;

    /// <summary>What makes a visit an alert: an emergency, any unsafe item, a serious illness (seed 004 三.(三).三).</summary>
    public static IReadOnlyList<string> AlertReasons(VisitFindings f, Emergency? emergency)
    {
        var reasons = new List<string>();
        if (emergency is not null) reasons.Add("emergency");
        if (f.GasSafety == Safety.Unsafe) reasons.Add("gas-unsafe");
        if (f.WaterHeatingSafety == Safety.Unsafe) reasons.Add("water-heating-unsafe");
        if (f.ElectricitySafety == Safety.Unsafe) reasons.Add("electricity-unsafe");
        if (f.FireSafety == Safety.Unsafe) reasons.Add("fire-unsafe");
        if (f.Illness == IllnessTrend.Serious) reasons.Add("serious-illness");
        return reasons;
    }

    /// <summary>The service type a credited visit is recorded under unless the request names one.</summary>
    public static string ServiceTypeFor(VisitMode mode, string? given) => given ?? mode switch
    {
        VisitMode.Phone or VisitMode.Video => "phone-greeting",
        VisitMode.Home => "home-visit",
        _ => "other"
    };

    /// <summary>The contacts to notify in their order (the care file's, else the one given at registration), then the community.</summary>
    public static IReadOnlyList<AlertRecipient> RecipientsOf(Elder elder, CareFile? file)
    {
        var recipients = file?.File is { } content
            ? content.EmergencyContacts.Select((c, i) => new AlertRecipient(i + 1, c.FullName, c.ProtectedPhone,
                PersonalData.Field(elder.Id, CareFile.FieldOfContactPhone), c.Relation)).ToList()
            : elder.EmergencyContact.FullName.Length > 0
                ? [new AlertRecipient(1, elder.EmergencyContact.FullName, elder.EmergencyContact.ProtectedPhone,
                    PersonalData.Field(elder.Id, ProtectedField.EmergencyContactPhone), elder.EmergencyContact.Relation)]
                : new List<AlertRecipient>();
        recipients.Add(new AlertRecipient(recipients.Count + 1, $"{elder.Street}{elder.Community}", null, null, ContactRelation.Community));
        return recipients;
    }
}

public static class RecordVisitEndpoint
{
    public static ProblemDetails Validate(RecordVisitRequest request, IClock clock, IOptions<TimeBankOptions> options) =>
        Problems.Validate(VisitRules.Check(request, options.Value, clock.GetCurrentInstant()));

    /// <summary>
    /// Records a visit (探访, annex 4 五). Idempotent on the calling key and platformVisitId: the same body again answers 200
    /// with the first result, a different one 409. An emergency, an unsafe item or a serious illness opens an alert in the
    /// same transaction and notifies the emergency contacts in order, then the community (TimeBank__Notifications__WebhookUrl).
    /// </summary>
    [WolverinePost("/api/elders/{id}/visits", OperationId = "RecordVisit")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<VisitResult>(StatusCodes.Status201Created)]
    [ProducesResponseType<VisitResult>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, RecordVisitRequest request, IMessageBus bus, HttpContext context, IOptions<TimeBankOptions> options)
    {
        var command = new RecordVisit(id, request with { PlatformVisitId = request.PlatformVisitId!.Trim() }, request.TimeZone ?? options.Value.DefaultTimeZone);
        var locks = request.Visitor!.VolunteerId is { } volunteer && request.StartedAt is not null ? new[] { id, volunteer } : [id];
        return (await bus.InvokeForRequestAsync(command, context, locks)).ToResult<VisitResult>(v => $"/api/elders/{id}/visits/{v.Id}");
    }
}

public static class RecordVisitHandler
{
    public static async Task<Outcome> Handle(RecordVisit command, IDocumentSession session, IClock clock, Envelope envelope, IOptions<PointsOptions> points,
        IOptions<CareOptions> care, IOptions<NotificationOptions> notifications, IMessageContext messages)
    {
        var caller = Scopes.CallerOf(envelope);
        var visit = command.Visit;
        var visitId = CareVisit.IdFor(caller.KeyId, visit.PlatformVisitId!);
        var deposit = DepositFor(command, caller);

        var (writing, reads) = deposit is null ? (null, session.CreateBatchQuery()) : AccountsForWriting.ReadFirst(session, [deposit.VolunteerId]);
        var before = reads.Load<CareVisit>(visitId);
        var elder = reads.Load<Elder>(command.ElderId);
        var elderGrant = reads.Load<AccessGrant>(AccessGrant.IdFor(command.ElderId, caller.KeyId));
        var file = reads.Load<CareFile>(CareFile.IdFor(command.ElderId));
        var volunteer = visit.Visitor!.VolunteerId is { } volunteerId ? reads.Load<Volunteer>(volunteerId) : Task.FromResult<Volunteer?>(null);
        var volunteerGrant = visit.Visitor.VolunteerId is { } v ? reads.Load<AccessGrant>(AccessGrant.IdFor(v, caller.KeyId)) : Task.FromResult<AccessGrant?>(null);
        var recordedBefore = deposit is null ? Task.FromResult<ServiceRecord?>(null) : reads.Load<ServiceRecord>(deposit.RecordId);
        var nearby = deposit is null
            ? Task.FromResult<IEnumerable<ServiceRecord>>([])
            : reads.Query(CreditedOverlapping.Period(deposit.VolunteerId, deposit.StartsAt, deposit.EndsAt));
        await reads.Execute();

        var fingerprint = Idempotency.Fingerprint(command);
        if (await before is { } first) return Idempotency.Replay(first, fingerprint, visit.PlatformVisitId!);

        var account = writing is null ? null : (await writing.ReadAsync()).GetValueOrDefault(deposit!.VolunteerId);
        var now = clock.GetCurrentInstant();
        var decision = Decide(command, visitId, deposit, caller, fingerprint, await elder, (await elderGrant)?.Active == true, await file, await volunteer,
            (await volunteerGrant)?.Active == true, await recordedBefore, await nearby, Account.BalancesOf(account),
            points.Value, care.Value.Zone, now, Guid.CreateVersion7());
        if (decision.Refusal is { } refusal) return refusal;

        var (visited, recorded, opened) = decision.Events;
        session.Events.StartStream<CareVisit>(visitId, visited);
        if (recorded is not null)
        {
            writing!.Append(recorded.VolunteerId, recorded);
            writing.AppendTo(session);
        }
        if (opened is not null)
        {
            session.Events.StartStream<CareAlert>(opened.AlertId, opened);
            if (!string.IsNullOrWhiteSpace(notifications.Value.WebhookUrl))
            {
                foreach (var recipient in opened.Recipients) await messages.PublishAsync(new NotifyAlertRecipient(opened.AlertId, recipient.Order));
            }
        }
        return Outcome.New(new VisitResult(visitId, visited.ServiceRecordId, visited.AlertId));
    }

    /// <summary>The deposit a credited visit makes, named by the visit so a retry finds it; none when the visit gives no times.</summary>
    public static RecordService? DepositFor(RecordVisit command, Caller caller) => command.Visit is { Visitor.VolunteerId: { } volunteer, StartedAt: { } started, EndedAt: { } ended }
        ? new RecordService(caller.KeyId, $"care-visit:{command.Visit.PlatformVisitId}", volunteer, command.ElderId,
            VisitRules.ServiceTypeFor(VisitRules.Mode(command.Visit), command.Visit.ServiceType), started, ended, command.TimeZone, null)
        : null;

    /// <summary>
    /// The visit, the deposit's own decision when the visit credits a volunteer, and an alert when its findings call for
    /// one. Refused when the caller may not care for the elder, names someone unknown, or the deposit is refused.
    /// </summary>
    public static Decision<(ElderVisited, ServiceRecorded?, AlertOpened?)> Decide(RecordVisit command, Guid visitId, RecordService? deposit, Caller caller,
        string fingerprint, Elder? elder, bool elderGranted, CareFile? file, Volunteer? volunteer, bool volunteerGranted, ServiceRecord? recordedBefore,
        IEnumerable<ServiceRecord> credited, (int Minutes, int Points) balance, PointsOptions points, DateTimeZone careZone, Instant now, Guid alertId)
    {
        if (elder is null) return new NotFound("Elder", command.ElderId.ToString());
        if (CareAccess.MayCareFor(caller, elder, elderGranted) is { } notPermitted) return notPermitted;
        var visit = command.Visit;
        if (visit.Visitor!.VolunteerId is { } volunteerId && volunteer is null)
        {
            return new UnknownReferences("The visitor is not a registered volunteer.", $"No volunteer has id {volunteerId}.",
                new Dictionary<string, string[]> { ["visitor.volunteerId"] = ["Unknown volunteer."] });
        }

        ServiceRecorded? recorded = null;
        if (deposit is not null)
        {
            if (recordedBefore is not null) return new KeyReused(deposit.PlatformRecordId);
            var credit = RecordServicesHandler.Decide(deposit, caller, volunteerGranted, Idempotency.Fingerprint(deposit), PersonFacts.Of(volunteer), PersonFacts.Of(elder), credited, balance, points, now);
            if (credit.Refusal is { } refused) return refused;
            recorded = credit.Events;
        }

        var zone = DateTimeZoneProviders.Tzdb[command.TimeZone];
        var visitedAt = visit.VisitedAt!.Value.InZoneLeniently(zone).ToInstant();
        var findings = VisitRules.Findings(visit.Findings!);
        var emergency = VisitRules.EmergencyOf(visit);
        var reasons = VisitRules.AlertReasons(findings, emergency);
        var opened = reasons.Count == 0
            ? null
            : new AlertOpened(alertId, elder.Id, visitId, reasons, emergency?.Description ?? visit.Needs, VisitRules.RecipientsOf(elder, file), elder.District,
                elder.Street, elder.Community, caller.KeyId, now);
        var visitor = new Visitor(PersonFields.TryParse<VisitorRole>(visit.Visitor.Role, out var role) ? role : VisitorRole.Other,
            visit.Visitor.VolunteerId, volunteer?.FullName ?? visit.Visitor.Name!.Trim());
        var visited = new ElderVisited(visitId, elder.Id, visit.PlatformVisitId!, visitedAt, visit.VisitedAt.Value, command.TimeZone,
            visitedAt.InZone(careZone).Date, VisitRules.Mode(visit), visitor, findings, visit.Needs?.Trim(), visit.Suggestions?.Trim(), emergency,
            recorded?.RecordId, opened?.AlertId, elder.District, elder.Street, elder.Community, caller.KeyId, now, fingerprint);
        return (visited, recorded, opened);
    }
}

public static class ListVisitsEndpoint
{
    /// <summary>The elder's visits, newest first.</summary>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Visits per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/elders/{id}/visits", OperationId = "ListVisits")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<Page<VisitView>>(StatusCodes.Status200OK)]
    public static Task<IResult> Get(Guid id, [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session, HttpContext context) =>
        ElderHistory.PageAsync(id, page, pageSize, session, context,
            s => s.Query<CareVisit>().Where(v => v.ElderId == id).OrderByDescending(v => v.VisitedAtUnixMs).ThenByDescending(v => v.Id), VisitView.Of);
}
