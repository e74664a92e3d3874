using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace TimeBank.Access;

public static class ApiKeyAuthentication
{
    public const string Scheme = "ApiKey";
    public const string Header = "X-Api-Key";
    public const string KeyIdClaim = "timebank:key-id";
    public const string MarketIdClaim = "timebank:market-id";
    public const string DistrictClaim = "timebank:district";
    public const string OrganisationIdClaim = "timebank:organisation-id";
    public const string BootstrapAdminKeyId = "bootstrap-admin";

    public static Caller Caller(this ClaimsPrincipal user) =>
        user.CallerIfAny() ?? throw new InvalidOperationException("The request is not authenticated.");

    /// <summary>The caller of a request that may carry no valid key (before authorisation, or on an anonymous path).</summary>
    public static Caller? CallerIfAny(this ClaimsPrincipal user) => (user as CallerPrincipal)?.Caller;

    public static Caller Caller(this HttpContext context) => context.User.Caller();
}

/// <summary>
/// An authenticated key as ASP.NET Core sees it (name, role and scope claims) with the <see cref="Access.Caller"/> it was
/// built from. Built once when the key is looked up and shared by that key's requests: nothing changes a principal.
/// </summary>
public sealed class CallerPrincipal : ClaimsPrincipal
{
    public CallerPrincipal(Caller caller) : base(IdentityOf(caller)) => Caller = caller;

    public Caller Caller { get; }

    private static ClaimsIdentity IdentityOf(Caller caller)
    {
        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, caller.Name),
            new Claim(ClaimTypes.Role, caller.Role),
            new Claim(ApiKeyAuthentication.KeyIdClaim, caller.KeyId)
        ], ApiKeyAuthentication.Scheme);
        if (caller.MarketId is { } market) identity.AddClaim(new Claim(ApiKeyAuthentication.MarketIdClaim, market.ToString()));
        foreach (var district in caller.Districts) identity.AddClaim(new Claim(ApiKeyAuthentication.DistrictClaim, district));
        if (caller.OrganisationId is { } organisation) identity.AddClaim(new Claim(ApiKeyAuthentication.OrganisationIdClaim, organisation.ToString()));
        return identity;
    }
}

/// <summary>
/// Resolves keys. A key looked up is kept for <see cref="KeptFor"/>, so a revocation on any node takes effect on
/// every node within that time (at once on the node that revoked it); an expiry takes effect at the instant.
/// </summary>
public sealed class ApiKeyDirectory(IDocumentStore store, IConfiguration configuration, IClock clock)
{
    public static readonly Duration KeptFor = Duration.FromSeconds(5);

    private sealed record Known(ApiKey Key, CallerPrincipal Principal, Instant LookedUpAt);

    private readonly ConcurrentDictionary<string, Known> _known = new();
    private readonly CallerPrincipal? _bootstrapAdmin =
        string.IsNullOrWhiteSpace(configuration["TIMEBANK_ADMIN_KEY"]) ? null
            : new CallerPrincipal(new Caller(ApiKeyAuthentication.BootstrapAdminKeyId, "TIMEBANK_ADMIN_KEY", Roles.Admin));
    private readonly string? _bootstrapAdminHash =
        string.IsNullOrWhiteSpace(configuration["TIMEBANK_ADMIN_KEY"]) ? null : ApiKey.Hash(configuration["TIMEBANK_ADMIN_KEY"]!);

    public async ValueTask<CallerPrincipal?> FindAsync(string secret, CancellationToken cancellation)
    {
        var hash = ApiKey.Hash(secret);
        if (hash == _bootstrapAdminHash) return _bootstrapAdmin;

        var now = clock.GetCurrentInstant();
        if (!_known.TryGetValue(hash, out var known) || now - known.LookedUpAt > KeptFor)
        {
            await using var session = store.QuerySession();
            var key = await session.Query<ApiKey>().FirstOrDefaultAsync(k => k.KeyHash == hash, cancellation);
            if (key is null)
            {
                _known.TryRemove(hash, out _);
                return null;
            }
            var caller = new Caller(key.Id.ToString(), key.Name, key.Role, key.MarketId) { Districts = key.Districts, OrganisationId = key.OrganisationId };
            known = _known[hash] = new Known(key, new CallerPrincipal(caller), now);
        }
        return known.Key.WorksAt(now) ? known.Principal : null;
    }

    /// <summary>Drops what this node keeps of a key, so its revocation takes effect here at once.</summary>
    public void Forget(Guid keyId)
    {
        foreach (var (hash, known) in _known)
        {
            if (known.Key.Id == keyId) _known.TryRemove(hash, out _);
        }
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
        // Probes (health, metrics) and public pages answer without a caller, so a key sent to them is not looked up: a
        // database outage must not turn liveness into a 503.
        if (Context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is not null) return AuthenticateResult.NoResult();
        if (!Request.Headers.TryGetValue(ApiKeyAuthentication.Header, out var values) || string.IsNullOrWhiteSpace(values))
        {
            return AuthenticateResult.NoResult();
        }

        var principal = await directory.FindAsync(values.ToString(), Context.RequestAborted);
        return principal is null
            ? AuthenticateResult.Fail("Unknown API key.")
            : AuthenticateResult.Success(new AuthenticationTicket(principal, ApiKeyAuthentication.Scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"{ApiKeyAuthentication.Scheme} header=\"{ApiKeyAuthentication.Header}\"";
        return WriteProblem(StatusCodes.Status401Unauthorized, Problems.Types.Unauthorized,
            "A valid API key is required.",
            $"Send an issued key in the {ApiKeyAuthentication.Header} header.");
    }

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
