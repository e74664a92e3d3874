using System.Collections.Concurrent;
using System.Data;
using Npgsql;

namespace TimeBank.Hosting;

/// <summary>
/// The hottest reads, one document by id (an account's balance for the API and the kiosks, a keyed write's earlier
/// claim), through a pool of its own
/// with Npgsql's multiplexing: concurrent reads share a few connections, and many travel in one network write and
/// come back in one read, where each of Marten's reads would pay its own. Every other read and every write goes
/// through Marten. Committed data only, as any read outside a transaction.
/// </summary>
public sealed class MultiplexedReads(string connectionString, IDocumentStore store) : IAsyncDisposable
{
    private readonly Lazy<NpgsqlDataSource> _source = new(() =>
        new NpgsqlDataSourceBuilder(WithMultiplexing(connectionString)) { Name = ConnectionTuning.ReadPool }.Build());
    private readonly ConcurrentDictionary<Type, string> _selects = new();

    public Task<T?> LoadAsync<T>(Guid id, CancellationToken cancellation) where T : class => LoadAsync<T, Guid>(id, cancellation);

    public Task<T?> LoadAsync<T>(string id, CancellationToken cancellation) where T : class => LoadAsync<T, string>(id, cancellation);

    private async Task<T?> LoadAsync<T, TId>(TId id, CancellationToken cancellation) where T : class
    {
        var select = _selects.GetOrAdd(typeof(T), type => $"select data from {store.TableOf(type)} where id = $1");
        await using var command = _source.Value.CreateCommand(select);
        command.Parameters.Add(new NpgsqlParameter<TId> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellation);
        // The row is buffered once read: deserialising it does no I/O.
        return await reader.ReadAsync(cancellation) ? store.Options.Serializer().FromJson<T>(reader, 0) : null;
    }

    public static string WithMultiplexing(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Multiplexing = true }.ConnectionString;

    public async ValueTask DisposeAsync()
    {
        if (_source.IsValueCreated) await _source.Value.DisposeAsync();
    }
}
