using System.Globalization;

namespace TimeBank.Bench;

/// <summary>
/// What the service's runtime has counted so far, summed over the nodes, from each node's Prometheus metrics (the
/// runtime's own meter): how long its JIT compiled and how much CPU the process used. The tiered JIT keeps recompiling hot
/// code for tens of seconds of load, longer on a slow day, so a line measured while it still did says so; and CPU per
/// answer moves far less with the host's steal than the rate does, so two builds can be compared on a noisy day.
/// </summary>
/// <param name="JitSeconds">Null when any node's figure is not to be had.</param>
/// <param name="CpuSeconds">User and system time of the service processes; null when any node's figure is not to be had.</param>
public readonly record struct ServiceCounters(double? JitSeconds, double? CpuSeconds)
{
    public const string JitMetric = "dotnet_jit_compilation_time_seconds_total";
    public const string CpuMetric = "dotnet_process_cpu_time_seconds_total";
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public static async Task<ServiceCounters> ReadAsync(IEnumerable<Uri> nodes)
    {
        var total = new ServiceCounters(0, 0);
        foreach (var node in nodes)
        {
            try
            {
                total += Of(await Http.GetStringAsync(new Uri(node, "/metrics")));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return new ServiceCounters(null, null);
            }
        }
        return total;
    }

    public static ServiceCounters Of(string metrics) => new(Sum(metrics, JitMetric), Sum(metrics, CpuMetric));

    /// <summary>
    /// A metric's value in Prometheus text (the sum of its series, or of those carrying every one of <paramref name="labels"/>,
    /// such as <c>fold="statistics"</c>), or null when it is absent.
    /// </summary>
    public static double? Sum(string metrics, string metric, params string[] labels)
    {
        double? total = null;
        foreach (var line in metrics.Split('\n'))
        {
            if (!line.StartsWith(metric, StringComparison.Ordinal) || line.Length == metric.Length || line[metric.Length] is not ('{' or ' ')) continue;
            if (!labels.All(label => line.Contains(label, StringComparison.Ordinal))) continue;
            var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)) total = (total ?? 0) + seconds;
        }
        return total;
    }

    public static ServiceCounters operator +(ServiceCounters a, ServiceCounters b) => new(a.JitSeconds + b.JitSeconds, a.CpuSeconds + b.CpuSeconds);

    public static ServiceCounters operator -(ServiceCounters after, ServiceCounters before) =>
        new(after.JitSeconds - before.JitSeconds, after.CpuSeconds - before.CpuSeconds);

    /// <summary>Microseconds of the service's CPU per answer over a phase whose counters grew by this much; null when unknown or nothing was answered.</summary>
    public double? CpuMicrosecondsPer(long answers) => CpuSeconds is { } cpu && answers > 0 ? cpu * 1e6 / answers : null;
}
