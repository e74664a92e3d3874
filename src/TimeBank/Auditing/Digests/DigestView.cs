using Npgsql;
using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing.Digests;

/// <summary>
/// A day's digest (the day in Asia/Shanghai): the Merkle root of that day's event hashes and the chain head
/// (the hash of the day's last event). A day closes when the first event of a later day is chained; until then
/// it is shown with <c>closed: false</c> and figures that still grow.
/// </summary>
public sealed record DigestView(
    LocalDate Day,
    string Zone,
    long FirstSequence,
    long LastSequence,
    long Events,
    string MerkleRoot,
    string ChainHead,
    bool Closed);

public static class DayDigests
{
    public static async Task<(DigestRow Row, List<byte[]> Hashes)?> LoadAsync(NpgsqlConnection connection, LocalDate day, CancellationToken cancellation)
    {
        var row = await ChainStore.LoadDigestAsync(connection, day, cancellation);
        if (row is null) return null;
        var hashes = await ChainStore.LoadDayHashesAsync(connection, day, row.FirstSequence, row.LastSequence, cancellation);
        return (row, hashes);
    }

    public static async Task<DigestView> ViewAsync(NpgsqlConnection connection, DigestRow row, CancellationToken cancellation)
    {
        if (row is { Closed: true, MerkleRoot: { } root, ChainHead: { } head })
        {
            return new DigestView(row.Day, EventHashing.DigestZone.Id, row.FirstSequence, row.LastSequence, row.Events,
                EventHashing.Hex(root), EventHashing.Hex(head), true);
        }
        var hashes = await ChainStore.LoadDayHashesAsync(connection, row.Day, row.FirstSequence, row.LastSequence, cancellation);
        return new DigestView(row.Day, EventHashing.DigestZone.Id, row.FirstSequence, row.LastSequence, hashes.Count,
            EventHashing.Hex(Merkle.Root(hashes)), EventHashing.Hex(hashes[^1]), false);
    }
}
