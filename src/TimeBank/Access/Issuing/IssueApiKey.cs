using System.ComponentModel.DataAnnotations;
using TimeBank.Markets;
using TimeBank.People;

namespace TimeBank.Access.Issuing;

/// <summary>
/// role: admin, platform, kiosk, auditor, reviewer, care-worker or coordinator. marketId: required for a kiosk key, the love
/// market whose counter it serves; a kiosk key acts on no other market. districts: for a care-worker or coordinator key, the
/// districts (区) it serves (1 to 20), and it acts in no other. organisationId: for a school key, the school (an organisation
/// of kind school) whose practice records it reads. expiresAt: when the key stops working (optional; within ten years).
/// </summary>
public sealed record IssueApiKeyRequest([property: Required] string? Name, [property: Required] [property: RoleName] string? Role, Guid? MarketId = null,
    Instant? ExpiresAt = null, string?[]? Districts = null, Guid? OrganisationId = null);

public sealed record IssueApiKey(Guid Id, string Name, string Role, string KeyHash, Guid? MarketId, Instant? ExpiresAt, IReadOnlyList<string> Districts,
    Guid? OrganisationId = null);

/// <summary>The only response that ever shows the key itself.</summary>
public sealed record IssuedApiKey(Guid Id, string Name, string Role, string Key, Guid? MarketId = null, Instant? ExpiresAt = null,
    IReadOnlyList<string>? Districts = null)
{
    public Guid? OrganisationId { get; init; }
}

/// <summary>The calling key: who it is, its role, and for a kiosk key the market it serves.</summary>
public sealed record CurrentApiKey(string Id, string Name, string Role, Guid? MarketId);

public static class IssueApiKeyEndpoint
{
    public static readonly Duration LongestLife = Duration.FromDays(3653);

    public static ProblemDetails Validate(IssueApiKeyRequest request, IClock clock)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100)
            errors["name"] = ["A name of 1 to 100 characters is required."];
        if (request.Role is null || !Roles.All.Contains(request.Role))
            errors["role"] = [$"Role must be one of: {string.Join(", ", Roles.All)}."];
        if ((request.MarketId is not null) != (request.Role == Roles.Kiosk))
            errors["marketId"] = ["A kiosk key names the market whose counter it serves (marketId), and only a kiosk key does."];
        CheckDistricts(errors, request.Role, request.Districts);
        if ((request.OrganisationId is not null) != (request.Role == Roles.School))
            errors["organisationId"] = ["A school key names its school (organisationId), and only a school key does."];
        var now = clock.GetCurrentInstant();
        if (request.ExpiresAt is { } expires && (expires <= now || expires > now + LongestLife))
            errors["expiresAt"] = ["expiresAt must be in the future and at most ten years away."];
        return Problems.Validate(errors);
    }

    public const int MaxDistricts = 20;

    private static void CheckDistricts(Dictionary<string, string[]> errors, string? role, string?[]? districts)
    {
        var scoped = Roles.DistrictScoped.Contains(role);
        if (!scoped)
        {
            if (districts is { Length: > 0 }) errors["districts"] = ["Only a care-worker or coordinator key is scoped to districts."];
            return;
        }
        if (districts is not { Length: > 0 and <= MaxDistricts })
        {
            errors["districts"] = [$"A {role} key names the districts (区) it serves: 1 to {MaxDistricts}."];
            return;
        }
        for (var i = 0; i < districts.Length; i++)
        {
            var district = districts[i]?.Trim();
            if (string.IsNullOrEmpty(district) || district.Length > PersonFields.MaxAddressPartLength || district.Any(char.IsControl))
                errors[$"districts[{i}]"] = [$"A district name of 1 to {PersonFields.MaxAddressPartLength} characters is required."];
        }
    }

    /// <summary>Issues an API key (admin). The key is returned once and stored only as a hash.</summary>
    [WolverinePost("/api/api-keys", OperationId = "IssueApiKey")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<IssuedApiKey>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(IssueApiKeyRequest request, IMessageBus bus, HttpContext context)
    {
        var secret = ApiKey.NewSecret();
        var command = new IssueApiKey(Guid.CreateVersion7(), request.Name!.Trim(), request.Role!, ApiKey.Hash(secret), request.MarketId, request.ExpiresAt,
            request.Districts?.Select(d => d!.Trim()).Distinct().ToList() ?? [], request.OrganisationId);
        var outcome = await bus.InvokeForRequestAsync(command, context);
        if (outcome.Refusal is { } refusal) return Problems.For(refusal).ToResult();
        var key = outcome.As<ApiKey>();
        return Results.Created($"/api/api-keys/{key.Id}",
            new IssuedApiKey(key.Id, key.Name, key.Role, secret, key.MarketId, key.ExpiresAt, key.Districts) { OrganisationId = key.OrganisationId });
    }
}

public static class IssueApiKeyHandler
{
    public static async Task<Outcome> Handle(IssueApiKey command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var market = command.MarketId is { } marketId ? await session.LoadAsync<Market>(marketId) : null;
        var school = command.OrganisationId is { } organisationId ? await session.LoadAsync<Organisations.Organisation>(organisationId) : null;
        var decision = Decide(command, market, school, Scopes.CallerOf(envelope).KeyId, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        session.Insert(decision.Events);
        return Outcome.New(decision.Events);
    }

    public static Decision<ApiKey> Decide(IssueApiKey command, Market? market, Organisations.Organisation? school, string issuedBy, Instant now)
    {
        if (command.OrganisationId is { } organisationId && school?.Kind != Organisations.OrganisationKind.School)
        {
            return new UnknownReferences("The key names no school.", $"Organisation {organisationId} is not a registered school.",
                new Dictionary<string, string[]> { ["organisationId"] = ["Not a registered organisation of kind school."] });
        }
        if (command.MarketId is { } marketId && market is null)
        {
            return new UnknownReferences("The key names a market that does not exist.", $"No market has id {marketId}.",
                new Dictionary<string, string[]> { ["marketId"] = ["Unknown market."] });
        }
        return new ApiKey(command.Id, command.Name, command.Role, command.KeyHash, now, issuedBy, command.MarketId) { ExpiresAt = command.ExpiresAt, Districts = command.Districts, OrganisationId = command.OrganisationId };
    }
}

public static class CurrentApiKeyEndpoint
{
    /// <summary>The calling key's id, name, role and (for a kiosk key) market: what a kiosk page needs to find its market.</summary>
    [WolverineGet("/api/api-keys/current", OperationId = "GetCurrentApiKey")]
    [Authorize(Roles = Roles.Anyone)]
    [ProducesResponseType<CurrentApiKey>(StatusCodes.Status200OK)]
    public static CurrentApiKey Current(HttpContext context)
    {
        var caller = context.Caller();
        return new CurrentApiKey(caller.KeyId, caller.Name, caller.Role, caller.MarketId);
    }
}
