using Npgsql;

namespace TimeBank.Hosting;

public static class ConnectionTuning
{
    /// <summary>The planner's cost of a random page read for the service's sessions: that of a cached or solid-state store.</summary>
    public const string RandomPageCost = "1.1";

    /// <summary>
    /// The names Npgsql's metrics give the service's two pools. Without one a pool is named by its connection string,
    /// and the anonymous <c>/metrics</c> would show the database's host, port, name and user.
    /// </summary>
    public const string MainPool = "timebank", ReadPool = "timebank-reads";

    /// <summary>
    /// Defaults that matter for a service doing many short statements, applied only where the
    /// connection string says nothing: no DISCARD ALL round trip when a pooled connection is
    /// returned (nothing here changes session state), prepared statements for hot queries, and
    /// a random page cost that lets the planner join by index. With PostgreSQL's default (4, for
    /// spinning disks) every page of events the projections load joined its streams by a
    /// sequential scan of all of them, three times slower at 14,000 streams and worse with more.
    /// </summary>
    public static string WithServiceDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (!Mentions(connectionString, "Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Mentions(connectionString, "Auto Prepare Min Usages", "AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
        if (!Mentions(connectionString, "Options")) builder.Options = $"-c random_page_cost={RandomPageCost}";
        return builder.ConnectionString;
    }

    private static bool Mentions(string connectionString, params string[] keys) =>
        keys.Any(key => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase));
}
