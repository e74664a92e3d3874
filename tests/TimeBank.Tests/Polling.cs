using Alba;
using TimeBank.Hosting;

namespace TimeBank.Tests;

/// <summary>For what the service finishes in the background: reads until the value is done or the time is up.</summary>
public static class Polling
{
    /// <summary>The first value that is done, or the last one read when time is up, for the test's assertion to judge.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(100);
        }
    }

    /// <summary>The service's Prometheus text once it shows what <paramref name="done"/> looks for (the scrape is cached for a moment and the gauges are sampled every few seconds), or the last scrape.</summary>
    public static Task<string> MetricsAsync(this IAlbaHost host, Func<string, bool> done, int seconds = 30) =>
        Eventually(async () => await (await host.Scenario(s => s.Get.Url("/metrics"))).ReadAsTextAsync(), done, seconds);

    /// <summary>Waits until the named async shards (e.g. <c>LedgerFolds:All</c>) have applied every event stored so far.</summary>
    public static async Task WaitForShardsAsync(this AppFixture fixture, params string[] shardNames)
    {
        var shards = await Eventually(
            async () => (await ProjectionLagCheck.ReadAsync(fixture.Store, CancellationToken.None)).Where(s => shardNames.Contains(s.Name)).ToList(),
            CaughtUp, seconds: 60);
        if (!CaughtUp(shards)) throw new TimeoutException("The projections did not catch up in 60 s: " + string.Join(", ", shards));

        bool CaughtUp(List<ProjectionLagCheck.ShardProgress> read) => read.Count == shardNames.Length && read.All(s => s.BehindEvents == 0);
    }
}
