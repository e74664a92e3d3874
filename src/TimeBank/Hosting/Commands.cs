namespace TimeBank.Hosting;

/// <summary>The service's command line (JasperFx): which commands can run before a database is configured.</summary>
public static class Commands
{
    // These list or describe; they never open a connection.
    private static readonly HashSet<string> WithoutDatabase = new(StringComparer.OrdinalIgnoreCase)
    {
        "help", "?", "-h", "--help", "-?", "describe", "capabilities", "codegen"
    };

    /// <summary>Stands in for the connection string of a command that never connects.</summary>
    public const string NoDatabase = "Host=database-not-configured.invalid;Database=none";

    /// <summary>No command: the process serves the API until it is stopped.</summary>
    public static bool Serves(string[] args) => args.Length == 0;

    public static bool NeedDatabase(string[] args) => Serves(args) || !WithoutDatabase.Contains(args[0]);

    public static string MissingConnectionString(string? command) =>
        $"{(command is null ? "The service" : $"'{command}'")} needs a database: set ConnectionStrings__{TimeBankSetup.ConnectionStringName} " +
        "to an Npgsql connection string, or use ops/run, which provisions a local PostgreSQL. " +
        "'help' lists the commands; it needs no database.";
}
