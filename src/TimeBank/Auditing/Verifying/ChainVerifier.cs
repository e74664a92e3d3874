using Npgsql;
using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing.Verifying;

/// <summary>
/// How stored data departs from the chain. <c>modified</c>: the event's canonical form no longer hashes to its
/// link; <c>missing</c>: a chained event is gone from the store; <c>unchained</c>: the store holds an event the
/// chain never saw; <c>reordered</c>: an event sits at another sequence than the one it was chained at;
/// <c>chain-broken</c>: the chain's own links or digests were altered.
/// </summary>
public static class MismatchKinds
{
    public const string Modified = "modified";
    public const string Missing = "missing";
    public const string Unchained = "unchained";
    public const string Reordered = "reordered";
    public const string ChainBroken = "chain-broken";
}

public sealed record Mismatch(
    long Sequence,
    string Kind,
    string? ExpectedHash,
    string? ActualHash,
    string Detail,
    long? ChainedAtSequence = null,
    LocalDate? Day = null);

public sealed record VerificationReport(
    bool Verified,
    long From,
    long To,
    long EventsChecked,
    int DigestsChecked,
    long? HeadSequence,
    string? HeadHash,
    long EventsNotYetChained,
    Mismatch? Mismatch);

/// <summary>
/// Recomputes the chain from the mt_events rows and compares it, link by link, with the stored chain and
/// the stored daily digests. Reads the chain and the events as two streams in sequence order (constant
/// memory: a day's Merkle tree is kept as its O(log n) complete subtrees) and stops at the first difference.
/// </summary>
public sealed class ChainVerifier(IDocumentStore store)
{
    public const int ProgressEvery = 10_000;

    public async Task<VerificationReport> VerifyAsync(long? from, long? to, IProgress<long>? progress, CancellationToken cancellation)
    {
        await using var chainConnection = await OpenAsync(cancellation);
        await using var eventConnection = await OpenAsync(cancellation);
        // Head, links and digests from one snapshot: the chain may be extended while it is verified, and a head read
        // before the digests were would look like links gone missing.
        await using var snapshot = await chainConnection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellation);

        var head = await ChainStore.LoadHeadAsync(chainConnection, cancellation);
        var pending = await ChainStore.CountEventsAfterAsync(chainConnection, head.Sequence, cancellation);
        var first = Math.Max(1, from ?? 1);
        var last = Math.Min(to ?? head.Sequence, head.Sequence);
        if (head.IsGenesis || first > last)
        {
            return new VerificationReport(true, first, last, 0, 0, head.IsGenesis ? null : head.Sequence,
                head.IsGenesis ? null : EventHashing.Hex(head.Hash), pending, null);
        }

        var anchor = await AnchorAsync(chainConnection, first, cancellation);
        var digests = (await ChainStore.LoadDigestsAsync(chainConnection, anchor.Day, head.Day, int.MaxValue, cancellation))
            .ToDictionary(d => d.Day);

        var walk = new Walk(anchor, digests);
        await using (var links = new NpgsqlCommand(
                         $"select seq_id, prev_seq_id, event_id, hash, prev_hash, day from {ChainStore.ChainTable} where seq_id >= $1 and seq_id <= $2 order by seq_id",
                         chainConnection) { Parameters = { new() { Value = first }, new() { Value = last } } })
        await using (var events = new NpgsqlCommand(
                         $"select {StoredEvents.ColumnsWithoutKind} from {StoredEvents.Schema}.mt_events e where e.seq_id >= $1 and e.seq_id <= $2 order by e.seq_id",
                         eventConnection) { Parameters = { new() { Value = first }, new() { Value = last } } })
        {
            var linkReading = links.ExecuteReaderAsync(cancellation);
            var eventReading = events.ExecuteReaderAsync(cancellation);
            await using var linkReader = await linkReading;
            await using var eventReader = await eventReading;

            var link = await linkReader.ReadAsync(cancellation) ? ChainStore.ReadLink(linkReader) : null;
            var stored = await eventReader.ReadAsync(cancellation) ? StoredEvents.Read(eventReader) : null;
            while (walk.Mismatch is null && (link is not null || stored is not null))
            {
                if (stored is null || (link is not null && link.Sequence < stored.Sequence))
                {
                    walk.Missing(link!);
                    break;
                }
                if (link is null || stored.Sequence < link.Sequence)
                {
                    walk.Unchained(stored);
                    break;
                }

                walk.Check(link, stored);
                if (walk.Checked % ProgressEvery == 0) progress?.Report(walk.Checked);
                link = await linkReader.ReadAsync(cancellation) ? ChainStore.ReadLink(linkReader) : null;
                stored = await eventReader.ReadAsync(cancellation) ? StoredEvents.Read(eventReader) : null;
            }
        }

        if (walk.Mismatch is null && last == head.Sequence) walk.CheckTail(head, digests);
        if (walk.Mismatch is { Kind: MismatchKinds.Modified } modified)
        {
            walk.Mismatch = await ExplainAsync(chainConnection, modified, walk.MismatchedEventId, cancellation);
        }
        progress?.Report(walk.Checked);

        return new VerificationReport(walk.Mismatch is null, first, last, walk.Checked, walk.DigestsChecked, head.Sequence,
            EventHashing.Hex(head.Hash), pending, walk.Mismatch);
    }

    /// <summary>An event that hashes differently but carries another event's id was moved, not edited.</summary>
    private static async Task<Mismatch> ExplainAsync(NpgsqlConnection connection, Mismatch mismatch, Guid? eventId, CancellationToken cancellation)
    {
        if (eventId is null) return mismatch;
        await using var command = new NpgsqlCommand($"select seq_id from {ChainStore.ChainTable} where event_id = $1 and seq_id <> $2", connection)
        {
            Parameters = { new() { Value = eventId.Value }, new() { Value = mismatch.Sequence } }
        };
        if (await command.ExecuteScalarAsync(cancellation) is not long chainedAt) return mismatch;
        return mismatch with
        {
            Kind = MismatchKinds.Reordered,
            ChainedAtSequence = chainedAt,
            Detail = $"Event {eventId} is stored at sequence {mismatch.Sequence} but was chained at sequence {chainedAt}: events were reordered."
        };
    }

    private async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellation)
    {
        var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        return connection;
    }

    private static async Task<ChainLink> AnchorAsync(NpgsqlConnection connection, long first, CancellationToken cancellation)
    {
        await using var command = new NpgsqlCommand(
            $"select seq_id, prev_seq_id, event_id, hash, prev_hash, day from {ChainStore.ChainTable} where seq_id < $1 order by seq_id desc limit 1",
            connection) { Parameters = { new() { Value = first } } };
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        return await reader.ReadAsync(cancellation)
            ? ChainStore.ReadLink(reader)
            : new ChainLink(0, 0, Guid.Empty, EventHashing.Genesis, EventHashing.Genesis, EventHashing.GenesisDay);
    }

    /// <summary>The state of one verification as it walks the chain.</summary>
    private sealed class Walk(ChainLink anchor, IReadOnlyDictionary<LocalDate, DigestRow> digests)
    {
        private readonly CanonicalJson _scratch = new();
        private long _previousSequence = anchor.Sequence;
        private byte[] _previousHash = anchor.Hash;
        private LocalDate _previousDay = anchor.Day;

        // The day being walked, and its Merkle tree so far if its first event lies inside the range.
        private LocalDate _day = anchor.Day;
        private MerkleAccumulator? _dayTree;
        private long _dayFirst;

        public long Checked { get; private set; }
        public int DigestsChecked { get; private set; }
        public Mismatch? Mismatch { get; set; }
        public Guid? MismatchedEventId { get; private set; }

        public void Missing(ChainLink link) => Mismatch = new Mismatch(link.Sequence, MismatchKinds.Missing, EventHashing.Hex(link.Hash), null,
            $"Event {link.Sequence} ({link.EventId}) was chained but is no longer in the event store.");

        public void Unchained(StoredEvent e) => Mismatch = new Mismatch(e.Sequence, MismatchKinds.Unchained, null,
            EventHashing.Hex(EventHashing.Hash(_previousHash, e, _scratch)),
            $"Event {e.Sequence} ({e.Id}, {e.Type}) is in the event store but the chain has no link for it: it was added behind the chain.");

        public void Check(ChainLink link, StoredEvent e)
        {
            if (link.PreviousSequence != _previousSequence)
            {
                Mismatch = link.PreviousSequence > _previousSequence
                    ? new Mismatch(link.PreviousSequence, MismatchKinds.Missing, null, null,
                        $"Event {link.PreviousSequence} was chained before {link.Sequence}, but both the event and its link are gone.")
                    : new Mismatch(link.Sequence, MismatchKinds.ChainBroken, null, null,
                        $"The link of {link.Sequence} names {link.PreviousSequence} as its predecessor; the chain holds {_previousSequence}.");
                return;
            }
            if (!link.PreviousHash.AsSpan().SequenceEqual(_previousHash))
            {
                Mismatch = new Mismatch(link.Sequence, MismatchKinds.ChainBroken, EventHashing.Hex(_previousHash), EventHashing.Hex(link.PreviousHash),
                    $"The link of {link.Sequence} does not carry the hash of the link before it.");
                return;
            }

            var actual = EventHashing.Hash(_previousHash, e, _scratch);
            if (!actual.AsSpan().SequenceEqual(link.Hash))
            {
                MismatchedEventId = e.Id == link.EventId ? null : e.Id;
                Mismatch = new Mismatch(e.Sequence, MismatchKinds.Modified, EventHashing.Hex(link.Hash), EventHashing.Hex(actual),
                    $"Event {e.Sequence} ({e.Type}) no longer matches the hash it was chained with: its stored data was changed.");
                return;
            }

            var day = EventHashing.DayOf(e, _previousDay);
            if (day != link.Day)
            {
                Mismatch = new Mismatch(e.Sequence, MismatchKinds.ChainBroken, null, null,
                    $"The link of {e.Sequence} is filed under {link.Day}; its recorded instant puts it on {day}.", Day: link.Day);
                return;
            }
            if (day != _day)
            {
                CheckDigest();
                if (Mismatch is not null) return;
                _day = day;
                _dayTree = new MerkleAccumulator();
                _dayFirst = e.Sequence;
            }
            _dayTree?.Add(actual);

            Checked++;
            (_previousSequence, _previousHash, _previousDay) = (e.Sequence, actual, day);
        }

        /// <summary>The day just walked is complete: compare its digest with the stored one.</summary>
        private void CheckDigest()
        {
            if (_dayTree is null || _dayTree.Count == 0) return;
            if (!digests.TryGetValue(_day, out var digest) || !digest.Closed)
            {
                Mismatch = new Mismatch(_dayFirst, MismatchKinds.ChainBroken, null, null, $"The closed day {_day} has no stored digest.", Day: _day);
                return;
            }
            var root = _dayTree.Root();
            if (digest.FirstSequence != _dayFirst || digest.LastSequence != _previousSequence || digest.Events != _dayTree.Count
                || !root.AsSpan().SequenceEqual(digest.MerkleRoot) || !_previousHash.AsSpan().SequenceEqual(digest.ChainHead))
            {
                Mismatch = new Mismatch(digest.FirstSequence, MismatchKinds.ChainBroken, EventHashing.Hex(root), EventHashing.Hex(digest.MerkleRoot),
                    $"The stored digest of {_day} does not match its events (recomputed: sequences {_dayFirst}-{_previousSequence}, " +
                    $"{_dayTree.Count} events).", Day: _day);
                return;
            }
            DigestsChecked++;
        }

        /// <summary>At the head: the open day's digest row must agree with where the chain ends.</summary>
        public void CheckTail(ChainHead head, IReadOnlyDictionary<LocalDate, DigestRow> stored)
        {
            if (stored.TryGetValue(head.Day, out var open) && !open.Closed && open.LastSequence > head.Sequence)
            {
                Mismatch = new Mismatch(open.LastSequence, MismatchKinds.Missing, null, null,
                    $"The chain was extended through {open.LastSequence}, but its links after {head.Sequence} are gone.", Day: head.Day);
            }
        }
    }
}
