using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using TimeBank.Hosting;
using TimeBank.Markets;
using Wolverine.Http;

namespace TimeBank.Access.Issuing;

/// <summary>marketId: for a kiosk key, the love market it serves; a kiosk key acts on no other market.</summary>
public sealed record IssueApiKey(string? Name, string? Role, Guid? MarketId = null);

/// <summary>The only response that ever shows the key itself.</summary>
public sealed record IssuedApiKey(Guid Id, string Name, string Role, string Key, Guid? MarketId = null);

/// <summary>The calling key: who it is, its role, and for a kiosk key the market it serves.</summary>
public sealed record CurrentApiKey(string Id, string Name, string Role, Guid? MarketId);

public static class IssueApiKeyEndpoint
{
    public static ProblemDetails Validate(IssueApiKey command)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Length > 100)
            errors["name"] = ["A name of 1 to 100 characters is required."];
        if (command.Role is null || !Roles.All.Contains(command.Role))
            errors["role"] = [$"Role must be one of: {string.Join(", ", Roles.All)}."];
        if (command.MarketId is not null && command.Role != Roles.Kiosk)
            errors["marketId"] = ["Only a kiosk key is scoped to a market."];
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Validation(errors);
    }

    /// <summary>Issues an API key (admin). The key is returned once and stored only as a hash.</summary>
    [WolverinePost("/api/api-keys", OperationId = "IssueApiKey")]
    [Authorize(Roles = Roles.Admin)]
    [Tags("Access")]
    [ProducesResponseType<IssuedApiKey>(StatusCodes.Status201Created)]
    [ProducesResponseType<HttpValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Post(IssueApiKey command, IDocumentSession session, IClock clock, HttpContext context)
    {
        if (command.MarketId is { } marketId && await session.LoadAsync<Market>(marketId, context.RequestAborted) is null)
        {
            return Problems.Refusal(Problems.Types.UnknownReference, StatusCodes.Status422UnprocessableEntity,
                "The key names a market that does not exist.", $"No market has id {marketId}.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["marketId"] = ["Unknown market."] } }).ToResult();
        }

        var secret = ApiKey.NewSecret();
        var key = new ApiKey(Guid.CreateVersion7(), command.Name!.Trim(), command.Role!, ApiKey.Hash(secret),
            clock.GetCurrentInstant(), context.Caller().KeyId, command.MarketId);
        session.Insert(key);
        return Results.Created($"/api/api-keys/{key.Id}", new IssuedApiKey(key.Id, key.Name, key.Role, secret, key.MarketId));
    }
}

public static class CurrentApiKeyEndpoint
{
    /// <summary>The calling key's id, name, role and (for a kiosk key) market: what a kiosk page needs to find its market.</summary>
    [WolverineGet("/api/api-keys/current", OperationId = "GetCurrentApiKey")]
    [Authorize(Roles = Roles.Anyone)]
    [Tags("Access")]
    [ProducesResponseType<CurrentApiKey>(StatusCodes.Status200OK)]
    public static CurrentApiKey Current(HttpContext context)
    {
        var caller = context.Caller();
        return new CurrentApiKey(caller.KeyId, caller.Name, caller.Role, caller.MarketId);
    }
}
