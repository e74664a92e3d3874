using Marten;
using Npgsql;
using TimeBank.Auditing.Chain;

namespace TimeBank.Tests.Auditing;

/// <summary>Helpers for tests that read the chain and, where they must, tamper with mt_events directly.</summary>
public static class AuditScenarios
{
    public static async Task<NpgsqlConnection> OpenAsync(this IDocumentStore store)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        return connection;
    }

    public static async Task<T> ScalarAsync<T>(this NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task ExecuteAsync(this NpgsqlConnection connection, string sql, params object[] parameters)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        await command.ExecuteNonQueryAsync();
    }

    public static Task<long> LastEventAsync(this NpgsqlConnection connection) =>
        connection.ScalarAsync<long>($"select coalesce(max(seq_id), 0) from {StoredEvents.Schema}.mt_events");

    /// <summary>
    /// Reads two views of the chain until they agree (at most 20 times, then returns the last pair for the assertions to
    /// fail on): the chain moves on between two requests whenever an event lands, e.g. one a fold of an earlier test appends.
    /// </summary>
    public static async Task<(TFirst, TSecond)> ReadAsOfOneChainHeadAsync<TFirst, TSecond>(Func<Task<TFirst>> first, Func<TFirst, Task<TSecond>> second,
        Func<TFirst, TSecond, bool> agree)
    {
        for (var attempt = 1; ; attempt++)
        {
            var a = await first();
            var b = await second(a);
            if (agree(a, b) || attempt == 20) return (a, b);
        }
    }

    /// <summary>Waits until the async daemon has chained every event stored so far.</summary>
    public static async Task WaitForChainAsync(this AppFixture fixture, TimeSpan? timeout = null)
    {
        await using var connection = await fixture.Store.OpenAsync();
        var last = await connection.LastEventAsync();
        var chained = await Polling.Eventually(() => connection.ScalarAsync<long>($"select coalesce(max(seq_id), 0) from {ChainStore.ChainTable}"),
            through => through >= last, (int)(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds);
        if (chained < last) throw new TimeoutException($"The hash chain did not reach sequence {last}: it is at {chained}.");
    }

    /// <summary>The sequences of the account stream's events, oldest first.</summary>
    public static Task<long[]> SequencesOfAsync(this NpgsqlConnection connection, Guid stream) =>
        connection.ColumnAsync<long>($"select seq_id from {StoredEvents.Schema}.mt_events where stream_id = $1 order by version", stream);

    /// <summary>The streams that have an event after <paramref name="sequence"/>.</summary>
    public static Task<Guid[]> StreamsWrittenAfterAsync(this NpgsqlConnection connection, long sequence) =>
        connection.ColumnAsync<Guid>($"select distinct stream_id from {StoredEvents.Schema}.mt_events where seq_id > $1", sequence);

    private static async Task<T[]> ColumnAsync<T>(this NpgsqlConnection connection, string sql, object parameter)
    {
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        var values = new List<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) values.Add(reader.GetFieldValue<T>(0));
        return [.. values];
    }
}
