using System.Globalization;

namespace TimeBank.Bench;

/// <summary>
/// The host's CPU time by kind, from the first line of Linux's /proc/stat (in clock ticks). On a shared virtual machine
/// the hypervisor gives some of the cores' time to other guests ("steal"); figures measured while it did are slower
/// for a reason outside the service, so each line of the bench says how much was taken.
/// </summary>
public readonly record struct HostCpu(long Total, long Steal)
{
    private const string StatPath = "/proc/stat";

    /// <summary>The host's times now, or null where /proc/stat is not to be had.</summary>
    public static HostCpu? Now()
    {
        try
        {
            return File.Exists(StatPath) ? Parse(File.ReadLines(StatPath).First()) : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>"cpu  user nice system idle iowait irq softirq steal guest guest_nice" (guest time is inside user).</summary>
    public static HostCpu? Parse(string line)
    {
        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 9 || fields[0] != "cpu") return null;
        var ticks = new long[8];
        for (var i = 0; i < ticks.Length; i++)
        {
            if (!long.TryParse(fields[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out ticks[i])) return null;
        }
        return new HostCpu(ticks.Sum(), ticks[7]);
    }

    /// <summary>The share of the host's time stolen between two readings, in percent; null when no time passed.</summary>
    public static double? StealPercent(HostCpu? from, HostCpu? to) =>
        from is { } a && to is { } b && b.Total > a.Total ? 100.0 * (b.Steal - a.Steal) / (b.Total - a.Total) : null;
}
