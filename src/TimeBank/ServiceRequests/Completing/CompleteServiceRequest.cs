using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.ServiceRequests.Completing;

/// <param name="VolunteerId">The volunteer who served, holding a claim on the request.</param>
/// <param name="StartedAt">Local start, in the request's zone.</param>
/// <param name="EndedAt">Local end, in the request's zone.</param>
public sealed record CompletionRequest([property: Required] Guid? VolunteerId, [property: Required] LocalDateTime? StartedAt,
    [property: Required] LocalDateTime? EndedAt, string? Note);

public sealed record CompleteServiceRequest(Guid RequestId, Guid VolunteerId, LocalDateTime StartedAt, LocalDateTime EndedAt, string? Note);

/// <param name="ServiceRecordId">The service record that credited the volunteer (GET /api/service-records/{id} shows requestId).</param>
public sealed record CompletionResult([property: Required] Guid ServiceRecordId, [property: Required] Guid RequestId, [property: Required] int CreditedMinutes,
    [property: Required] int BalanceMinutes, [property: Required] int CreditedPoints, [property: Required] int PointsBalance)
{
    public static CompletionResult Of(ServiceRecordResult r, Guid requestId) =>
        new(r.Id, requestId, r.CreditedMinutes, r.BalanceMinutes, r.CreditedPoints, r.PointsBalance);
}

public static class CompleteServiceRequestEndpoint
{
    /// <summary>How far before its window's start, or after its end, a completion may lie.</summary>
    public static readonly Duration Leeway = Duration.FromHours(2);

    public static ProblemDetails Validate(CompletionRequest request, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.VolunteerId is null || request.VolunteerId == Guid.Empty) errors["volunteerId"] = ["The id of the volunteer who served is required."];
        if (request.Note is { Length: > DepositEndpoint.MaxNote }) errors["note"] = [$"The note may hold at most {DepositEndpoint.MaxNote} characters."];
        if (request.StartedAt is null) errors["startedAt"] = ["The local start date-time is required."];
        if (request.EndedAt is null) errors["endedAt"] = ["The local end date-time is required."];
        if (request is { StartedAt: { } started, EndedAt: { } ended })
        {
            var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
            if (ServicePeriod.Check(started, ended, zone, clock.GetCurrentInstant()) is { } problem) errors["endedAt"] = [problem];
        }
        return Problems.Validate(errors);
    }

    /// <summary>
    /// The claim's volunteer served: records the service and credits the volunteer exactly as a deposit would (same
    /// rules), linked to the request, in one transaction. By the volunteer's platform. Sending it again answers 200
    /// with the first result.
    /// </summary>
    [WolverinePost("/api/service-requests/{id}/completions", OperationId = "CompleteServiceRequest")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<CompletionResult>(StatusCodes.Status201Created)]
    [ProducesResponseType<CompletionResult>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, CompletionRequest request, CompletionQueue completions, HttpContext context)
    {
        var command = new CompleteServiceRequest(id, request.VolunteerId!.Value, request.StartedAt!.Value, request.EndedAt!.Value, request.Note);
        var outcome = await completions.SubmitAsync(command, context.StampOf(), context.RequestAborted);
        return outcome.ToResult<CompletionResult>(r => $"/api/service-records/{r.ServiceRecordId}");
    }
}

/// <summary>
/// Group commit for completions, a lane per request: a group activity's completions, posted together, commit together
/// instead of one after another on the request's stream. A batch takes this process's turn on its requests and volunteers
/// (<see cref="AccountLocks"/>), as claims of the same request and other writers of the same accounts do.
/// </summary>
public sealed class CompletionQueue(IServiceScopeFactory scopes, AccountLocks locks, ILogger<CompletionQueue> logger)
    : GroupCommit<PendingCompletion>(scopes, logger)
{
    public Task<Outcome> SubmitAsync(CompleteServiceRequest command, AuditStamp stamp, CancellationToken cancellation) =>
        SubmitAsync(new PendingCompletion(command, stamp), cancellation);

    protected override string Name => "completions";

    protected override Guid LaneKey(PendingCompletion pending) => pending.Command.RequestId;

    protected override async Task<IReadOnlyList<Outcome>> CommitAsync(IServiceProvider services, IReadOnlyList<PendingCompletion> batch,
        CancellationToken cancellation)
    {
        using var turns = await locks.AcquireAsync(cancellation, [.. batch.SelectMany(p => new[] { p.Command.RequestId, p.Command.VolunteerId })]);
        var completed = await services.GetRequiredService<IMessageBus>().InvokeAsync<CompletedServiceRequests>(new CompleteServiceRequests(batch), cancellation);
        return completed.Outcomes;
    }
}

public sealed record PendingCompletion(CompleteServiceRequest Command, AuditStamp Stamp);

/// <summary>Completions that arrived together, decided and committed in one transaction (group commit).</summary>
public sealed record CompleteServiceRequests(IReadOnlyList<PendingCompletion> Completions) : IStampsEachEvent;

public sealed record CompletedServiceRequests(IReadOnlyList<Outcome> Outcomes);

public static class CompleteServiceRequestHandler
{
    public static async Task<CompletedServiceRequests> Handle(CompleteServiceRequests batch, IDocumentSession session, KnownPeople known, IClock clock,
        IOptions<PointsOptions> points, CancellationToken cancellation)
    {
        // A request's window, elder and zone never change; the deposits' reads depend on them.
        var requests = (await session.LoadManyAsync<ServiceRequest>(cancellation, batch.Completions.Select(c => c.Command.RequestId).Distinct()))
            .ToDictionary(r => r.Id);
        var deposits = batch.Completions
            .Select(c => requests.TryGetValue(c.Command.RequestId, out var request) ? new PendingDeposit(DepositFor(c.Command, request, c.Stamp.Caller), c.Stamp) : null)
            .ToList();
        var pending = deposits.OfType<PendingDeposit>().ToList();
        var crediting = pending.Select(d => d.Command).ToList();
        if (crediting.Count == 0) return new CompletedServiceRequests([.. batch.Completions.Select(c => UnknownRequest(c.Command))]);
        var volunteerIds = crediting.Select(d => d.VolunteerId).Distinct().ToArray();
        var people = await known.ReadAsync(session, volunteerIds.Concat(crediting.Select(d => d.ElderId)), cancellation);

        var (writing, reads) = AccountsForWriting.ReadFirst(session, volunteerIds);
        var streams = requests.Keys.ToDictionary(id => id, id => reads.Events.FetchForWriting<ServiceRequest>(id));
        var recordedBefore = reads.LoadMany<ServiceRecord>().ById(crediting.Select(d => d.RecordId).Distinct().ToArray());
        var nearby = CreditedOverlapping.Services(crediting).Select(reads.Query).ToList();
        await reads.Execute(cancellation);

        // What earlier completions of this batch did counts for the later ones: their records, periods and balances.
        var credited = (await Task.WhenAll(nearby)).SelectMany(records => records).ToList();
        var recorded = RecordServicesHandler.RecordedBefore(await recordedBefore, credited);
        var volunteers = people.Values.Where(p => p.IsVolunteer).ToDictionary(p => p.Id);
        var elders = people.Values.Where(p => !p.IsVolunteer).ToDictionary(p => p.Id);
        var granted = await RecordServicesHandler.GrantsAsync(session, pending, volunteers);
        var accounts = await writing.ReadAsync();
        var balances = new Dictionary<Guid, (int Minutes, int Points)>();
        var now = clock.GetCurrentInstant();

        var outcomes = new List<Outcome>(batch.Completions.Count);
        for (var i = 0; i < batch.Completions.Count; i++)
        {
            var (command, stamp) = batch.Completions[i];
            if (deposits[i] is not { Command: var deposit })
            {
                outcomes.Add(UnknownRequest(command));
                continue;
            }

            var fingerprint = Idempotency.Fingerprint(deposit);
            if (recorded.TryGetValue(deposit.RecordId, out var first))
            {
                outcomes.Add(Idempotency.Replay(first, fingerprint, deposit.PlatformRecordId).Map<ServiceRecordResult>(r => CompletionResult.Of(r, command.RequestId)));
                continue;
            }

            var request = await streams[command.RequestId];
            var balance = balances.TryGetValue(command.VolunteerId, out var left) ? left : Account.BalancesOf(accounts.GetValueOrDefault(command.VolunteerId));
            var decision = Decide(command, deposit, stamp.Caller, granted.Contains((command.VolunteerId, deposit.PlatformKeyId)), fingerprint, request.Aggregate,
                volunteers.GetValueOrDefault(command.VolunteerId), elders.GetValueOrDefault(deposit.ElderId), credited, balance, points.Value, now);
            if (decision.Refusal is { } refusal)
            {
                outcomes.Add(refusal);
                continue;
            }

            var (recordedService, completed) = decision.Events;
            writing.Append(command.VolunteerId, stamp.On(recordedService));
            request.AppendOne(stamp.On(completed));
            var record = ServiceRecordProjection.RecordOf(recordedService);
            recorded[record.Id] = record;
            credited.Add(record);
            balances[command.VolunteerId] = (recordedService.BalanceMinutesAfter, recordedService.PointsBalanceAfter);
            outcomes.Add(Outcome.New(CompletionResult.Of(record.FirstResult, command.RequestId)));
        }
        writing.AppendTo(session);
        return new CompletedServiceRequests(outcomes);
    }

    private static Outcome UnknownRequest(CompleteServiceRequest command) => new NotFound("Service request", command.RequestId.ToString());

    /// <summary>The deposit a completion makes: named by the request and volunteer, so a retry finds it.</summary>
    public static RecordService DepositFor(CompleteServiceRequest command, ServiceRequest request, Caller caller) =>
        new(caller.KeyId, $"service-request:{request.Id:N}:{command.VolunteerId:N}", command.VolunteerId, request.ElderId, request.ServiceType,
            command.StartedAt, command.EndedAt, request.TimeZone, command.Note);

    /// <summary>
    /// The volunteer must hold a claim and have served near the window (<see cref="CompleteServiceRequestEndpoint.Leeway"/>);
    /// then the deposit's own decision credits them, and the request records which record completed the claim.
    /// </summary>
    public static Decision<(ServiceRecorded, ServiceRequestCompleted)> Decide(CompleteServiceRequest command, RecordService deposit, Caller caller, bool granted,
        string fingerprint, ServiceRequest? request, PersonFacts? volunteer, PersonFacts? elder, IEnumerable<ServiceRecord> credited, (int Minutes, int Points) balance,
        PointsOptions points, Instant now)
    {
        if (request is null) return new NotFound("Service request", command.RequestId.ToString());
        if (request.Claims.All(c => c.VolunteerId != command.VolunteerId)) return new NotClaimed(request.Id, command.VolunteerId);
        var (earliest, latest) = (request.StartsAt - CompleteServiceRequestEndpoint.Leeway, request.EndsAt + CompleteServiceRequestEndpoint.Leeway);
        if (deposit.StartsAt < earliest || deposit.EndsAt > latest) return new OutsideWindow(request.Id, earliest, latest);

        var decision = RecordServicesHandler.Decide(deposit, caller, granted, fingerprint, volunteer, elder, credited, balance, points, now);
        if (decision.Refusal is { } refusal) return refusal;
        var recorded = decision.Events with { RequestId = request.Id };
        return (recorded, new ServiceRequestCompleted(request.Id, command.VolunteerId, recorded.RecordId, now));
    }
}
