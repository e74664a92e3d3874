using TimeBank.People.Granting;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.People.Registering;

namespace TimeBank.ServiceRecords.Depositing;

// The deposit: a platform's record of one service session credits the volunteer. Read top to bottom:
// the request and its validation, the endpoint, the group commit, the handler, and the decision.

/// <summary>A platform's record of one service session. Times are local to <c>timeZone</c> (default Asia/Shanghai).</summary>
public sealed record RecordServiceRequest(
    [property: Required] string? PlatformRecordId,
    [property: Required] Guid? VolunteerId,
    [property: Required] Guid? ElderId,
    [property: Required] [property: ServiceTypeCode] string? ServiceType,
    [property: Required] LocalDateTime? StartedAt,
    [property: Required] LocalDateTime? EndedAt,
    string? TimeZone,
    string? Note);

public sealed record RecordService(
    string PlatformKeyId,
    string PlatformRecordId,
    Guid VolunteerId,
    Guid ElderId,
    string ServiceType,
    LocalDateTime StartedAt,
    LocalDateTime EndedAt,
    string TimeZone,
    string? Note)
{
    // Derived once, and left out of the request's fingerprint, which covers only what the platform sent.
    [JsonIgnore] public Guid RecordId { get; } = ServiceRecord.IdFor(PlatformKeyId, PlatformRecordId);

    [JsonIgnore] public Instant StartsAt { get; } = StartedAt.InZoneLeniently(DateTimeZoneProviders.Tzdb[TimeZone]).ToInstant();

    [JsonIgnore] public Instant EndsAt { get; } = EndedAt.InZoneLeniently(DateTimeZoneProviders.Tzdb[TimeZone]).ToInstant();
}

public sealed record ServiceRecordResult(Guid Id, string Status, int CreditedMinutes, int BalanceMinutes, int CreditedPoints, int PointsBalance);

public static class DepositEndpoint
{
    public const int MaxPlatformRecordId = 100;
    public const int MaxNote = 1000;

    public static ProblemDetails Validate(RecordServiceRequest request, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.PlatformRecordId) || request.PlatformRecordId.Length > MaxPlatformRecordId)
            errors["platformRecordId"] = [$"The platform's own record id (1 to {MaxPlatformRecordId} characters) is required."];
        if (request.VolunteerId is null || request.VolunteerId == Guid.Empty)
            errors["volunteerId"] = ["The id of the volunteer who served is required."];
        if (request.ElderId is null || request.ElderId == Guid.Empty)
            errors["elderId"] = ["The id of the elder who was served is required."];
        if (!ServiceTypes.IsKnown(request.ServiceType))
            errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (request.Note is { Length: > MaxNote })
            errors["note"] = [$"The note may hold at most {MaxNote} characters."];

        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone ?? options.Value.DefaultTimeZone);
        if (zone is null) errors["timeZone"] = ["Not an IANA time zone id, e.g. Asia/Shanghai."];

        if (request.StartedAt is null) errors["startedAt"] = ["The local start date-time is required."];
        if (request.EndedAt is null) errors["endedAt"] = ["The local end date-time is required."];
        if (zone is not null && request is { StartedAt: { } started, EndedAt: { } ended })
        {
            var now = clock.GetCurrentInstant();
            var problem = ServicePeriod.Check(started, ended, zone, now);
            if (problem is not null) errors["endedAt"] = [problem];
            else if (ServicePeriod.TooOld(started, zone, now, options.Value.BackPosting) is { } tooOld) errors["startedAt"] = [tooOld];
        }

        return Problems.Validate(errors);
    }

    /// <summary>
    /// Records a service session and credits the volunteer (the deposit). Idempotent on the calling key
    /// and platformRecordId: the same body again returns 200 with the first result; a different body is a 409.
    /// </summary>
    [WolverinePost("/api/service-records", OperationId = "RecordService")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ServiceRecordResult>(StatusCodes.Status201Created)]
    [ProducesResponseType<ServiceRecordResult>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(RecordServiceRequest request, DepositQueue deposits, HttpContext context, IOptions<TimeBankOptions> options)
    {
        var command = new RecordService(context.Caller().KeyId, request.PlatformRecordId!.Trim(), request.VolunteerId!.Value,
            request.ElderId!.Value, request.ServiceType!, request.StartedAt!.Value, request.EndedAt!.Value,
            request.TimeZone ?? options.Value.DefaultTimeZone, request.Note);
        var outcome = await deposits.SubmitAsync(command, context.StampOf(), context.RequestAborted);
        return outcome.ToResult<ServiceRecordResult>(r => $"/api/service-records/{r.Id}");
    }
}

public static class ServicePeriod
{
    public static readonly Duration Longest = Duration.FromHours(12);

    public static string? Check(LocalDateTime started, LocalDateTime ended, DateTimeZone zone, Instant now)
    {
        if (!LocalDays.Served(started.Year) || !LocalDays.Served(ended.Year)) return "The service must be dated between 1900 and now.";
        var startsAt = started.InZoneLeniently(zone).ToInstant();
        var endsAt = ended.InZoneLeniently(zone).ToInstant();
        if (endsAt <= startsAt) return "The service must end after it starts.";
        if (endsAt - startsAt > Longest) return "A single service may last at most 12 hours.";
        if (endsAt > now) return "The service cannot end in the future.";
        if (Minutes(startsAt, endsAt) < 1) return "A service must last at least one whole minute.";
        return null;
    }

    public static int Minutes(Instant startsAt, Instant endsAt) => (int)(endsAt - startsAt).TotalMinutes;

    public static string? TooOld(LocalDateTime started, DateTimeZone zone, Instant now, Duration window) =>
        started.InZoneLeniently(zone).ToInstant() < now - window
            ? $"A service may be posted up to {window.Days} days after it happened; this one is older."
            : null;
}

/// <summary>Group commit for deposits, a lane per volunteer: one volunteer's deposits never race each other in this process.</summary>
public sealed class DepositQueue(IServiceScopeFactory scopes, ILogger<DepositQueue> logger) : GroupCommit<PendingDeposit>(scopes, logger)
{
    public Task<Outcome> SubmitAsync(RecordService command, AuditStamp stamp, CancellationToken cancellation) =>
        SubmitAsync(new PendingDeposit(command, stamp), cancellation);

    protected override string Name => "deposits";

    protected override Guid LaneKey(PendingDeposit pending) => pending.Command.VolunteerId;

    protected override async Task<IReadOnlyList<Outcome>> CommitAsync(IServiceProvider services, IReadOnlyList<PendingDeposit> batch,
        CancellationToken cancellation) =>
        (await services.GetRequiredService<IMessageBus>().InvokeAsync<RecordedServices>(new RecordServices(batch), cancellation)).Outcomes;
}

public sealed record PendingDeposit(RecordService Command, AuditStamp Stamp);

/// <summary>Deposits that arrived together, decided and committed in one transaction (group commit).</summary>
public sealed record RecordServices(IReadOnlyList<PendingDeposit> Deposits) : IStampsEachEvent;

public sealed record RecordedServices(IReadOnlyList<Outcome> Outcomes);

public static class RecordServicesHandler
{
    public static async Task<RecordedServices> Handle(RecordServices batch, IDocumentSession session, KnownPeople known, IClock clock,
        IOptions<PointsOptions> points, CancellationToken cancellation)
    {
        var commands = batch.Deposits.Select(d => d.Command).ToList();
        var volunteerIds = commands.Select(c => c.VolunteerId).Distinct().ToArray();
        var people = await known.ReadAsync(session, volunteerIds.Concat(commands.Select(c => c.ElderId)), cancellation);

        var (writing, reads) = AccountsForWriting.ReadFirst(session, volunteerIds);
        var recordedBefore = reads.LoadMany<ServiceRecord>().ById(commands.Select(c => c.RecordId).Distinct().ToArray());
        var nearby = CreditedOverlapping.Services(commands).Select(reads.Query).ToList();
        await reads.Execute(cancellation);

        // What earlier deposits of this batch did counts for the later ones: their records, periods and balances.
        var credited = (await Task.WhenAll(nearby)).SelectMany(records => records).ToList();
        var recorded = RecordedBefore(await recordedBefore, credited);
        var volunteersById = people.Values.Where(p => p.IsVolunteer).ToDictionary(p => p.Id);
        var eldersById = people.Values.Where(p => !p.IsVolunteer).ToDictionary(p => p.Id);
        var granted = await GrantsAsync(session, batch.Deposits, volunteersById);
        var accounts = await writing.ReadAsync();
        var balances = new Dictionary<Guid, (int Minutes, int Points)>();
        var now = clock.GetCurrentInstant();

        var outcomes = new List<Outcome>(batch.Deposits.Count);
        foreach (var (command, stamp) in batch.Deposits)
        {
            var fingerprint = Idempotency.Fingerprint(command);
            if (recorded.TryGetValue(command.RecordId, out var first))
            {
                outcomes.Add(Idempotency.Replay(first, fingerprint, command.PlatformRecordId));
                continue;
            }

            var account = accounts.GetValueOrDefault(command.VolunteerId);
            var balance = balances.TryGetValue(command.VolunteerId, out var left)
                ? left
                : Account.BalancesOf(account);
            var decision = Decide(command, stamp.Caller, granted.Contains((command.VolunteerId, command.PlatformKeyId)), fingerprint,
                volunteersById.GetValueOrDefault(command.VolunteerId),
                eldersById.GetValueOrDefault(command.ElderId), credited, balance, points.Value, now);
            if (decision.Refusal is { } refusal)
            {
                outcomes.Add(refusal);
                continue;
            }

            var deposit = decision.Events;
            writing.Append(command.VolunteerId, stamp.On(deposit));
            var record = ServiceRecordProjection.RecordOf(deposit);
            recorded[record.Id] = record;
            credited.Add(record);
            balances[command.VolunteerId] = (deposit.BalanceMinutesAfter, deposit.PointsBalanceAfter);
            outcomes.Add(Outcome.New(record.FirstResult));
        }
        writing.AppendTo(session);
        return new RecordedServices(outcomes);
    }

    /// <summary>
    /// The grants that matter: only for a platform crediting someone another platform registered, which is rare, so the
    /// usual batch pays no extra read.
    /// </summary>
    public static async Task<HashSet<(Guid, string)>> GrantsAsync(IDocumentSession session, IReadOnlyList<PendingDeposit> deposits,
        IReadOnlyDictionary<Guid, PersonFacts> volunteers)
    {
        var ids = deposits
            .Where(d => d.Stamp.ActorRole == Roles.Platform && volunteers.TryGetValue(d.Command.VolunteerId, out var v) && v.RegisteredBy != d.Command.PlatformKeyId)
            .Select(d => AccessGrant.IdFor(d.Command.VolunteerId, d.Command.PlatformKeyId)).Distinct().ToArray();
        if (ids.Length == 0) return [];
        var grants = await session.LoadManyAsync<AccessGrant>(ids);
        return grants.Where(g => g.Active).Select(g => (g.PersonId, g.ApiKeyId)).ToHashSet();
    }

    /// <summary>
    /// The records already written under the batch's ids. Each statement of the batched read sees what had committed
    /// when it ran, so a record another node committed in between may show among the nearby credited records only:
    /// it is the same deposit, to be answered as a retry rather than refused as overlapping itself.
    /// </summary>
    public static Dictionary<Guid, ServiceRecord> RecordedBefore(IEnumerable<ServiceRecord> byId, IEnumerable<ServiceRecord> nearby)
    {
        var recorded = byId.ToDictionary(r => r.Id);
        foreach (var record in nearby) recorded.TryAdd(record.Id, record);
        return recorded;
    }

    /// <summary>
    /// The deposit: credits the volunteer with the service's minutes and the points they earn at the rate in force now,
    /// unless the people are unknown, the caller does not act for the volunteer (<paramref name="granted"/>: the volunteer
    /// granted the caller access), the same person, the volunteer was under 10 then, or has a credited service in the
    /// same period.
    /// </summary>
    public static Decision<ServiceRecorded> Decide(RecordService command, Caller caller, bool granted, string fingerprint, PersonFacts? volunteer, PersonFacts? elder,
        IEnumerable<ServiceRecord> credited, (int Minutes, int Points) balance, PointsOptions points, Instant now)
    {
        var unknown = new Dictionary<string, string[]>();
        if (volunteer is null) unknown["volunteerId"] = [$"No volunteer has id {command.VolunteerId}."];
        if (elder is null) unknown["elderId"] = [$"No elder has id {command.ElderId}."];
        if (unknown.Count > 0)
        {
            return new UnknownReferences("The record names people who are not registered in those roles.",
                "volunteerId must be a registered volunteer and elderId a registered elder.", unknown);
        }
        if (Scopes.MayActFor(caller, command.VolunteerId, new PersonScope(volunteer!.RegisteredBy, granted)) is { } notPermitted) return notPermitted;
        if (volunteer.IdNumberHash == elder!.IdNumberHash) return new SelfService();
        var mayServeFrom = volunteer.BirthDate.PlusYears(VolunteerRules.MinimumAge);
        if (command.StartedAt.Date < mayServeFrom) return new TooYoungToServe(command.VolunteerId, mayServeFrom);

        var overlapping = credited.FirstOrDefault(r => r.VolunteerId == command.VolunteerId && r.StartsAt < command.EndsAt && r.EndsAt > command.StartsAt);
        if (overlapping is not null) return new OverlappingService(overlapping.Id);

        var minutes = ServicePeriod.Minutes(command.StartsAt, command.EndsAt);
        var earned = points.PointsFor(command.ServiceType, minutes);
        return new ServiceRecorded(command.RecordId, command.VolunteerId, command.ElderId, command.ServiceType,
            command.StartedAt, command.EndedAt, command.TimeZone, command.StartsAt, command.EndsAt, minutes, earned,
            command.PlatformKeyId, command.PlatformRecordId, command.Note, now, fingerprint, balance.Minutes + minutes, balance.Points + earned);
    }
}
