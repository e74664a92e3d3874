using System.ComponentModel.DataAnnotations;
using TimeBank.People;
using TimeBank.People.Granting;

namespace TimeBank.Organisations.Joining;

/// <param name="VolunteerId">The volunteer who joins (a student may belong to a school and a team at once).</param>
/// <param name="Role">member or leader.</param>
public sealed record AddMemberRequest([property: Required] string? VolunteerId, [property: Required] [property: OneOf<MemberRole>] string? Role);

public sealed record AddMember(Guid OrganisationId, Guid VolunteerId, MemberRole Role);

public sealed record RemoveMember(Guid OrganisationId, Guid VolunteerId);

public static class AddMemberEndpoint
{
    public static ProblemDetails Validate(AddMemberRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Guid.TryParse(request.VolunteerId, out _)) errors["volunteerId"] = ["volunteerId is a registered volunteer's id."];
        PersonFields.OneOf<MemberRole>(errors, "role", request.Role);
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Adds a volunteer to an organisation, or changes their role in it (admin; a platform for volunteers it acts for).
    /// Adding a member again with the same role answers the organisation unchanged.
    /// </summary>
    [WolverinePost("/api/organisations/{id}/members", OperationId = "AddOrganisationMember")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<OrganisationView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, AddMemberRequest request, IMessageBus bus, HttpContext context)
    {
        PersonFields.TryParse<MemberRole>(request.Role, out var role);
        var outcome = await bus.InvokeForRequestAsync(new AddMember(id, Guid.Parse(request.VolunteerId!), role), context, id);
        return outcome.ToResult<OrganisationView>();
    }
}

public static class RemoveMemberEndpoint
{
    /// <summary>Removes a volunteer from an organisation (admin; a platform for volunteers it acts for); removing a non-member is a 404.</summary>
    [WolverineDelete("/api/organisations/{id}/members/{volunteerId}", OperationId = "RemoveOrganisationMember")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<OrganisationView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Delete(Guid id, Guid volunteerId, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new RemoveMember(id, volunteerId), context, id)).ToResult<OrganisationView>();
}

public static class AddMemberHandler
{
    public static async Task<Outcome> Handle(AddMember command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var stream = batch.Events.FetchForWriting<Organisation>(command.OrganisationId);
        var volunteer = PersonScope.ReadVolunteerAsync(batch, command.VolunteerId, caller.KeyId);
        var rating = batch.Load<ServiceRecords.Rating.OrganisationRating>(command.OrganisationId);
        await batch.Execute();
        var organisation = await stream;

        var decision = Decide(command, caller, organisation.Aggregate, await volunteer, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        if (decision.Events is not { } joined) return Outcome.Existing(OrganisationView.Of(organisation.Aggregate!, await rating));
        organisation.AppendOne(joined);
        return Outcome.Existing(OrganisationView.Of(organisation.Aggregate!.Apply(joined), await rating));
    }

    /// <summary>The volunteer joins (or takes the new role); nothing when they already hold that role.</summary>
    public static Decision<MemberJoined?> Decide(AddMember command, Caller caller, Organisation? organisation, PersonScope volunteer, Instant now)
    {
        if (organisation is null) return new NotFound("Organisation", command.OrganisationId.ToString());
        if (!volunteer.Exists)
        {
            return new UnknownReferences("The member must be a registered volunteer.", $"No volunteer has id {command.VolunteerId}.",
                new Dictionary<string, string[]> { ["volunteerId"] = ["Unknown volunteer."] });
        }
        if (Scopes.MayActFor(caller, command.VolunteerId, volunteer) is { } notPermitted) return notPermitted;
        if (organisation.MemberOf(command.VolunteerId)?.Role == command.Role) return (MemberJoined?)null;
        return new MemberJoined(command.OrganisationId, command.VolunteerId, command.Role, caller.KeyId, now);
    }
}

public static class RemoveMemberHandler
{
    public static async Task<Outcome> Handle(RemoveMember command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var stream = batch.Events.FetchForWriting<Organisation>(command.OrganisationId);
        var scope = PersonScope.ReadVolunteerAsync(batch, command.VolunteerId, caller.KeyId);
        var rating = batch.Load<ServiceRecords.Rating.OrganisationRating>(command.OrganisationId);
        await batch.Execute();
        var organisation = await stream;

        var decision = Decide(command, caller, organisation.Aggregate, await scope, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        organisation.AppendOne(decision.Events);
        return Outcome.Existing(OrganisationView.Of(organisation.Aggregate!.Apply(decision.Events), await rating));
    }

    public static Decision<MemberLeft> Decide(RemoveMember command, Caller caller, Organisation? organisation, PersonScope volunteer, Instant now)
    {
        if (organisation is null) return new NotFound("Organisation", command.OrganisationId.ToString());
        if (organisation.MemberOf(command.VolunteerId) is null) return new NotFound("Member", $"{command.OrganisationId}/{command.VolunteerId}");
        if (Scopes.MayActFor(caller, command.VolunteerId, volunteer) is { } notPermitted) return notPermitted;
        return new MemberLeft(command.OrganisationId, command.VolunteerId, caller.KeyId, now);
    }
}
