using System.ComponentModel.DataAnnotations;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Reversing;

namespace TimeBank.Complaints.Deciding;

/// <param name="ReverseRecord">Upheld complaints about a service record: also reverse the record (refused with the shortfall if its minutes are spent).</param>
public sealed record ResolveComplaintRequest([property: Required] [property: OneOf<ComplaintOutcome>] string? Outcome, [property: Required] string? Note,
    bool? ReverseRecord);

public sealed record AcknowledgeComplaint(Guid ComplaintId);

public sealed record ResolveComplaint(Guid ComplaintId, ComplaintOutcome Outcome, string Note, bool ReverseRecord);

public static class AcknowledgeComplaintEndpoint
{
    /// <summary>Acknowledges a complaint (reviewer, admin): it leaves the overdue list. Acknowledging again answers it unchanged.</summary>
    [WolverinePost("/api/complaints/{id}/acknowledge", OperationId = "AcknowledgeComplaint")]
    [Authorize(Roles = Roles.ComplaintDeciders)]
    [ProducesResponseType<ComplaintView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new AcknowledgeComplaint(id), context, id)).ToResult<ComplaintView>();
}

public static class ResolveComplaintEndpoint
{
    public const int MaxNote = 1000;

    public static ProblemDetails Validate(ResolveComplaintRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        var outcome = PersonFields.OneOf<ComplaintOutcome>(errors, "outcome", request.Outcome);
        if (string.IsNullOrWhiteSpace(request.Note) || request.Note.Trim().Length > MaxNote) errors["note"] = [$"A note of 1 to {MaxNote} characters is required."];
        if (request.ReverseRecord == true && outcome == ComplaintOutcome.Dismissed) errors["reverseRecord"] = ["Only an upheld complaint reverses a record."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Resolves a complaint (reviewer, admin): upheld or dismissed, with a note. Upheld with reverseRecord, the record
    /// complained about is reversed in the same transaction, or nothing is written if its minutes or points are spent.
    /// </summary>
    [WolverinePost("/api/complaints/{id}/resolve", OperationId = "ResolveComplaint")]
    [Authorize(Roles = Roles.ComplaintDeciders)]
    [ProducesResponseType<ComplaintView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, ResolveComplaintRequest request, IMessageBus bus, HttpContext context)
    {
        PersonFields.TryParse<ComplaintOutcome>(request.Outcome, out var outcome);
        var command = new ResolveComplaint(id, outcome, request.Note!.Trim(), request.ReverseRecord == true);
        return (await bus.InvokeForRequestAsync(command, context, id)).ToResult<ComplaintView>();
    }
}

public static class AcknowledgeComplaintHandler
{
    public static async Task<Outcome> Handle(AcknowledgeComplaint command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData)
    {
        var stream = await session.Events.FetchForWriting<Complaint>(command.ComplaintId);
        if (stream.Aggregate is not { } complaint) return new NotFound("Complaint", command.ComplaintId.ToString());
        var caller = Scopes.CallerOf(envelope);
        if (Decide(complaint, caller, clock.GetCurrentInstant()) is not { } acknowledged) return Outcome.Existing(ComplaintView.Of(complaint, personalData, caller.Role == Roles.Admin));
        stream.AppendOne(acknowledged);
        return Outcome.Existing(ComplaintView.Of(complaint.Apply(acknowledged), personalData, caller.Role == Roles.Admin));
    }

    /// <summary>Only an open complaint is acknowledged; otherwise nothing changes.</summary>
    public static ComplaintAcknowledged? Decide(Complaint complaint, Caller caller, Instant now) =>
        complaint.Status == ComplaintStatus.Open ? new ComplaintAcknowledged(complaint.Id, caller.KeyId, now) : null;
}

public static class ResolveComplaintHandler
{
    public static async Task<Outcome> Handle(ResolveComplaint command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData)
    {
        var caller = Scopes.CallerOf(envelope);
        var stream = await session.Events.FetchForWriting<Complaint>(command.ComplaintId);
        if (stream.Aggregate is not { } complaint) return new NotFound("Complaint", command.ComplaintId.ToString());

        var known = command.ReverseRecord && complaint.About.ServiceRecordId is { } recordId ? await session.LoadAsync<ServiceRecord>(recordId) : null;
        var (account, record) = known is null ? (null, null) : await AccountAndDocument.ReadAsync<ServiceRecord>(session, known.VolunteerId, known.Id);
        var decision = Decide(command, complaint, record, account?.Aggregate, caller, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;

        var (resolved, reversed) = decision.Events;
        if (reversed is not null) account!.AppendOne(reversed);
        stream.AppendOne(resolved);
        return Outcome.Existing(ComplaintView.Of(complaint.Apply(resolved), personalData, caller.Role == Roles.Admin));
    }

    /// <summary>
    /// The resolution, with the record's reversal when an upheld complaint asks for it (the reversal's own decision: refused
    /// with the shortfall when the minutes or points are spent). A resolved complaint is not resolved again.
    /// </summary>
    public static Decision<(ComplaintResolved, ServiceRecordReversed?)> Decide(ResolveComplaint command, Complaint complaint, ServiceRecord? record,
        Account? volunteer, Caller caller, Instant now)
    {
        if (complaint.Status == ComplaintStatus.Resolved) return new ComplaintResolvedAlready(complaint.Id, complaint.Outcome!.Value.ToString());
        ServiceRecordReversed? reversed = null;
        if (command.ReverseRecord)
        {
            if (command.Outcome != ComplaintOutcome.Upheld || record is null)
            {
                return new UnknownReferences("Only an upheld complaint about a service record reverses it.", "The complaint is not about a service record.",
                    new Dictionary<string, string[]> { ["reverseRecord"] = ["The complaint names no service record."] });
            }
            var reversal = ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, $"投诉 {complaint.Reference} 成立：{command.Note}"), caller,
                record, volunteer, now);
            if (reversal.Refusal is { } refusal) return refusal;
            reversed = reversal.Events;
        }
        return (new ComplaintResolved(complaint.Id, command.Outcome, command.Note, reversed?.RecordId, caller.KeyId, now), reversed);
    }
}
