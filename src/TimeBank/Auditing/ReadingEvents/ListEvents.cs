using System.Text.Json;
using Npgsql;
using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing.ReadingEvents;

/// <summary>The shape of GET /api/audit/events, for the API description; the endpoint writes it directly.</summary>
public sealed record EventsPage(IReadOnlyList<EventsPage.Item> Items, long? Next, long ChainHead)
{
    public sealed record Item(long Sequence, Guid Id, Guid? StreamId, string? StreamKind, long Version, string Type, string RecordedAt,
        JsonElement Data, JsonElement? Headers, Actor Actor, string? CorrelationId, string? CausationId, string? UserName,
        string Hash, string PrevHash);

    public sealed record Actor(string? KeyId, string? Role);
}

public static class ListEventsEndpoint
{
    public const int MaxLimit = 5000;
    public const int DefaultLimit = 500;

    /// <summary>
    /// Every chained event in global sequence order, with its hash: page with <c>after</c> (the <c>next</c> of the
    /// previous page) until <c>next</c> is null. Filters: <c>type</c> (e.g. service_recorded), <c>stream</c> (a stream id),
    /// <c>from</c>/<c>to</c> (recorded instants, from inclusive, to exclusive). Events appear once the hash chain
    /// has covered them (the async daemon, normally within a second), so a later page never gains an earlier event.
    /// </summary>
    [WolverineGet("/api/audit/events", OperationId = "ListAuditEvents")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<EventsPage>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] long? after, [FromQuery] int? limit, [FromQuery] string? type,
        [FromQuery] string? stream, [FromQuery] string? from, [FromQuery] string? to, IDocumentStore store, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (after is < 0) errors["after"] = ["after is a sequence number, 0 or more."];
        if (limit is < 1 or > MaxLimit) errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        if (type is { Length: 0 or > 500 }) errors["type"] = ["type is an event type name such as service_recorded."];
        Guid? streamId = null;
        if (stream is not null)
        {
            if (Guid.TryParse(stream, out var parsed)) streamId = parsed;
            else errors["stream"] = ["stream must be a stream id (a UUID)."];
        }
        var fromInstant = Instants.Parse(from, "from", errors);
        var toInstant = Instants.Parse(to, "to", errors);
        if (fromInstant > toInstant) errors["to"] = ["to must not be before from."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var take = limit ?? DefaultLimit;
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var head = await ChainStore.LoadHeadAsync(connection, cancellation);

        await using var command = new NpgsqlCommand(
            $"""
             select {AuditedEvent.Columns} from {AuditedEvent.From}
             where e.seq_id > $1 and ($2::varchar is null or e.type = $2) and ($3::uuid is null or e.stream_id = $3)
               and ($4::timestamptz is null or e.timestamp >= $4) and ($5::timestamptz is null or e.timestamp < $5)
             order by e.seq_id limit $6
             """, connection)
        {
            Parameters =
            {
                new() { Value = after ?? 0 },
                new() { Value = (object?)type ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Varchar },
                new() { Value = (object?)streamId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
                new() { Value = (object?)fromInstant?.ToDateTimeUtc() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)toInstant?.ToDateTimeUtc() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = take + 1 }
            }
        };
        var events = new List<AuditedEvent>(Math.Min(take + 1, 1000));
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation)) events.Add(AuditedEvent.Read(reader));
        }

        var more = events.Count > take;
        if (more) events.RemoveAt(events.Count - 1);
        return new EventsPageResult(events, more ? events[^1].Event.Sequence : null, head.Sequence);
    }

    /// <summary>Writes the page straight to the response: data and headers go out in their canonical JSON.</summary>
    private sealed class EventsPageResult(IReadOnlyList<AuditedEvent> events, long? next, long chainHead) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            context.Response.ContentType = "application/json; charset=utf-8";
            var scratch = new CanonicalJson();
            await using var json = new Utf8JsonWriter(context.Response.BodyWriter);
            json.WriteStartObject();
            json.WriteStartArray("items");
            foreach (var e in events)
            {
                e.Write(json, scratch);
                if (json.BytesPending > 64 * 1024) await json.FlushAsync(context.RequestAborted);
            }
            json.WriteEndArray();
            if (next is { } n) json.WriteNumber("next", n);
            else json.WriteNull("next");
            json.WriteNumber("chainHead", chainHead);
            json.WriteEndObject();
            await json.FlushAsync(context.RequestAborted);
        }
    }
}
