using System.ComponentModel.DataAnnotations;
using TimeBank.Access;

namespace TimeBank.People.Granting;

/// <param name="ApiKeyId">The id of the platform key to let act for the person (GET /api/api-keys lists keys).</param>
public sealed record GrantAccessRequest([property: Required] string? ApiKeyId);

public sealed record GrantAccess(Guid PersonId, Guid ApiKeyId);

public sealed record RevokeAccess(Guid PersonId, Guid ApiKeyId);

public static class GrantAccessEndpoint
{
    public static ProblemDetails Validate(GrantAccessRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Guid.TryParse(request.ApiKeyId, out _)) errors["apiKeyId"] = ["apiKeyId is the id of a platform key."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Lets another platform act for a person: read them, their account and statement, credit and debit their minutes.
    /// By the platform that registered the person, or an admin. Granting an active grant again answers it unchanged.
    /// </summary>
    [WolverinePost("/api/people/{id}/grants", OperationId = "GrantAccess")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<AccessGrantView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, GrantAccessRequest request, IMessageBus bus, HttpContext context)
    {
        var outcome = await bus.InvokeForRequestAsync(new GrantAccess(id, Guid.Parse(request.ApiKeyId!)), context);
        return outcome.ToResult<AccessGrantView>(g => $"/api/people/{g.PersonId}/grants");
    }
}

public static class RevokeAccessEndpoint
{
    /// <summary>Withdraws a grant: the platform at once stops reading or moving anything of the person's. By the registering platform or an admin.</summary>
    [WolverineDelete("/api/people/{id}/grants/{apiKeyId}", OperationId = "RevokeAccess")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<AccessGrantView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Delete(Guid id, Guid apiKeyId, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new RevokeAccess(id, apiKeyId), context)).ToResult<AccessGrantView>();
}

public static class ListAccessGrantsEndpoint
{
    /// <summary>The grants of a person, active and revoked (admin, auditor, the registering platform).</summary>
    [WolverineGet("/api/people/{id}/grants", OperationId = "ListAccessGrants")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<IReadOnlyList<AccessGrantView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, HttpContext context, CancellationToken cancellation)
    {
        var caller = context.Caller();
        var scope = await PersonScope.ReadAsync(session, id, caller.KeyId, cancellation);
        if (!scope.Exists) return Problems.NotFound("Person", id).ToResult();
        if (caller.Role == Roles.Platform && scope.RegisteredBy != caller.KeyId)
            return Problems.For(new NotPermitted("Only the platform that registered a person, an admin or an auditor sees their grants.",
                $"Person {id} was registered by another platform.")).ToResult();
        var grants = await session.Query<AccessGrant>().Where(g => g.PersonId == id).OrderBy(g => g.GrantedAt).ToListAsync(cancellation);
        return Results.Ok(grants.Select(AccessGrantView.Of).ToList());
    }
}

public static class GrantAccessHandler
{
    public static async Task<Outcome> Handle(GrantAccess command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var scope = PersonScope.ReadAsync(batch, command.PersonId, caller.KeyId);
        var key = batch.Load<ApiKey>(command.ApiKeyId);
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.PersonId, command.ApiKeyId.ToString()));
        await batch.Execute();

        var decision = Decide(command, caller, await scope, await key, await grant, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        if (decision.Events is not { } granted) return Outcome.Existing(AccessGrantView.Of((await grant)!));
        var id = AccessGrant.IdFor(command.PersonId, granted.ApiKeyId);
        if (await grant is null) session.Events.StartStream<AccessGrant>(id, granted);
        else session.Events.Append(id, granted);
        return Outcome.New(AccessGrantView.Of(new AccessGrant { Id = id }.Apply(granted)));
    }

    /// <summary>The grant, or nothing when it is active already; refused for an unknown person or key, or a caller who may not grant.</summary>
    public static Decision<AccessGranted?> Decide(GrantAccess command, Caller caller, PersonScope person, ApiKey? key, AccessGrant? grant, Instant now)
    {
        if (!person.Exists) return new NotFound("Person", command.PersonId.ToString());
        if (caller.Role != Roles.Admin && person.RegisteredBy != caller.KeyId)
            return new NotPermitted("Only the platform that registered a person, or an admin, may grant access to them.",
                $"Person {command.PersonId} was registered by another platform.");
        if (key is null || key.Role != Roles.Platform || !key.WorksAt(now) || key.Id.ToString() == person.RegisteredBy)
        {
            return new UnknownReferences("Access is granted to another live platform key.", "apiKeyId must name a platform key that is not revoked and did not register the person.",
                new Dictionary<string, string[]> { ["apiKeyId"] = [$"{command.ApiKeyId} is not another live platform key."] });
        }
        if (grant is { Active: true }) return (AccessGranted?)null;
        return new AccessGranted(command.PersonId, key.Id.ToString(), caller.KeyId, now);
    }
}

public static class RevokeAccessHandler
{
    public static async Task<Outcome> Handle(RevokeAccess command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var scope = PersonScope.ReadAsync(batch, command.PersonId, caller.KeyId);
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.PersonId, command.ApiKeyId.ToString()));
        await batch.Execute();

        var existing = await grant;
        var decision = Decide(command, caller, await scope, existing, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        if (decision.Events is not { } revoked) return Outcome.Existing(AccessGrantView.Of(existing!));
        session.Events.Append(existing!.Id, revoked);
        return Outcome.Existing(AccessGrantView.Of(existing.Apply(revoked)));
    }

    /// <summary>The revocation, or nothing when the grant is revoked already.</summary>
    public static Decision<AccessRevoked?> Decide(RevokeAccess command, Caller caller, PersonScope person, AccessGrant? grant, Instant now)
    {
        if (!person.Exists) return new NotFound("Person", command.PersonId.ToString());
        if (caller.Role != Roles.Admin && person.RegisteredBy != caller.KeyId)
            return new NotPermitted("Only the platform that registered a person, or an admin, may revoke access to them.",
                $"Person {command.PersonId} was registered by another platform.");
        if (grant is null) return new NotFound("Access grant", $"{command.PersonId}/{command.ApiKeyId}");
        if (!grant.Active) return (AccessRevoked?)null;
        return new AccessRevoked(command.PersonId, grant.ApiKeyId, caller.KeyId, now);
    }
}
