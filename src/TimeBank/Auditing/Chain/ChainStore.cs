using System.Runtime.CompilerServices;
using Npgsql;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace TimeBank.Auditing.Chain;

/// <summary>One event's place in the chain, as stored in audit_chain.</summary>
public sealed record ChainLink(long Sequence, long PreviousSequence, Guid EventId, byte[] Hash, byte[] PreviousHash, LocalDate Day);

/// <summary>The last chained event and the day still open (its digest not yet closed).</summary>
public sealed record ChainHead(long Sequence, byte[] Hash, LocalDate Day, long OpenDayFirstSequence, long OpenDayEvents)
{
    public static readonly ChainHead Genesis = new(0, EventHashing.Genesis, EventHashing.GenesisDay, 0, 0);

    public bool IsGenesis => Sequence == 0;
}

/// <summary>A day's digest row. Open days have no root or head yet.</summary>
public sealed record DigestRow(LocalDate Day, long FirstSequence, long LastSequence, long Events, byte[]? MerkleRoot, byte[]? ChainHead, bool Closed);

/// <summary>The tables of the hash chain, and the SQL that reads and writes them.</summary>
public static class ChainStore
{
    public const string ChainTable = $"{StoredEvents.Schema}.audit_chain";
    public const string DigestTable = $"{StoredEvents.Schema}.audit_digests";

    public static void AddTables(StoreOptions opts)
    {
        var chain = new Table(ChainTable);
        chain.AddColumn<long>("seq_id").AsPrimaryKey();
        chain.AddColumn<long>("prev_seq_id").NotNull();
        chain.AddColumn<Guid>("event_id").NotNull();
        chain.AddColumn("hash", "bytea").NotNull();
        chain.AddColumn("prev_hash", "bytea").NotNull();
        chain.AddColumn("day", "date").NotNull();
        opts.Storage.ExtendedSchemaObjects.Add(chain);

        var digests = new Table(DigestTable);
        digests.AddColumn("day", "date").AsPrimaryKey();
        digests.AddColumn<long>("first_seq").NotNull();
        digests.AddColumn<long>("last_seq").NotNull();
        digests.AddColumn<long>("events").NotNull();
        digests.AddColumn("merkle_root", "bytea");
        digests.AddColumn("chain_head", "bytea");
        digests.AddColumn<bool>("closed").NotNull();
        opts.Storage.ExtendedSchemaObjects.Add(digests);
    }

    public static async Task<ChainHead> LoadHeadAsync(NpgsqlConnection connection, CancellationToken cancellation)
    {
        long sequence;
        byte[] hash;
        LocalDate day;
        await using (var command = new NpgsqlCommand(
                         $"""
                          with head as (select seq_id, hash, day from {ChainTable} order by seq_id desc limit 1)
                          select h.seq_id, h.hash, h.day, d.first_seq, d.events from head h
                          left join {DigestTable} d on d.day = h.day and not d.closed
                          """, connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            if (!await reader.ReadAsync(cancellation)) return ChainHead.Genesis;
            sequence = reader.GetInt64(0);
            hash = reader.GetFieldValue<byte[]>(1);
            day = LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(2));
            if (!reader.IsDBNull(3)) return new ChainHead(sequence, hash, day, reader.GetInt64(3), reader.GetInt64(4));
        }

        // The open day's digest row is written with its links, so this only runs on a damaged table.
        await using var count = new NpgsqlCommand($"select min(seq_id), count(*) from {ChainTable} where day = $1", connection)
        {
            Parameters = { new() { Value = day.ToDateOnly() } }
        };
        await using var counted = await count.ExecuteReaderAsync(cancellation);
        await counted.ReadAsync(cancellation);
        return new ChainHead(sequence, hash, day, counted.GetInt64(0), counted.GetInt64(1));
    }

    /// <summary>How many stored events come after <paramref name="sequence"/>: those the chain has yet to cover.</summary>
    public static async Task<long> CountEventsAfterAsync(NpgsqlConnection connection, long sequence, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand($"select count(*) from {StoredEvents.Schema}.mt_events where seq_id > $1", connection)
        {
            Parameters = { new() { Value = sequence } }
        };
        return (long)(await command.ExecuteScalarAsync(cancellation))!;
    }

    /// <summary>mt_events rows after <paramref name="after"/> up to <paramref name="through"/>, in sequence order.</summary>
    public static async IAsyncEnumerable<StoredEvent> ReadEventsAsync(NpgsqlConnection connection, long after, long through,
        [EnumeratorCancellation] CancellationToken cancellation, int limit = int.MaxValue)
    {
        var sql = $"select {StoredEvents.ColumnsWithoutKind} from {StoredEvents.Schema}.mt_events e where e.seq_id > $1 and e.seq_id <= $2 order by e.seq_id limit $3";
        await using var command = new NpgsqlCommand(sql, connection)
        {
            Parameters = { new() { Value = after }, new() { Value = through }, new() { Value = (long)limit } }
        };
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) yield return StoredEvents.Read(reader);
    }

    /// <summary>The hashes of a day's events from <paramref name="firstSequence"/> through <paramref name="through"/>, in order.</summary>
    public static async Task<List<byte[]>> LoadDayHashesAsync(NpgsqlConnection connection, LocalDate day, long firstSequence, long through,
        CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select hash from {ChainTable} where seq_id >= $1 and seq_id <= $2 and day = $3 order by seq_id", connection)
        {
            Parameters = { new() { Value = firstSequence }, new() { Value = through }, new() { Value = day.ToDateOnly() } }
        };
        var hashes = new List<byte[]>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) hashes.Add(reader.GetFieldValue<byte[]>(0));
        return hashes;
    }

    public static async Task<ChainLink?> FindLinkAsync(NpgsqlConnection connection, long sequence, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, prev_seq_id, event_id, hash, prev_hash, day from {ChainTable} where seq_id = $1", connection)
        {
            Parameters = { new() { Value = sequence } }
        };
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation) ? ReadLink(reader) : null;
    }

    public static ChainLink ReadLink(NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetInt64(offset),
        reader.GetInt64(offset + 1),
        reader.GetGuid(offset + 2),
        reader.GetFieldValue<byte[]>(offset + 3),
        reader.GetFieldValue<byte[]>(offset + 4),
        LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(offset + 5)));

    public static async Task<List<DigestRow>> LoadDigestsAsync(NpgsqlConnection connection, LocalDate? from, LocalDate? to, int limit,
        CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"""
             select day, first_seq, last_seq, events, merkle_root, chain_head, closed from {DigestTable}
             where ($1::date is null or day >= $1) and ($2::date is null or day <= $2) order by day limit $3
             """, connection)
        {
            Parameters =
            {
                new() { Value = (object?)from?.ToDateOnly() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date },
                new() { Value = (object?)to?.ToDateOnly() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Date },
                new() { Value = limit }
            }
        };
        var rows = new List<DigestRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation))
        {
            rows.Add(new DigestRow(LocalDate.FromDateOnly(reader.GetFieldValue<DateOnly>(0)), reader.GetInt64(1), reader.GetInt64(2),
                reader.GetInt64(3), reader.IsDBNull(4) ? null : reader.GetFieldValue<byte[]>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<byte[]>(5), reader.GetBoolean(6)));
        }
        return rows;
    }

    public static async Task<DigestRow?> LoadDigestAsync(NpgsqlConnection connection, LocalDate day, CancellationToken cancellation) =>
        (await LoadDigestsAsync(connection, day, day, 1, cancellation)).SingleOrDefault();

    /// <summary>The transaction-scoped lock that chain writers take in turn (the key spells "TBCHAIN").</summary>
    public const string TakeWritersTurnSql = "select pg_advisory_xact_lock(23716754786175310)";

    /// <summary>Read after <see cref="TakeWritersTurnSql"/>, in a statement of its own, so it sees the last writer's commit.</summary>
    public const string LastChainedSequenceSql = $"select coalesce(max(seq_id), 0) from {ChainTable}";

    public const string CopyLinksSql = $"copy {ChainTable} (seq_id, prev_seq_id, event_id, hash, prev_hash, day) from stdin (format binary)";

    public const string UpsertDigestSql =
        $"insert into {DigestTable} (day, first_seq, last_seq, events, merkle_root, chain_head, closed) values ($1, $2, $3, $4, $5, $6, $7) " +
        "on conflict (day) do update set last_seq = excluded.last_seq, events = excluded.events, merkle_root = excluded.merkle_root, " +
        "chain_head = excluded.chain_head, closed = excluded.closed";
}
