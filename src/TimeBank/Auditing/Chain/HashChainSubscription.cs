using Marten.Subscriptions;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Npgsql;

namespace TimeBank.Auditing.Chain;

/// <summary>What one page of the daemon adds to the chain: links, and the digest rows of the days it touched.</summary>
public sealed record ChainExtension(IReadOnlyList<ChainLink> Links, IReadOnlyList<DigestRow> Digests)
{
    public static readonly ChainExtension None = new([], []);
}

/// <summary>
/// Extends the hash chain off the write path. Run by Marten's async daemon, which hands over pages in global
/// sequence order only up to its high-water mark (below which every sequence is committed or given up as a
/// gap). The page's events are not used: the chain hashes the mt_events rows as stored, from the last chained
/// sequence through the page's ceiling, tombstones and archived events included. The chain keeps its own
/// cursor (its last link), so it writes in transactions of its own, a bounded number of events each: a page
/// that is redone finds nothing left to chain, and a large backlog never sits in memory at once.
/// </summary>
public sealed class HashChainSubscription : FoldingSubscription
{
    public const string SubscriptionName = "AuditHashChain";
    public const int EventsPerTransaction = 5000;

    /// <summary>The chain's name in the folds' metrics.</summary>
    public const string FoldName = "hash-chain";

    public HashChainSubscription()
    {
        Name = SubscriptionName;
        Options.BatchSize = 2000;
        // The chain reads the stored rows itself; filtering on a type no event has keeps the daemon from loading and
        // deserialising every event a second time only to hand over the page's ceiling.
        IncludeType<NoEventIsOfThisType>();
    }

    private sealed record NoEventIsOfThisType;

    protected override async Task<IChangeListener> FoldAsync(EventRange page, IDocumentOperations operations, CancellationToken cancellationToken)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var linked = 0;
        await using var connection = operations.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellationToken);
        while (true)
        {
            var extension = await HashChain.ExtendAsync(connection, page.SequenceCeiling, EventsPerTransaction, cancellationToken);
            if (extension.Links.Count == 0) break;
            // Nothing is written when another node extended the chain meanwhile: the next round starts from its head.
            if (await HashChain.WriteAsync(connection, extension, cancellationToken)) linked += extension.Links.Count;
        }
        Hosting.Telemetry.Folded(FoldName, linked, System.Diagnostics.Stopwatch.GetElapsedTime(started));
        return NullChangeListener.Instance;
    }
}

public static class HashChain
{
    /// <summary>Chains the next stored events, at most <paramref name="limit"/>, through sequence <paramref name="through"/>.</summary>
    public static async Task<ChainExtension> ExtendAsync(NpgsqlConnection connection, long through, int limit, CancellationToken cancellation)
    {
        var head = await ChainStore.LoadHeadAsync(connection, cancellation);
        if (through <= head.Sequence) return ChainExtension.None;

        var events = new List<StoredEvent>();
        await foreach (var e in ChainStore.ReadEventsAsync(connection, head.Sequence, through, cancellation, limit)) events.Add(e);
        if (events.Count == 0) return ChainExtension.None;

        // Closing the open day needs the hashes it already has; load them only when this page closes it.
        var closesOpenDay = !head.IsGenesis && events.Any(e => e.HasFiniteRecordedAt && EventHashing.DayOf(e, head.Day) > head.Day);
        var openDayHashes = closesOpenDay
            ? await ChainStore.LoadDayHashesAsync(connection, head.Day, head.OpenDayFirstSequence, head.Sequence, cancellation)
            : [];
        return Extend(head, openDayHashes, events);
    }

    /// <summary>
    /// Chains <paramref name="events"/> (in sequence order, all after the head) onto <paramref name="head"/>.
    /// <paramref name="openDayHashes"/> are the hashes already chained on the head's day, needed only if a
    /// later day begins among the events.
    /// </summary>
    public static ChainExtension Extend(ChainHead head, IReadOnlyList<byte[]> openDayHashes, IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0) return ChainExtension.None;
        var links = new List<ChainLink>(events.Count);
        var digests = new List<DigestRow>();
        var scratch = new CanonicalJson();
        var (previousSequence, previousHash, previousDay) = (head.Sequence, head.Hash, head.Day);

        LocalDate? openDay = head.IsGenesis ? null : head.Day;
        var openFirst = head.OpenDayFirstSequence;
        var openEvents = head.OpenDayEvents;
        var openHashes = new List<byte[]>(openDayHashes);

        foreach (var e in events)
        {
            if (e.Sequence <= previousSequence) throw new ArgumentException("Events must follow the head in sequence order.", nameof(events));
            var hash = EventHashing.Hash(previousHash, e, scratch);
            var day = EventHashing.DayOf(e, previousDay);
            if (openDay is { } open && day > open)
            {
                if (openHashes.Count != openEvents)
                {
                    throw new InvalidOperationException($"The chain holds {openHashes.Count} hashes for {open}, its digest row counts {openEvents}.");
                }
                digests.Add(new DigestRow(open, openFirst, previousSequence, openEvents, Merkle.Root(openHashes), previousHash, true));
                openDay = null;
            }
            if (openDay is null)
            {
                openDay = day;
                openFirst = e.Sequence;
                openEvents = 0;
                openHashes = [];
            }

            links.Add(new ChainLink(e.Sequence, previousSequence, e.Id, hash, previousHash, day));
            openHashes.Add(hash);
            openEvents++;
            (previousSequence, previousHash, previousDay) = (e.Sequence, hash, day);
        }

        digests.Add(new DigestRow(openDay!.Value, openFirst, previousSequence, openEvents, null, null, false));
        return new ChainExtension(links, digests);
    }

    /// <summary>
    /// Writes the links and the digest rows they touch in one transaction, if the chain still ends where the extension
    /// begins. Writers take turns on a lock, so a node that extended a stale head (another node led the daemon meanwhile)
    /// writes nothing, rather than setting the open day's digest row back to its own, shorter count. Returns whether it wrote.
    /// </summary>
    public static async Task<bool> WriteAsync(NpgsqlConnection connection, ChainExtension extension, CancellationToken cancellation)
    {
        if (extension.Links.Count == 0) return false;
        var links = extension.Links;
        await using var transaction = await connection.BeginTransactionAsync(cancellation);
        await using (var head = new NpgsqlBatch(connection, transaction)
                     {
                         BatchCommands = { new(ChainStore.TakeWritersTurnSql), new(ChainStore.LastChainedSequenceSql) }
                     })
        await using (var reader = await head.ExecuteReaderAsync(cancellation))
        {
            await reader.NextResultAsync(cancellation);
            await reader.ReadAsync(cancellation);
            if (reader.GetInt64(0) != links[0].PreviousSequence) return false;
        }
        // The links go in as COPY rows rather than one insert of six arrays: a backlog chains about a sixth faster.
        await using (var copy = await connection.BeginBinaryImportAsync(ChainStore.CopyLinksSql, cancellation))
        {
            foreach (var link in links)
            {
                await copy.StartRowAsync(cancellation);
                await copy.WriteAsync(link.Sequence, NpgsqlTypes.NpgsqlDbType.Bigint, cancellation);
                await copy.WriteAsync(link.PreviousSequence, NpgsqlTypes.NpgsqlDbType.Bigint, cancellation);
                await copy.WriteAsync(link.EventId, NpgsqlTypes.NpgsqlDbType.Uuid, cancellation);
                await copy.WriteAsync(link.Hash, NpgsqlTypes.NpgsqlDbType.Bytea, cancellation);
                await copy.WriteAsync(link.PreviousHash, NpgsqlTypes.NpgsqlDbType.Bytea, cancellation);
                await copy.WriteAsync(link.Day.ToDateOnly(), NpgsqlTypes.NpgsqlDbType.Date, cancellation);
            }
            await copy.CompleteAsync(cancellation);
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var d in extension.Digests)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(ChainStore.UpsertDigestSql)
            {
                Parameters =
                {
                    new() { Value = d.Day.ToDateOnly() },
                    new() { Value = d.FirstSequence },
                    new() { Value = d.LastSequence },
                    new() { Value = d.Events },
                    new() { Value = (object?)d.MerkleRoot ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea },
                    new() { Value = (object?)d.ChainHead ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea },
                    new() { Value = d.Closed }
                }
            });
        }
        await batch.ExecuteNonQueryAsync(cancellation);
        await transaction.CommitAsync(cancellation);
        return true;
    }
}
