using TimeBank.Auditing.Chain;
using TimeBank.Auditing.Digests;

namespace TimeBank.Auditing.Proving;

/// <summary>
/// Everything needed to check one event by hand: hash = SHA-256(prevHash ‖ canonical); leaf = SHA-256(0x00 ‖ hash);
/// then for each step of the path, node = SHA-256(0x01 ‖ sibling ‖ node) when the sibling is on the left, or
/// SHA-256(0x01 ‖ node ‖ sibling) when it is on the right; the last node equals merkleRoot, the day's digest.
/// </summary>
public sealed record InclusionProof(
    long Sequence,
    LocalDate Day,
    string Zone,
    bool DigestClosed,
    int LeafIndex,
    int LeafCount,
    string Canonical,
    string PrevHash,
    string Hash,
    string Leaf,
    IReadOnlyList<ProofStep> Path,
    string MerkleRoot,
    string ChainHead);

public static class GetProofEndpoint
{
    /// <summary>The inclusion proof of one event in its day's digest, checkable without the service (see README.md, Auditing).</summary>
    [WolverineGet("/api/audit/events/{sequence}/proof", OperationId = "GetInclusionProof")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<InclusionProof>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status400BadRequest)]
    public static async Task<IResult> Get(string sequence, IDocumentStore store, CancellationToken cancellation)
    {
        if (!long.TryParse(sequence, out var seq) || seq < 1)
        {
            return Problems.Validation("sequence", "sequence is an event's global sequence number, 1 or more.").ToResult();
        }

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var link = await ChainStore.FindLinkAsync(connection, seq, cancellation);
        StoredEvent? stored = null;
        await foreach (var e in ChainStore.ReadEventsAsync(connection, seq - 1, seq, cancellation)) stored = e;
        if (link is null)
        {
            return stored is null
                ? Problems.NotFound("Event", seq).ToResult()
                : Problems.Refusal(Problems.Types.NotYetChained, StatusCodes.Status409Conflict, "The event is not chained yet.",
                    $"Event {seq} is stored but the hash chain has not reached it yet; retry in a moment.").ToResult();
        }
        if (stored is null)
        {
            return Problems.Refusal(Problems.Types.NotFound, StatusCodes.Status404NotFound, "Event not found.",
                $"Event {seq} was chained but is no longer in the event store: GET /api/audit/verify reports it.").ToResult();
        }

        // A damaged chain table is what this endpoint exists to reveal: say so instead of failing.
        var day = await DayDigests.LoadAsync(connection, link.Day, cancellation);
        var index = day?.Hashes.FindIndex(h => h.AsSpan().SequenceEqual(link.Hash)) ?? -1;
        if (day is null || index < 0) return ChainBroken(seq, $"the digest of {link.Day:yyyy-MM-dd} does not hold its link");
        var (path, root) = Merkle.Prove(day.Value.Hashes, index);
        if (day.Value.Row is { Closed: true, MerkleRoot: { } closedRoot } && !closedRoot.AsSpan().SequenceEqual(root))
        {
            return ChainBroken(seq, $"the closed digest of {link.Day:yyyy-MM-dd} does not match the links it covers");
        }
        return Results.Ok(new InclusionProof(seq, link.Day, EventHashing.DigestZone.Id, day.Value.Row.Closed, index, day.Value.Hashes.Count,
            EventHashing.Canonical(stored), EventHashing.Hex(link.PreviousHash), EventHashing.Hex(link.Hash),
            EventHashing.Hex(Merkle.Leaf(link.Hash)), path, EventHashing.Hex(root), EventHashing.Hex(day.Value.Hashes[^1])));
    }

    private static IResult ChainBroken(long sequence, string what) =>
        Problems.Refusal(Problems.Types.ChainBroken, StatusCodes.Status409Conflict, "The hash chain around this event is damaged.",
            $"No proof for event {sequence}: {what}. GET /api/audit/verify names where the chain breaks.").ToResult();
}
