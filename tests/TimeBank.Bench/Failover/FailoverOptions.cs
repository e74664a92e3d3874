using System.Globalization;

namespace TimeBank.Bench.Failover;

/// <param name="ServiceDll">The built service (TimeBank.dll) every node runs.</param>
/// <param name="Connection">The database the nodes share; it should be empty.</param>
/// <param name="Work">Where the nodes' logs go.</param>
/// <param name="SecondsBefore">Load on all nodes before the leader is killed.</param>
/// <param name="SecondsAfter">Load on the survivors after it.</param>
/// <param name="HoldSeconds">How long holds last: holds placed before the kill expire while the cluster recovers.</param>
public sealed record FailoverOptions(string ServiceDll, string Connection, string Work, int FirstPort, int Nodes, int Clients,
    int SecondsBefore, int SecondsAfter, int HoldSeconds, int LeaderWithinSeconds)
{
    public const string Usage =
        "usage: TimeBank.Bench failover --service <TimeBank.dll> --connection <npgsql connection string> --work <folder> " +
        "[--first-port 5101] [--nodes 3] [--clients 12] [--before 12] [--after 25] [--hold-seconds 20] [--leader-within 30]";

    public static FailoverOptions? Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length) return null;
            values[args[i][2..]] = args[i + 1];
        }
        var known = new[] { "service", "connection", "work", "first-port", "nodes", "clients", "before", "after", "hold-seconds", "leader-within" };
        if (values.Keys.Except(known).Any()) return null;
        if (!values.TryGetValue("service", out var service) || !File.Exists(service)) return null;
        if (!values.TryGetValue("connection", out var connection) || connection.Length == 0) return null;
        if (!values.TryGetValue("work", out var work)) return null;

        int? Number(string name, int fallback, int min) =>
            !values.TryGetValue(name, out var text) ? fallback
            : int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min ? n
            : null;

        return (Number("first-port", 5101, 1), Number("nodes", 3, 2), Number("clients", 12, 1), Number("before", 12, 1),
                Number("after", 25, 1), Number("hold-seconds", 20, 1), Number("leader-within", 30, 1))
            is ({ } port, { } nodes, { } clients, { } before, { } after, { } hold, { } within)
            ? new FailoverOptions(Path.GetFullPath(service), connection, Path.GetFullPath(work), port, nodes, clients, before, after, hold, within)
            : null;
    }
}
