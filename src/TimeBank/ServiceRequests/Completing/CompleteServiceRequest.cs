using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.People.Granting;
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
    public static async Task<IResult> Post(Guid id, CompletionRequest request, IMessageBus bus, HttpContext context)
    {
        var command = new CompleteServiceRequest(id, request.VolunteerId!.Value, request.StartedAt!.Value, request.EndedAt!.Value, request.Note);
        var outcome = await bus.InvokeForRequestAsync(command, context, id, request.VolunteerId!.Value);
        return outcome.ToResult<CompletionResult>(r => $"/api/service-records/{r.ServiceRecordId}");
    }
}

public static class CompleteServiceRequestHandler
{
    public static async Task<Outcome> Handle(CompleteServiceRequest command, IDocumentSession session, IClock clock, IOptions<PointsOptions> points,
        Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        // The window, elder and zone never change; the deposit's reads depend on them.
        var known = await session.LoadAsync<ServiceRequest>(command.RequestId);
        if (known is null) return new NotFound("Service request", command.RequestId.ToString());
        var deposit = DepositFor(command, known, caller);

        var (writing, reads) = AccountsForWriting.ReadFirst(session, [command.VolunteerId]);
        var requestStream = reads.Events.FetchForWriting<ServiceRequest>(command.RequestId);
        var recordedBefore = reads.Load<ServiceRecord>(deposit.RecordId);
        var volunteer = reads.Load<Volunteer>(command.VolunteerId);
        var elder = reads.Load<Elder>(known.ElderId);
        var grant = reads.Load<AccessGrant>(AccessGrant.IdFor(command.VolunteerId, caller.KeyId));
        var nearby = reads.Query(CreditedOverlapping.Period(command.VolunteerId, deposit.StartsAt, deposit.EndsAt));
        await reads.Execute();

        var fingerprint = Idempotency.Fingerprint(deposit);
        var credited = await nearby;
        if (RecordServicesHandler.RecordedBefore(await recordedBefore is { } r ? [r] : [], credited).TryGetValue(deposit.RecordId, out var first))
        {
            return Idempotency.Replay(first, fingerprint, deposit.PlatformRecordId).Map<ServiceRecordResult>(x => CompletionResult.Of(x, command.RequestId));
        }

        var request = await requestStream;
        var account = (await writing.ReadAsync()).GetValueOrDefault(command.VolunteerId);
        var decision = Decide(command, deposit, caller, (await grant)?.Active == true, fingerprint, request.Aggregate, await volunteer, await elder, credited,
            Account.BalancesOf(account), points.Value, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;

        var (recorded, completed) = decision.Events;
        writing.Append(command.VolunteerId, recorded);
        writing.AppendTo(session);
        request.AppendOne(completed);
        return Outcome.New(CompletionResult.Of(ServiceRecordProjection.RecordOf(recorded).FirstResult, command.RequestId));
    }

    /// <summary>The deposit a completion makes: named by the request and volunteer, so a retry finds it.</summary>
    public static RecordService DepositFor(CompleteServiceRequest command, ServiceRequest request, Caller caller) =>
        new(caller.KeyId, $"service-request:{request.Id:N}:{command.VolunteerId:N}", command.VolunteerId, request.ElderId, request.ServiceType,
            command.StartedAt, command.EndedAt, request.TimeZone, command.Note);

    /// <summary>
    /// The volunteer must hold a claim and have served near the window (<see cref="CompleteServiceRequestEndpoint.Leeway"/>);
    /// then the deposit's own decision credits them, and the request records which record completed the claim.
    /// </summary>
    public static Decision<(ServiceRecorded, ServiceRequestCompleted)> Decide(CompleteServiceRequest command, RecordService deposit, Caller caller, bool granted,
        string fingerprint, ServiceRequest? request, Volunteer? volunteer, Elder? elder, IEnumerable<ServiceRecord> credited, (int Minutes, int Points) balance,
        PointsOptions points, Instant now)
    {
        if (request is null) return new NotFound("Service request", command.RequestId.ToString());
        if (request.Claims.All(c => c.VolunteerId != command.VolunteerId)) return new NotClaimed(request.Id, command.VolunteerId);
        var (earliest, latest) = (request.StartsAt - CompleteServiceRequestEndpoint.Leeway, request.EndsAt + CompleteServiceRequestEndpoint.Leeway);
        if (deposit.StartsAt < earliest || deposit.EndsAt > latest) return new OutsideWindow(request.Id, earliest, latest);

        var decision = RecordServicesHandler.Decide(deposit, caller, granted, fingerprint, PersonFacts.Of(volunteer), PersonFacts.Of(elder), credited, balance, points, now);
        if (decision.Refusal is { } refusal) return refusal;
        var recorded = decision.Events with { RequestId = request.Id };
        return (recorded, new ServiceRequestCompleted(request.Id, command.VolunteerId, recorded.RecordId, now));
    }
}
