using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.Ledger;
using Wolverine;
using Wolverine.Http;

namespace TimeBank.ServiceRecords.Reversing;

public sealed record ReversalRequest(string? Reason);

public sealed record ReverseServiceRecord(Guid RecordId, string Reason, string CallerKeyId, string CallerRole);

public static class ReverseServiceRecordEndpoint
{
    public static ProblemDetails Validate(ReversalRequest request) =>
        !Reasons.IsValid(request.Reason)
            ? Problems.Validation("reason", Reasons.Required)
            : WolverineContinue.NoProblems;

    /// <summary>
    /// Reverses a credited record with a compensating entry that takes back its minutes and points. Refused when
    /// already reversed, or when the volunteer has already spent or committed the minutes or spent the points
    /// (a reversal never makes a balance negative).
    /// A platform may reverse only the records it posted.
    /// </summary>
    [WolverinePost("/api/service-records/{id}/reversal", OperationId = "ReverseServiceRecord")]
    [Authorize(Roles = Roles.Writers)]
    [Tags("Service records")]
    [ProducesResponseType<ServiceRecordView>(StatusCodes.Status200OK)]
    [ProducesResponseType<HttpValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status403Forbidden, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public static async Task<IResult> Post(Guid id, ReversalRequest request, IMessageBus bus, HttpContext context)
    {
        var caller = context.Caller();
        var command = new ReverseServiceRecord(id, request.Reason!.Trim(), caller.KeyId, caller.Role);
        var outcome = await bus.InvokeForRequestAsync<ServiceRecordView>(command, context);
        return outcome.ToResult();
    }
}

public static class ReverseServiceRecordHandler
{
    public static async Task<Outcome<ServiceRecordView>> Handle(ReverseServiceRecord command, IDocumentSession session, IClock clock)
    {
        var record = await session.LoadAsync<ServiceRecord>(command.RecordId);
        if (record is null) return Problems.NotFound("Service record", command.RecordId);

        if (command.CallerRole != Roles.Admin && record.PlatformKeyId != command.CallerKeyId)
        {
            return Problems.Refusal(Problems.Types.Forbidden, StatusCodes.Status403Forbidden,
                "Only the platform that posted a record, or an admin, may reverse it.",
                $"Service record {record.Id} was posted by another platform key.");
        }

        if (record.Status == ServiceRecordStatus.Reversed)
        {
            return Problems.Refusal(Problems.Types.AlreadyReversed, StatusCodes.Status409Conflict,
                "The service record is already reversed.",
                $"Service record {record.Id} was reversed at {record.ReversedAt}.");
        }

        var stream = await session.Events.FetchForWriting<Account>(record.VolunteerId);
        var available = stream.Aggregate?.AvailableMinutes ?? 0;
        if (available < record.CreditedMinutes)
        {
            return Problems.InsufficientBalance(record.VolunteerId.ToString(), record.CreditedMinutes, available);
        }
        var points = stream.Aggregate?.PointsBalance ?? 0;
        if (points < record.CreditedPoints)
        {
            return Problems.InsufficientPoints(record.VolunteerId.ToString(), record.CreditedPoints, points);
        }

        var now = clock.GetCurrentInstant();
        stream.AppendOne(new ServiceRecordReversed(record.Id, record.VolunteerId, record.CreditedMinutes, record.CreditedPoints,
            command.Reason, command.CallerKeyId, now));
        return Outcome<ServiceRecordView>.Ok(ServiceRecordView.Of(record with
        {
            Status = ServiceRecordStatus.Reversed,
            ReversedAt = now,
            ReversalReason = command.Reason
        }));
    }
}
