using System.Globalization;

namespace TimeBank.Bench;

/// <summary>
/// The host's CPU time by kind, from the first line of Linux's /proc/stat (in clock ticks). On a shared virtual machine
/// the hypervisor gives some of the cores' time to other guests ("steal"); figures measured while it did are slower
/// for a reason outside the service, so each line of the bench says how much was taken. The idle share and the busy time
/// an answer took say whether a phase was bound by the cores (little idle) or by waiting, such as for the disk.
/// </summary>
public readonly record struct HostCpu(long Total, long Steal, long Idle, int Cores)
{
    private const string StatPath = "/proc/stat";

    /// <summary>The host's times now, or null where /proc/stat is not to be had.</summary>
    public static HostCpu? Now()
    {
        try
        {
            return File.Exists(StatPath) ? Of(File.ReadAllLines(StatPath)) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>The whole of /proc/stat: the first line's times, and as many cores as it has lines of one core.</summary>
    public static HostCpu? Of(IReadOnlyList<string> lines) => lines.Count == 0 ? null : Parse(lines[0], lines.Count(IsOneCore));

    private static bool IsOneCore(string line) => line.Length > 3 && line.StartsWith("cpu", StringComparison.Ordinal) && char.IsAsciiDigit(line[3]);

    /// <summary>"cpu  user nice system idle iowait irq softirq steal guest guest_nice" (guest time is inside user).</summary>
    public static HostCpu? Parse(string line, int cores = 1)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu") return null;
        var ticks = new long[8];
        for (var i = 0; i < ticks.Length; i++)
        {
            if (!long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i])) return null;
        }
        return new HostCpu(ticks.Sum(), ticks[7], ticks[3] + ticks[4], Math.Max(1, cores));
    }

    /// <summary>The share of the host's time stolen between two readings, in percent; null when no time passed.</summary>
    public static double? StealPercent(HostCpu? from, HostCpu? to) =>
        Elapsed(from, to) is (var a, var b) ? 100.0 * (b.Steal - a.Steal) / (b.Total - a.Total) : null;

    /// <summary>The share of the host's time its cores sat idle or waited for the disk between two readings, in percent.</summary>
    public static double? IdlePercent(HostCpu? from, HostCpu? to) =>
        Elapsed(from, to) is (var a, var b) ? 100.0 * (b.Idle - a.Idle) / (b.Total - a.Total) : null;

    /// <summary>
    /// Microseconds of the host's busy time (every process and the kernel; neither idle nor stolen) per answer, over
    /// <paramref name="seconds"/> of wall time between the readings.
    /// </summary>
    public static double? BusyMicrosecondsPer(HostCpu? from, HostCpu? to, double seconds, long answers)
    {
        if (Elapsed(from, to) is not (var a, var b) || answers <= 0) return null;
        var total = b.Total - a.Total;
        var busyShare = (double)(total - (b.Idle - a.Idle) - (b.Steal - a.Steal)) / total;
        return busyShare * b.Cores * seconds * 1e6 / answers;
    }

    private static (HostCpu From, HostCpu To)? Elapsed(HostCpu? from, HostCpu? to) =>
        from is { } a && to is { } b && b.Total > a.Total ? (a, b) : null;
}
