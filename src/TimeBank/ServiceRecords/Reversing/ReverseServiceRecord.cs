using System.ComponentModel.DataAnnotations;
using TimeBank.Ledger;

namespace TimeBank.ServiceRecords.Reversing;

public sealed record ReverseServiceRecord(Guid RecordId, string Reason);

public static class ReverseServiceRecordEndpoint
{
    public static ProblemDetails Validate(ReasonRequest request) => Reasons.Validate(request);

    /// <summary>
    /// Reverses a credited record with a compensating entry that takes back its minutes and points. Refused when
    /// already reversed, or when the volunteer has already spent or committed the minutes or spent the points
    /// (a reversal never makes a balance negative).
    /// A platform may reverse only the records it posted.
    /// </summary>
    [WolverinePost("/api/service-records/{id}/reversal", OperationId = "ReverseServiceRecord")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ServiceRecordView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, ReasonRequest request, IMessageBus bus, HttpContext context)
    {
        var outcome = await bus.InvokeForRequestAsync(new ReverseServiceRecord(id, request.Reason!.Trim()), context);
        return outcome.ToResult<ServiceRecordView>();
    }
}

public static class ReverseServiceRecordHandler
{
    public static async Task<Outcome> Handle(ReverseServiceRecord command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        // The first read finds whose account it is (that never changes); the decision takes the record read after it.
        var known = await session.LoadAsync<ServiceRecord>(command.RecordId);
        if (known is null) return new NotFound("Service record", command.RecordId.ToString());

        var (stream, current) = await AccountAndDocument.ReadAsync<ServiceRecord>(session, known.VolunteerId, known.Id);
        var record = current!;
        var decision = Decide(command, Scopes.CallerOf(envelope), record, stream.Aggregate, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;

        var reversed = decision.Events;
        stream.AppendOne(reversed);
        return Outcome.Existing(ServiceRecordView.Of(record with
        {
            Status = ServiceRecordStatus.Reversed,
            ReversedAt = reversed.ReversedAt,
            ReversalReason = reversed.Reason
        }));
    }

    /// <summary>Takes back a record's minutes and points, never making a balance negative. Only its platform, or an admin, may.</summary>
    public static Decision<ServiceRecordReversed> Decide(ReverseServiceRecord command, Caller caller, ServiceRecord record, Account? volunteer,
        Instant now)
    {
        if (Scopes.MayReverse(caller, record.Id, record.PlatformKeyId) is { } notPermitted) return notPermitted;
        if (record.Status == ServiceRecordStatus.Reversed) return new AlreadyReversed(record.Id, record.ReversedAt);

        var available = volunteer?.AvailableMinutes ?? 0;
        if (available < record.CreditedMinutes) return new NotEnoughMinutes(record.VolunteerId.ToString(), record.CreditedMinutes, available);
        var points = volunteer?.PointsBalance ?? 0;
        if (points < record.CreditedPoints) return new NotEnoughPoints(record.VolunteerId.ToString(), record.CreditedPoints, points);

        return new ServiceRecordReversed(record.Id, record.VolunteerId, record.CreditedMinutes, record.CreditedPoints,
            command.Reason, caller.KeyId, now);
    }
}
