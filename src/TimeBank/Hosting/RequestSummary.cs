using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace TimeBank.Hosting;

/// <summary>
/// In place of a log line per request: the API's requests counted per key, written as one line per key that called
/// every <see cref="TimeBankOptions.RequestSummaryEvery"/>. It names the key by id and role only, never a path or a
/// body, so it carries no personal data.
/// </summary>
public sealed class RequestSummary
{
    public const string Anonymous = "anonymous";

    private readonly ConcurrentDictionary<string, KeyCounts> _counts = new();

    /// <summary>One key's requests since the last summary.</summary>
    public sealed record KeyLine(string KeyId, string Role, long Requests, long Succeeded, long Refused, long Throttled, long Failed,
        double SlowestMs);

    public void Record(string keyId, string role, int status, TimeSpan elapsed) =>
        _counts.GetOrAdd(keyId, static (_, r) => new KeyCounts(r), role).Add(status, elapsed.Ticks);

    /// <summary>
    /// The counts since the last call, busiest key first, each taken and zeroed counter by counter: a request answered
    /// meanwhile may land in this line or the next, but is never lost or counted twice.
    /// </summary>
    public IReadOnlyList<KeyLine> TakeLines() =>
        _counts.Select(k => k.Value.Take(k.Key)).Where(l => l.Requests > 0)
            .OrderByDescending(l => l.Requests).ThenBy(l => l.KeyId, StringComparer.Ordinal).ToList();

    private sealed class KeyCounts(string role)
    {
        private long _requests, _succeeded, _refused, _throttled, _failed, _slowestTicks;

        public void Add(int status, long ticks)
        {
            Interlocked.Increment(ref _requests);
            if (status < 400) Interlocked.Increment(ref _succeeded);
            else if (status == StatusCodes.Status429TooManyRequests) Interlocked.Increment(ref _throttled);
            else if (status < 500) Interlocked.Increment(ref _refused);
            else Interlocked.Increment(ref _failed);
            var slowest = Volatile.Read(ref _slowestTicks);
            while (ticks > slowest)
            {
                var seen = Interlocked.CompareExchange(ref _slowestTicks, ticks, slowest);
                if (seen == slowest) break;
                slowest = seen;
            }
        }

        public KeyLine Take(string keyId) => new(keyId, role, Interlocked.Exchange(ref _requests, 0), Interlocked.Exchange(ref _succeeded, 0),
            Interlocked.Exchange(ref _refused, 0), Interlocked.Exchange(ref _throttled, 0), Interlocked.Exchange(ref _failed, 0),
            TimeSpan.FromTicks(Interlocked.Exchange(ref _slowestTicks, 0)).TotalMilliseconds);
    }
}

public static class RequestSummaryMiddleware
{
    /// <summary>Counts every /api request under its key once it has been answered (an exception counts as a 500).</summary>
    public static IApplicationBuilder UseRequestSummary(this IApplicationBuilder app)
    {
        var summary = app.ApplicationServices.GetService<RequestSummary>();
        if (summary is null) return app;
        return app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/api"))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                await next(context);
                status = context.Response.StatusCode;
            }
            finally
            {
                var caller = context.User.CallerIfAny();
                summary.Record(caller?.KeyId ?? RequestSummary.Anonymous, caller?.Role ?? RequestSummary.Anonymous, status,
                    Stopwatch.GetElapsedTime(started));
            }
        });
    }

    /// <summary>The summary and its writer, unless <see cref="TimeBankOptions.RequestSummaryEvery"/> is zero.</summary>
    public static IServiceCollection AddRequestSummary(this IServiceCollection services, TimeBankOptions options)
    {
        if (options.RequestSummaryEvery <= TimeSpan.Zero) return services;
        services.AddSingleton<RequestSummary>();
        services.AddHostedService<RequestSummaryWriter>();
        return services;
    }
}

/// <summary>Writes the summary at Information every <see cref="TimeBankOptions.RequestSummaryEvery"/>; keys that made no request write nothing.</summary>
public sealed class RequestSummaryWriter(RequestSummary summary, IOptions<TimeBankOptions> options, ILogger<RequestSummary> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RequestSummaryEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken)) Write();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public void Write()
    {
        var period = options.Value.RequestSummaryEvery;
        foreach (var line in summary.TakeLines())
        {
            logger.LogInformation(
                "Requests in the last {PeriodSeconds} s by key {KeyId} ({Role}): {Requests}, of which {Succeeded} succeeded, {Refused} refused, {Throttled} throttled (429), {Failed} failed (5xx); slowest {SlowestMs} ms",
                (int)period.TotalSeconds, line.KeyId, line.Role, line.Requests, line.Succeeded, line.Refused, line.Throttled, line.Failed,
                Math.Round(line.SlowestMs, 1));
        }
    }
}
