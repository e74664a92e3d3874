using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace TimeBank.Hosting;

public sealed class RateLimitOptions
{
    public const string Section = "TimeBank:RateLimit";

    /// <summary>Requests per second each API key may make on average; 0 turns the limit off.</summary>
    public int PermitsPerSecond { get; set; } = 5_000;

    /// <summary>How many requests a key may make at once above its average.</summary>
    public int Burst { get; set; } = 10_000;

    /// <summary>Requests per second from one address without a valid key (guessing keys is slow).</summary>
    public int AnonymousPermitsPerSecond { get; set; } = 20;

    public IEnumerable<string> Problems() => Settings.Found(
        Settings.Between($"{Section}:PermitsPerSecond", PermitsPerSecond, 0, 1_000_000),
        Settings.Between($"{Section}:Burst", Burst, 1, 10_000_000),
        Settings.Between($"{Section}:AnonymousPermitsPerSecond", AnonymousPermitsPerSecond, 1, 1_000_000));

    public static RateLimitOptions From(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
}

/// <summary>
/// A token bucket per API key (and per address for calls without a valid key) on /api: past it, a 429 problem with
/// Retry-After. Runs after authentication so a key is known.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddTimeBankRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var options = RateLimitOptions.From(configuration);
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, options));
            o.OnRejected = async (rejected, cancellation) =>
            {
                var wait = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
                var response = rejected.HttpContext.Response;
                response.StatusCode = StatusCodes.Status429TooManyRequests;
                response.Headers.RetryAfter = seconds.ToString();
                await Problems.Refusal(Problems.Types.TooManyRequests, StatusCodes.Status429TooManyRequests,
                        "Too many requests for this key.", $"Retry after {seconds} s; nothing was done.")
                    .ToResult().ExecuteAsync(rejected.HttpContext);
            };
        });
        return services;
    }

    /// <summary>The limiter's middleware, where limits are on: with them off it would only hand out unlimited leases.</summary>
    public static IApplicationBuilder UseTimeBankRateLimits(this IApplicationBuilder app, IConfiguration configuration) =>
        RateLimitOptions.From(configuration).PermitsPerSecond > 0 ? app.UseRateLimiter() : app;

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions options)
    {
        if (!context.Request.Path.StartsWithSegments("/api")) return RateLimitPartition.GetNoLimiter("unlimited");
        // A key's id (a GUID, or the bootstrap admin's name) cannot be mistaken for an "address:" partition.
        return context.User.CallerIfAny() is { } caller
            ? RateLimitPartition.GetTokenBucketLimiter(caller.KeyId, _ => Bucket(options.PermitsPerSecond, options.Burst))
            : RateLimitPartition.GetTokenBucketLimiter($"address:{context.Connection.RemoteIpAddress}",
                _ => Bucket(options.AnonymousPermitsPerSecond, options.AnonymousPermitsPerSecond * 2));
    }

    private static TokenBucketRateLimiterOptions Bucket(int perSecond, int burst) => new()
    {
        TokenLimit = Math.Max(burst, 1),
        TokensPerPeriod = Math.Max(perSecond, 1),
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true
    };
}
