using Npgsql;
using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>The load driver vacuums and analyzes the service's database before each measured phase.</summary>
public sealed class vacuuming_before_a_phase(AppFixture fixture) : ApiTest(fixture)
{
    // The suite's database, which the app under test runs on.
    private static string Database => Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION")!;

    [Fact]
    public async Task the_services_tables_are_vacuumed_and_analyzed()
    {
        var before = await LastMaintenanceOfTheEventsAsync();
        await Maintenance.VacuumAsync(Database, "test");

        var after = await LastMaintenanceOfTheEventsAsync();
        after.Vacuumed.ShouldNotBeNull();
        after.Analyzed.ShouldNotBeNull();
        if (before.Vacuumed is { } vacuumed) after.Vacuumed.Value.ShouldBeGreaterThan(vacuumed);
        if (before.Analyzed is { } analyzed) after.Analyzed.Value.ShouldBeGreaterThan(analyzed);
    }

    private static async Task<(DateTime? Vacuumed, DateTime? Analyzed)> LastMaintenanceOfTheEventsAsync()
    {
        await using var connection = new NpgsqlConnection(Database);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "select last_vacuum, last_analyze from pg_stat_user_tables where schemaname = 'timebank' and relname = 'mt_events'", connection);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return (reader.IsDBNull(0) ? null : reader.GetDateTime(0), reader.IsDBNull(1) ? null : reader.GetDateTime(1));
    }
}
