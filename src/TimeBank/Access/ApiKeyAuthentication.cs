using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Marten;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using TimeBank.Hosting;

namespace TimeBank.Access;

public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string KeyIdClaim = "timebank:key-id";
    public const string MarketIdClaim = "timebank:market-id";
    public const string BootstrapAdminKeyId = "bootstrap-admin";

    public static Caller Caller(this ClaimsPrincipal user) => new(
        user.FindFirstValue(KeyIdClaim) ?? throw new InvalidOperationException("The request is not authenticated."),
        user.Identity?.Name ?? "",
        user.FindFirstValue(ClaimTypes.Role) ?? "",
        Guid.TryParse(user.FindFirstValue(MarketIdClaim), out var market) ? market : null);

    public static Caller Caller(this HttpContext context) => context.User.Caller();
}

/// <summary>Resolves keys once per process: keys are immutable, so a positive lookup can be cached.</summary>
public sealed class ApiKeyDirectory(IDocumentStore store, IConfiguration configuration)
{
    private readonly ConcurrentDictionary<string, Caller> _known = new();
    private readonly string? _bootstrapAdminHash =
        string.IsNullOrWhiteSpace(configuration["TIMEBANK_ADMIN_KEY"]) ? null : ApiKey.Hash(configuration["TIMEBANK_ADMIN_KEY"]!);

    public async ValueTask<Caller?> FindAsync(string secret, CancellationToken cancellation)
    {
        var hash = ApiKey.Hash(secret);
        if (_known.TryGetValue(hash, out var cached)) return cached;

        if (hash == _bootstrapAdminHash)
        {
            return _known[hash] = new Caller(ApiKeyAuthentication.BootstrapAdminKeyId, "TIMEBANK_ADMIN_KEY", Roles.Admin);
        }

        await using var session = store.QuerySession();
        var key = await session.Query<ApiKey>().FirstOrDefaultAsync(k => k.KeyHash == hash, cancellation);
        if (key is null) return null;
        return _known[hash] = new Caller(key.Id.ToString(), key.Name, key.Role, key.MarketId);
    }
}

public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    ApiKeyDirectory directory,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyAuthentication.Header, out var values) || string.IsNullOrWhiteSpace(values))
        {
            return AuthenticateResult.NoResult();
        }

        var caller = await directory.FindAsync(values.ToString(), Context.RequestAborted);
        if (caller is null) return AuthenticateResult.Fail("Unknown API key.");

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, caller.Name),
            new Claim(ClaimTypes.Role, caller.Role),
            new Claim(ApiKeyAuthentication.KeyIdClaim, caller.KeyId)
        ], ApiKeyAuthentication.Scheme);
        if (caller.MarketId is { } market) identity.AddClaim(new Claim(ApiKeyAuthentication.MarketIdClaim, market.ToString()));
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiKeyAuthentication.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblem(StatusCodes.Status401Unauthorized, Problems.Types.Unauthorized,
            "A valid API key is required.",
            $"Send an issued key in the {ApiKeyAuthentication.Header} header.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblem(StatusCodes.Status403Forbidden, Problems.Types.Forbidden,
            "This API key's role may not do that.",
            $"The key's role '{Context.User.FindFirstValue(ClaimTypes.Role)}' is not allowed on {Request.Method} {Request.Path}.");

    private async Task WriteProblem(int status, string type, string title, string detail)
    {
        Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = status, Type = type, Title = title, Detail = detail }
        });
    }
}
