using System.Globalization;

namespace TimeBank.Bench;

public sealed record BenchOptions(Uri Url, string AdminKey, int Seconds, int Clients, int WarmupSeconds, int Volunteers, int Elders)
{
    public const string Usage =
        "usage: TimeBank.Bench --url <http://host:port> --admin-key <key> [--seconds 20] [--clients 32] " +
        "[--warmup 2] [--volunteers 3000] [--elders 100]";

    public static BenchOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
            values[args[i][2..]] = args[i + 1];
        }

        if (!values.TryGetValue("url", out var url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) return null;
        if (!values.TryGetValue("admin-key", out var adminKey) || adminKey.Length == 0) return null;

        int? Number(string name, int fallback, int min) =>
            !values.TryGetValue(name, out var text) ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : null;

        var known = new[] { "url", "admin-key", "seconds", "clients", "warmup", "volunteers", "elders" };
        if (values.Keys.Except(known).Any()) return null;

        return (Number("seconds", 20, 1), Number("clients", 32, 1), Number("warmup", 2, 0), Number("volunteers", 3000, 2),
                Number("elders", 100, 1)) is ({ } seconds, { } clients, { } warmup, { } volunteers, { } elders)
            ? new BenchOptions(uri, adminKey, seconds, clients, warmup, volunteers, elders)
            : null;
    }
}

public sealed class BenchException(string message) : Exception(message);
