using System.ComponentModel.DataAnnotations;
using Marten.Linq.MatchesSql;
using Npgsql;
using TimeBank.Organisations;
using TimeBank.People.Granting;
using TimeBank.ServiceRecords;

namespace TimeBank.ServiceRequests.Claiming;

/// <param name="VolunteerId">The volunteer who will serve.</param>
/// <param name="OrganisationId">The organisation the volunteer claims for; they must belong to it.</param>
public sealed record ClaimRequest([property: Required] Guid? VolunteerId, Guid? OrganisationId);

public sealed record ClaimServiceRequest(Guid RequestId, Guid VolunteerId, Guid? OrganisationId);

public sealed record WithdrawClaim(Guid RequestId, Guid VolunteerId);

public static class ClaimServiceRequestEndpoint
{
    public static ProblemDetails Validate(ClaimRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.VolunteerId is null || request.VolunteerId == Guid.Empty) errors["volunteerId"] = ["The id of the volunteer who will serve is required."];
        if (request.OrganisationId == Guid.Empty) errors["organisationId"] = ["organisationId, when given, is an organisation's id."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Claims one slot of a request for a volunteer (a platform for volunteers it acts for, or an admin). Refused when
    /// the slots are taken, the window is over, the volunteer claimed it already, or has another claim or a credited
    /// service in the same time.
    /// </summary>
    [WolverinePost("/api/service-requests/{id}/claims", OperationId = "ClaimServiceRequest")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ServiceRequestView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, ClaimRequest request, IMessageBus bus, HttpContext context)
    {
        var outcome = await bus.InvokeForRequestAsync(new ClaimServiceRequest(id, request.VolunteerId!.Value, request.OrganisationId), context, id);
        return outcome.ToResult<ServiceRequestView>(r => $"/api/service-requests/{r.Id}");
    }
}

public static class WithdrawClaimEndpoint
{
    /// <summary>Withdraws a volunteer's claim before the window starts, freeing the slot.</summary>
    [WolverineDelete("/api/service-requests/{id}/claims/{volunteerId}", OperationId = "WithdrawClaim")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ServiceRequestView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Delete(Guid id, Guid volunteerId, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new WithdrawClaim(id, volunteerId), context, id)).ToResult<ServiceRequestView>();
}

public static class ClaimServiceRequestHandler
{
    public static async Task<Outcome> Handle(ClaimServiceRequest command, IDocumentSession session, IClock clock, Envelope envelope,
        CancellationToken cancellation)
    {
        var caller = Scopes.CallerOf(envelope);
        var reads = session.CreateBatchQuery();
        var stream = reads.Events.FetchForWriting<ServiceRequest>(command.RequestId);
        var volunteer = PersonScope.ReadVolunteerAsync(reads, command.VolunteerId, caller.KeyId);
        var organisation = command.OrganisationId is { } org ? reads.Load<Organisation>(org) : Task.FromResult<Organisation?>(null);
        await reads.Execute(cancellation);
        var current = await stream;
        var (scope, member, now) = (await volunteer, await organisation, clock.GetCurrentInstant());

        // What the request and the volunteer's record refuse needs no overlap check: a full request's stampede is answered
        // from this one read, without waiting for the volunteer's turn. A refusal true when read is a true answer.
        if (Decide(command, caller, current.Aggregate, scope, member, Guid.Empty, Guid.Empty, now).Refusal is { } refused) return refused;
        var request = current.Aggregate!;

        await ClaimTurns.TakeAsync(session, command.VolunteerId, cancellation);
        var (starts, ends) = (request.StartsAtUnixMs, request.EndsAtUnixMs);
        var overlaps = session.CreateBatchQuery();
        // Found through the claimants' index alone, without a LIMIT (under "first match" PostgreSQL expects to stop early
        // and scans every request ever published when, as usual, none overlaps) and without a lower bound on the start
        // (the prepared statement's generic plan then adds the start index's range: every request of the last month).
        var otherClaims = overlaps.Query<ServiceRequest>()
            .Where(r => r.MatchesSql(ServiceRequestsSetup.ClaimedBySql, new[] { command.VolunteerId }) && r.Id != command.RequestId
                        && r.StartsAtUnixMs < ends && r.EndsAtUnixMs > starts)
            .Select(r => r.Id).ToList();
        var credited = overlaps.Query(CreditedOverlapping.Period(command.VolunteerId, request.StartsAt, request.EndsAt));
        await overlaps.Execute(cancellation);

        var decision = Decide(command, caller, request, scope, member, (await otherClaims).FirstOrDefault(),
            (await credited).FirstOrDefault()?.Id ?? Guid.Empty, now);
        if (decision.Refusal is { } refusal) return refusal;
        current.AppendOne(decision.Events);
        return Outcome.New(ServiceRequestView.Of(request.Apply(decision.Events)));
    }

    /// <summary>
    /// One slot for the volunteer, unless the request is unknown or over, its slots are taken, the volunteer already holds
    /// one, another claim (<paramref name="otherClaim"/>) or a credited service (<paramref name="creditedService"/>)
    /// overlaps its window, or the caller does not act for the volunteer.
    /// </summary>
    public static Decision<ServiceRequestClaimed> Decide(ClaimServiceRequest command, Caller caller, ServiceRequest? request, PersonScope volunteer,
        Organisation? organisation, Guid otherClaim, Guid creditedService, Instant now)
    {
        if (request is null) return new NotFound("Service request", command.RequestId.ToString());
        var unknown = new Dictionary<string, string[]>();
        if (!volunteer.Exists) unknown["volunteerId"] = [$"No volunteer has id {command.VolunteerId}."];
        if (command.OrganisationId is { } org && organisation?.MemberOf(command.VolunteerId) is null)
            unknown["organisationId"] = [$"The volunteer is not a member of organisation {org}."];
        if (unknown.Count > 0) return new UnknownReferences("The claim names a volunteer or organisation that cannot claim it.", "volunteerId must be a registered volunteer, a member of organisationId if given.", unknown);
        if (Scopes.MayActFor(caller, command.VolunteerId, volunteer) is { } notPermitted) return notPermitted;
        if (now >= request.EndsAt) return new WindowOver(request.Id, request.EndsAt);
        if (request.Claims.Any(c => c.VolunteerId == command.VolunteerId)) return new AlreadyClaimed(request.Id, command.VolunteerId);
        if (request.FreeSlots <= 0) return new SlotsTaken(request.Id, request.Slots);
        if (otherClaim != Guid.Empty) return new OverlappingClaim(otherClaim);
        if (creditedService != Guid.Empty) return new OverlappingService(creditedService);
        return new ServiceRequestClaimed(request.Id, command.VolunteerId, command.OrganisationId, caller.KeyId, now);
    }
}

public static class WithdrawClaimHandler
{
    public static async Task<Outcome> Handle(WithdrawClaim command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var stream = batch.Events.FetchForWriting<ServiceRequest>(command.RequestId);
        var volunteer = PersonScope.ReadVolunteerAsync(batch, command.VolunteerId, caller.KeyId);
        await batch.Execute();
        var current = await stream;

        var decision = Decide(command, caller, current.Aggregate, await volunteer, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        current.AppendOne(decision.Events);
        return Outcome.Existing(ServiceRequestView.Of(current.Aggregate!.Apply(decision.Events)));
    }

    public static Decision<ClaimWithdrawn> Decide(WithdrawClaim command, Caller caller, ServiceRequest? request, PersonScope volunteer, Instant now)
    {
        if (request is null) return new NotFound("Service request", command.RequestId.ToString());
        if (request.Claims.All(c => c.VolunteerId != command.VolunteerId)) return new NotFound("Claim", $"{command.RequestId}/{command.VolunteerId}");
        if (Scopes.MayActFor(caller, command.VolunteerId, volunteer) is { } notPermitted) return notPermitted;
        if (now >= request.StartsAt) return new WindowStarted(request.Id, request.StartsAt);
        return new ClaimWithdrawn(request.Id, command.VolunteerId, caller.KeyId, now);
    }
}

/// <summary>
/// A volunteer's claims take turns, on every node: a claim's overlap check reads the claims on other requests, which the
/// claimed request's version check does not cover, so two overlapping claims at once would both pass it. The turn is a
/// transaction-scoped advisory lock taken before those reads; the claim commits, and so releases it, in that transaction.
/// </summary>
public static class ClaimTurns
{
    // The two-key form keeps these apart from the one-key locks that Wolverine, Marten and the hash chain take.
    private const int ClaimsOfAVolunteer = 0x434C4D53;

    public static Task TakeAsync(IDocumentSession session, Guid volunteerId, CancellationToken cancellation) =>
        session.HoldUntilCommitAsync(new NpgsqlCommand("select pg_advisory_xact_lock($1, $2)")
        {
            Parameters = { new() { Value = ClaimsOfAVolunteer }, new() { Value = KeyOf(volunteerId) } }
        }, cancellation);

    /// <summary>The same on every node (unlike a string's hash code); two volunteers sharing one only take turns together.</summary>
    public static int KeyOf(Guid volunteerId)
    {
        Span<byte> bytes = stackalloc byte[16];
        volunteerId.TryWriteBytes(bytes);
        return BitConverter.ToInt32(bytes[..4]) ^ BitConverter.ToInt32(bytes[4..8]) ^ BitConverter.ToInt32(bytes[8..12]) ^ BitConverter.ToInt32(bytes[12..]);
    }
}
