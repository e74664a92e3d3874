namespace TimeBank.Access.Revoking;

public sealed record RevokeApiKey(Guid KeyId);

public static class RevokeApiKeyEndpoint
{
    /// <summary>
    /// Revokes a key (admin): it stops working at once on this node and within seconds on every other. Revoking a
    /// revoked key again returns it unchanged.
    /// </summary>
    [WolverineDelete("/api/api-keys/{id}", OperationId = "RevokeApiKey")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<ApiKeyView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Delete(Guid id, IMessageBus bus, HttpContext context, ApiKeyDirectory directory)
    {
        var outcome = await bus.InvokeForRequestAsync(new RevokeApiKey(id), context);
        directory.Forget(id);
        return outcome.ToResult<ApiKeyView>();
    }
}

public static class RevokeApiKeyHandler
{
    public static async Task<Outcome> Handle(RevokeApiKey command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var key = await session.LoadAsync<ApiKey>(command.KeyId);
        if (key is null) return new NotFound("API key", command.KeyId.ToString());

        var now = clock.GetCurrentInstant();
        var revoked = Decide(key, Scopes.CallerOf(envelope).KeyId, now);
        if (revoked != key) session.Update(revoked);
        return Outcome.Existing(ApiKeyView.Of(revoked, now));
    }

    /// <summary>The key revoked now, or as it is when it was revoked before.</summary>
    public static ApiKey Decide(ApiKey key, string revokedBy, Instant now) =>
        key.RevokedAt is null ? key with { RevokedAt = now, RevokedBy = revokedBy } : key;
}
