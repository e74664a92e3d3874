using System.Globalization;

namespace TimeBank.Bench;

/// <summary>
/// How long the service's JIT compiled during a phase, read from each node's Prometheus metrics
/// (<c>dotnet_jit_compilation_time_seconds_total</c>, the runtime's own meter). The tiered JIT keeps recompiling hot code
/// for tens of seconds of load, longer on a slow day; a line measured while it still did describes a service not yet
/// warm, and says so.
/// </summary>
public static class ServiceJit
{
    private const string Metric = "dotnet_jit_compilation_time_seconds_total";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The JIT's compilation time so far, summed over the nodes; null when any node's figure is not to be had.</summary>
    public static async Task<double?> SecondsAsync(IEnumerable<Uri> nodes)
    {
        double total = 0;
        foreach (var node in nodes)
        {
            try
            {
                if (Seconds(await Http.GetStringAsync(new Uri(node, "/metrics"))) is not { } seconds) return null;
                total += seconds;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return null;
            }
        }
        return total;
    }

    /// <summary>The metric's value in Prometheus text (the sum of its series), or null when it is absent.</summary>
    public static double? Seconds(string metrics)
    {
        double? total = null;
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(Metric, StringComparison.Ordinal) || line.Length == Metric.Length || line[Metric.Length] is not ('{' or ' ')) continue;
            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) total = (total ?? 0) + seconds;
        }
        return total;
    }
}
