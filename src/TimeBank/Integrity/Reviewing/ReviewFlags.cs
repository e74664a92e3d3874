using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Reversing;

namespace TimeBank.Integrity.Reviewing;

/// <param name="Decision">confirmed-genuine (the record stands) or fraudulent (the record is reversed).</param>
public sealed record FlagDecisionRequest([property: Required] [property: OneOf<FlagDecisionKind>] string? Decision, [property: Required] string? Note);

/// <summary>What a reviewer may decide (a flag's own status open is not a decision).</summary>
public enum FlagDecisionKind { ConfirmedGenuine, Fraudulent }

public sealed record DecideFlag(Guid FlagId, FlagStatus Decision, string Note);

public static class ListFlagsEndpoint
{
    /// <summary>The reviewer's queue: flags oldest first; status, rule and district narrow it.</summary>
    /// <param name="status">open, confirmed-genuine or fraudulent.</param>
    /// <param name="rule">One rule: too-many-hours-in-a-day, too-many-records-for-one-pair, posted-late, served-at-night, outside-request-window, low-rating.</param>
    /// <param name="district">The volunteer's district (区).</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Flags per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/integrity/flags", OperationId = "ListIntegrityFlags")]
    [Authorize(Roles = Roles.Admin + "," + Roles.Reviewer + "," + Roles.Auditor)]
    [ProducesResponseType<Page<FlagView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, OneOf<FlagStatus>] string? status, [FromQuery] string? rule, [FromQuery] string? district,
        [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = PersonFields.OneOf<FlagStatus>(errors, "status", status, required: false);
        if (rule is not null && !IntegrityRules.All.Contains(rule)) errors["rule"] = [$"rule is one of: {string.Join(", ", IntegrityRules.All)}."];
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var query = session.Query<IntegrityFlag>().AsQueryable();
        if (wanted is { } s) query = query.Where(f => f.Status == s);
        if (rule is not null) query = query.Where(f => f.Rule == rule);
        if (!string.IsNullOrWhiteSpace(district)) query = query.Where(f => f.District == district.Trim());
        var found = await query.OrderBy(f => f.FlaggedAtUnixMs).ThenBy(f => f.Id).ToPagedListAsync(number, size, cancellation);
        return Results.Ok(Page<FlagView>.Of(found, FlagView.Of));
    }
}

public static class DecideFlagEndpoint
{
    public const int MaxNote = 1000;

    public static ProblemDetails Validate(FlagDecisionRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        PersonFields.OneOf<FlagDecisionKind>(errors, "decision", request.Decision);
        if (string.IsNullOrWhiteSpace(request.Note) || request.Note.Trim().Length > MaxNote) errors["note"] = [$"A note of 1 to {MaxNote} characters is required."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Decides a flag once (reviewer, admin): confirmed-genuine leaves the record; fraudulent reverses it in the same
    /// transaction, or writes nothing (the flag stays open) when its minutes or points are spent.
    /// </summary>
    [WolverinePost("/api/integrity/flags/{id}/decision", OperationId = "DecideIntegrityFlag")]
    [Authorize(Roles = Roles.ComplaintDeciders)]
    [ProducesResponseType<FlagView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, FlagDecisionRequest request, IMessageBus bus, HttpContext context)
    {
        PersonFields.TryParse<FlagDecisionKind>(request.Decision, out var kind);
        var decision = kind == FlagDecisionKind.Fraudulent ? FlagStatus.Fraudulent : FlagStatus.ConfirmedGenuine;
        return (await bus.InvokeForRequestAsync(new DecideFlag(id, decision, request.Note!.Trim()), context, id)).ToResult<FlagView>();
    }
}

public static class DecideFlagHandler
{
    public static async Task<Outcome> Handle(DecideFlag command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var stream = await session.Events.FetchForWriting<IntegrityFlag>(command.FlagId);
        if (stream.Aggregate is not { } flag) return new NotFound("Integrity flag", command.FlagId.ToString());
        var known = command.Decision == FlagStatus.Fraudulent ? await session.LoadAsync<ServiceRecord>(flag.ServiceRecordId) : null;
        var (account, record) = known is null ? (null, null) : await AccountAndDocument.ReadAsync<ServiceRecord>(session, known.VolunteerId, known.Id);

        var decision = Decide(command, flag, record, account?.Aggregate, Scopes.CallerOf(envelope), clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        var (decided, reversed) = decision.Events;
        if (reversed is not null) account!.AppendOne(reversed);
        stream.AppendOne(decided);
        return Outcome.Existing(FlagView.Of(flag.Apply(decided)));
    }

    /// <summary>
    /// The decision, with the record's reversal for a fraudulent one (the reversal's own decision, so spent minutes refuse
    /// it; a record reversed already stays so). A decided flag is not decided again.
    /// </summary>
    public static Decision<(FlagDecided, ServiceRecordReversed?)> Decide(DecideFlag command, IntegrityFlag flag, ServiceRecord? record, Account? volunteer,
        Caller caller, Instant now)
    {
        if (flag.Status != FlagStatus.Open) return new FlagDecidedAlready(flag.Id, flag.Status.ToString());
        ServiceRecordReversed? reversed = null;
        if (command.Decision == FlagStatus.Fraudulent && record is { Status: ServiceRecordStatus.Credited })
        {
            var reversal = ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, $"数据核查（{flag.Rule}）认定不实：{command.Note}"), caller,
                record, volunteer, now);
            if (reversal.Refusal is { } refusal) return refusal;
            reversed = reversal.Events;
        }
        return (new FlagDecided(flag.Id, command.Decision, command.Note, reversed is not null, caller.KeyId, now), reversed);
    }
}
