using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace TimeBank.Bench;

/// <summary>
/// Vacuums and analyzes the service's database before a measured phase, as pgbench vacuums its tables before a run. The
/// database is made afresh for each bench, so autovacuum's first round comes about a minute after it, with everything the
/// set-up and the warm-up wrote, which fell inside or just before the first operation's measured 20 s depending on how
/// long the warm-up took. After the vacuum, a window holds at most the autovacuum of what is written from then on.
/// </summary>
public static class Maintenance
{
    public static async Task VacuumAsync(string connectionString, string operation)
    {
        var started = Stopwatch.StartNew();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var vacuum = new NpgsqlCommand("vacuum (analyze)", connection) { CommandTimeout = 0 })
        {
            await vacuum.ExecuteNonQueryAsync();
        }
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[bench] {operation}: vacuumed and analyzed the service's database in {started.Elapsed.TotalSeconds:0.0} s before the measured phase"));
    }
}
