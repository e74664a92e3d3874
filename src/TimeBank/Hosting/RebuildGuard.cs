using Microsoft.Extensions.Options;
using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// <c>projections rebuild</c> deletes the documents it rebuilds and replays the events into them: a live node would
/// meanwhile read accounts as missing, and a write it committed could be replaced by the replay's older state. So the
/// command refuses while a node of the same database has sent a heartbeat more recently than nodes are presumed dead.
/// </summary>
public static class RebuildGuard
{
    public const string Force = "--force";

    /// <summary>A node in Wolverine's node table and how long ago it last sent a heartbeat.</summary>
    public sealed record NodeSeen(int Number, string Description, TimeSpan Silent);

    public static bool Applies(string[] args) =>
        args.Length > 1 && args[0].Equals("projections", StringComparison.OrdinalIgnoreCase) && args.Skip(1).Contains("rebuild", StringComparer.OrdinalIgnoreCase);

    /// <summary>The arguments for the command itself: <see cref="Force"/> is this guard's, not the command's.</summary>
    public static string[] WithoutForce(string[] args) => [.. args.Where(a => !a.Equals(Force, StringComparison.OrdinalIgnoreCase))];

    /// <summary>Why the rebuild may not run, or null when no node is live or the operator forced it.</summary>
    public static string? WhyRefused(IReadOnlyList<NodeSeen> nodes, TimeSpan presumedDeadAfter, bool forced)
    {
        var live = nodes.Where(n => n.Silent < presumedDeadAfter).ToList();
        if (live.Count == 0 || forced) return null;
        var seen = string.Join(", ", live.Select(n => $"node {n.Number} ({n.Description}) {Math.Max(0, n.Silent.TotalSeconds):0.#} s ago"));
        return $"projections rebuild refused: {live.Count} node(s) of this database sent a heartbeat within the last " +
               $"{presumedDeadAfter.TotalSeconds:0.#} s: {seen}. A rebuild deletes the documents it rebuilds and replays the events " +
               $"into them, which a running node would see half done. Stop every node first; a node that crashed counts as live " +
               $"until it has been silent for {presumedDeadAfter.TotalSeconds:0.#} s (TimeBank__NodeStaleAfter), or pass {Force} " +
               "if you know it is down.";
    }

    /// <summary>Why the rebuild may not run against this service's database, or null when it may.</summary>
    public static async Task<string?> WhyRefusedAsync(IServiceProvider services, string[] args, CancellationToken cancellation)
    {
        var forced = args.Contains(Force, StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<NodeSeen> nodes;
        try
        {
            nodes = forced ? [] : await ReadNodesAsync(services.GetRequiredService<IDocumentStore>(), cancellation);
        }
        catch (NpgsqlException unreachable)
        {
            return $"projections rebuild: could not read the database's nodes to check that none is live: {unreachable.Message}";
        }
        var presumedDeadAfter = services.GetRequiredService<IOptions<TimeBankOptions>>().Value.NodeStaleAfter;
        return WhyRefused(nodes, presumedDeadAfter, forced);
    }

    /// <summary>The nodes Wolverine has registered in the database; none before the first node ever started.</summary>
    private static async Task<IReadOnlyList<NodeSeen>> ReadNodesAsync(IDocumentStore store, CancellationToken cancellation)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand(
            $"select node_number, description, extract(epoch from now() - health_check)::float8 from {Storage.Schema}.wolverine_nodes order by node_number",
            connection);
        var nodes = new List<NodeSeen>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            while (await reader.ReadAsync(cancellation))
            {
                nodes.Add(new NodeSeen(reader.GetInt32(0), reader.GetString(1), TimeSpan.FromSeconds(reader.GetDouble(2))));
            }
        }
        catch (PostgresException missing) when (missing.SqlState == PostgresErrorCodes.UndefinedTable)
        {
        }
        return nodes;
    }
}
