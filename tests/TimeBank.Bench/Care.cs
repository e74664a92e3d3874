using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TimeBank.Bench;

/// <summary>
/// Visit care under load. visit: visits with the annex 4 findings to the world's elders (nothing unsafe, so no alert).
/// coverage-read: the district's monthly coverage, computed from the coverage projections. coverage-lag_s: how long
/// after the visits the coverage projections had applied every event.
/// </summary>
public sealed class CareWorld(World world)
{
    public const string District = "Heping";

    private static readonly object Findings = new
    {
        householdChange = new { kind = "none" }, expression = "unchanged", mobility = "better", illness = "unchanged", mood = "better",
        gasSafety = "safe", waterHeatingSafety = "safe", electricitySafety = "fairly-safe", fireSafety = "safe", personalHygiene = "unchanged",
        homeHygiene = "unchanged", indoorEnvironment = "unchanged"
    };

    public Operation Visit()
    {
        var run = Guid.NewGuid().ToString("N")[..8];
        var visitedAt = DateTime.UtcNow.AddHours(8).AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
        return new Operation("visit", 201, n => new Step(LoadRequest.Post($"/api/elders/{world.Elders[n % world.Elders.Length]}/visits", world.PlatformKey, new
        {
            platformVisitId = $"bench-{run}-{n}", visitedAt, mode = n % 3 == 0 ? "home" : "phone",
            visitor = new { role = "grid-worker", name = "Bench grid worker" }, findings = Findings, needs = "none", suggestions = "none"
        })));
    }

    public Operation CoverageRead() =>
        new("coverage-read", 200, _ => new Step(LoadRequest.Get($"/api/care/coverage?district={District}", world.PlatformKey)));

    /// <summary>Seconds until the coverage projections report no event waiting.</summary>
    public async Task<string> LagAsync(Api api)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            var answer = await api.SendAsync(Api.Get($"/api/care/coverage?district={District}", world.PlatformKey));
            if (answer.Status != 200) throw new BenchException($"reading coverage: {answer.Describe()}");
            if (JsonDocument.Parse(answer.Body).RootElement.GetProperty("lagSeconds").GetDouble() == 0)
                return string.Create(CultureInfo.InvariantCulture, $"coverage-lag_s={waited.Elapsed.TotalSeconds:0.0}");
            if (waited.Elapsed > TimeSpan.FromMinutes(10)) throw new BenchException("the coverage projections did not catch up in 10 minutes");
            await Task.Delay(100);
        }
    }
}
