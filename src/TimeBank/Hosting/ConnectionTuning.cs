using Npgsql;

namespace TimeBank.Hosting;

public static class ConnectionTuning
{
    /// <summary>
    /// Defaults that matter for a service doing many short statements, applied only where the
    /// connection string says nothing: no DISCARD ALL round trip when a pooled connection is
    /// returned (nothing here changes session state), and prepared statements for hot queries.
    /// </summary>
    public static string WithServiceDefaults(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!Mentions(connectionString, "No Reset On Close", "NoResetOnClose")) builder.NoResetOnClose = true;
        if (!Mentions(connectionString, "Max Auto Prepare", "MaxAutoPrepare")) builder.MaxAutoPrepare = 64;
        if (!Mentions(connectionString, "Auto Prepare Min Usages", "AutoPrepareMinUsages")) builder.AutoPrepareMinUsages = 2;
        return builder.ConnectionString;
    }

    private static bool Mentions(string connectionString, params string[] keys) =>
        keys.Any(key => connectionString.Contains(key, StringComparison.OrdinalIgnoreCase));
}
