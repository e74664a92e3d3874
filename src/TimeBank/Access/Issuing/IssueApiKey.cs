using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using TimeBank.Hosting;
using Wolverine.Http;

namespace TimeBank.Access.Issuing;

public sealed record IssueApiKey(string? Name, string? Role);

/// <summary>The only response that ever shows the key itself.</summary>
public sealed record IssuedApiKey(Guid Id, string Name, string Role, string Key);

public static class IssueApiKeyEndpoint
{
    public static ProblemDetails Validate(IssueApiKey command)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(command.Name) || command.Name.Length > 100)
            errors["name"] = ["A name of 1 to 100 characters is required."];
        if (command.Role is null || !Roles.All.Contains(command.Role))
            errors["role"] = [$"Role must be one of: {string.Join(", ", Roles.All)}."];
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Validation(errors);
    }

    /// <summary>Issues an API key (admin). The key is returned once and stored only as a hash.</summary>
    [WolverinePost("/api/api-keys", OperationId = "IssueApiKey")]
    [Authorize(Roles = Roles.Admin)]
    [Tags("Access")]
    [ProducesResponseType<IssuedApiKey>(StatusCodes.Status201Created)]
    [ProducesResponseType<HttpValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    public static IResult Post(IssueApiKey command, IDocumentSession session, IClock clock, HttpContext context)
    {
        var secret = ApiKey.NewSecret();
        var key = new ApiKey(Guid.CreateVersion7(), command.Name!.Trim(), command.Role!, ApiKey.Hash(secret),
            clock.GetCurrentInstant(), context.Caller().KeyId);
        session.Insert(key);
        return Results.Created($"/api/api-keys/{key.Id}", new IssuedApiKey(key.Id, key.Name, key.Role, secret));
    }
}
