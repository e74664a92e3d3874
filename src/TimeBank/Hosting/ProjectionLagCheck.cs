using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// Readiness: the async projections and the hash chain keep up. Their progress is shared in the database, so every node
/// sees the daemon's, wherever it runs. A shard whose oldest unprocessed event is older than
/// <see cref="HealthOptions.MaxProjectionLag"/> makes the node unready, naming the shard and how far behind it is.
/// </summary>
public sealed class ProjectionLagCheck(IDocumentStore store, IOptions<HealthOptions> options) : IHealthCheck
{
    public sealed record ShardProgress(string Name, long LastSequence, long BehindEvents, double? BehindSeconds);

    // Shards are named projection:key; the daemon's own markers (HighWaterMark, HighWaterStuckGap) have no colon.
    private static string Sql(string schema) => $"""
        select p.name, p.last_seq_id,
               greatest((select coalesce(max(seq_id), 0) from {schema}.mt_events) - p.last_seq_id, 0),
               (select extract(epoch from now() - e.timestamp) from {schema}.mt_events e
                 where e.seq_id > p.last_seq_id and e.timestamp > '-infinity' order by e.seq_id limit 1)
        from {schema}.mt_event_progression p
        where p.name like '%:%'
        order by p.name
        """;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellation = default)
    {
        try
        {
            return Judge(await ReadAsync(store, cancellation), options.Value.MaxProjectionLag);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy("The projections' progress could not be read.", e);
        }
    }

    /// <summary>Every async shard's progress against the newest event, from the shared progression table.</summary>
    public static async Task<IReadOnlyList<ShardProgress>> ReadAsync(IDocumentStore store, CancellationToken cancellation)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand(Sql(Storage.Schema), connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var shards = new List<ShardProgress>();
        while (await reader.ReadAsync(cancellation))
        {
            shards.Add(new ShardProgress(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2),
                reader.IsDBNull(3) ? null : (double)reader.GetDecimal(3)));
        }
        return shards;
    }

    /// <summary>Healthy when every shard is within <paramref name="maxLag"/> of the newest event; else which are behind, and by how much.</summary>
    public static HealthCheckResult Judge(IReadOnlyList<ShardProgress> shards, TimeSpan maxLag)
    {
        var behind = shards.Where(s => s.BehindSeconds is { } seconds && seconds > maxLag.TotalSeconds).ToList();
        if (behind.Count == 0)
        {
            return HealthCheckResult.Healthy(shards.Count == 0
                ? "No async projection has started yet."
                : $"{shards.Count} async projections within {maxLag.TotalSeconds:0} s of the newest event.");
        }
        return HealthCheckResult.Unhealthy(string.Join("; ", behind.Select(s =>
            $"{s.Name} is {s.BehindEvents} events and {s.BehindSeconds:0} s behind (at sequence {s.LastSequence})")));
    }
}

public sealed class HealthOptions
{
    public const string Section = "TimeBank:Health";

    /// <summary>How far behind the newest event an async projection or the hash chain may fall before the node is unready.</summary>
    public TimeSpan MaxProjectionLag { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<string> Problems() =>
        Settings.Found(Settings.Between($"{Section}:MaxProjectionLag", MaxProjectionLag, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)));
}
