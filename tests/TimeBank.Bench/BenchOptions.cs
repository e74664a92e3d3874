using System.Globalization;

namespace TimeBank.Bench;

/// <param name="FirstWarmupSeconds">
/// Warm-up of the first operation measured: the service's tiered JIT (with dynamic PGO) needs about 25 s of load on
/// two cores to settle, and the figures are meant to describe the running service, not its first seconds.
/// </param>
/// <param name="Urls">Every node to send to (round-robin); the first also sets the world up.</param>
/// <param name="SettleSeconds">The most warm-up added to an operation's while the service's JIT is still compiling.</param>
/// <param name="VacuumConnectionString">
/// The service's database, vacuumed and analyzed before each measured phase (<see cref="Maintenance"/>); none, not vacuumed.
/// </param>
public sealed record BenchOptions(IReadOnlyList<Uri> Urls, string AdminKey, int Seconds, int Clients, int WarmupSeconds, int FirstWarmupSeconds,
    int Volunteers, int Elders, IReadOnlySet<string> Operations, string? TimelineDirectory = null, int SettleSeconds = 0,
    string? VacuumConnectionString = null)
{
    public Uri Url => Urls[0];

    /// <summary>Every operation, in the order the driver measures them.</summary>
    public static readonly string[] AllOperations =
        ["deposit", "transfer", "account-read", "member-lookup", "order", "claim", "complete", "visit", "coverage-read"];

    /// <summary>Seconds of load before <paramref name="operation"/> is measured: the first warm-up if it is measured first.</summary>
    public int WarmupOf(string operation) =>
        AllOperations.FirstOrDefault(Operations.Contains) == operation ? FirstWarmupSeconds : WarmupSeconds;

    public const string Usage =
        "usage: TimeBank.Bench --url <http://host:port[,http://host:port...]> --admin-key <key> [--seconds 20] [--clients 32] " +
        "[--warmup 2] [--first-warmup 40] [--settle 60] [--volunteers 3000] [--elders 100] [--operations deposit,transfer,account-read,member-lookup,order,claim,complete,visit,coverage-read] [--timelines <dir>]" +
        " [--vacuum <the service's database connection string>]" +
        " (transfer and account-read need deposit, which banks the minutes they move and read)";

    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
            values[args[i][2..]] = args[i + 1];
        }

        if (!values.TryGetValue("url", out var url)) return null;
        var urls = new List<Uri>();
        foreach (var text in url.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri)) return null;
            urls.Add(uri);
        }
        if (urls.Count == 0) return null;
        if (!values.TryGetValue("admin-key", out var adminKey) || adminKey.Length == 0) return null;

        int? Number(string name, int fallback, int min) =>
            !values.TryGetValue(name, out var text) ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : null;

        var known = new[] { "url", "admin-key", "seconds", "clients", "warmup", "first-warmup", "settle", "volunteers", "elders", "operations", "timelines", "vacuum" };
        if (values.Keys.Except(known).Any()) return null;

        var operations = values.TryGetValue("operations", out var list)
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : AllOperations.ToHashSet(StringComparer.Ordinal);
        if (operations.Count == 0 || !operations.IsSubsetOf(AllOperations)) return null;
        // Transfers and account reads need the minutes the deposits bank.
        if (operations.Overlaps(["transfer", "account-read"]) && !operations.Contains("deposit")) return null;

        return (Number("seconds", 20, 1), Number("clients", 32, 1), Number("warmup", 2, 0), Number("first-warmup", 40, 0),
                Number("volunteers", 3000, 2), Number("elders", 100, 1), Number("settle", 60, 0))
            is ({ } seconds, { } clients, { } warmup, { } firstWarmup, { } volunteers, { } elders, { } settle)
            ? new BenchOptions(urls, adminKey, seconds, clients, warmup, firstWarmup, volunteers, elders, operations, values.GetValueOrDefault("timelines"), settle,
                values.GetValueOrDefault("vacuum"))
            : null;
    }
}

public sealed class BenchException(string message) : Exception(message);

/// <summary>An operation has used up what the set-up prepared for it (claims to complete, say).</summary>
public sealed class OutOfWork(string message) : Exception(message);
