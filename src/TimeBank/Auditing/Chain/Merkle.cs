using System.Security.Cryptography;

namespace TimeBank.Auditing.Chain;

public enum SiblingSide
{
    Left,
    Right
}

public sealed record ProofStep(SiblingSide Side, string Hash);

/// <summary>
/// The Merkle tree of one day's event hashes. Leaf = SHA-256(0x00 ‖ event hash); parent =
/// SHA-256(0x01 ‖ left ‖ right); a last node without a partner is carried up unchanged. The prefixes keep
/// a leaf from ever passing for an inner node (as in RFC 6962).
/// </summary>
public static class Merkle
{
    public static byte[] Leaf(ReadOnlySpan<byte> eventHash)
    {
        Span<byte> input = stackalloc byte[1 + EventHashing.HashSize];
        input[0] = 0;
        eventHash.CopyTo(input[1..]);
        return SHA256.HashData(input);
    }

    public static byte[] Node(ReadOnlySpan<byte> left, ReadOnlySpan<byte> right)
    {
        Span<byte> input = stackalloc byte[1 + 2 * EventHashing.HashSize];
        input[0] = 1;
        left.CopyTo(input[1..]);
        right.CopyTo(input[(1 + EventHashing.HashSize)..]);
        return SHA256.HashData(input);
    }

    public static byte[] Root(IReadOnlyList<byte[]> eventHashes)
    {
        if (eventHashes.Count == 0) throw new ArgumentException("A day's digest has at least one event.", nameof(eventHashes));
        var level = eventHashes.Select(h => Leaf(h)).ToList();
        while (level.Count > 1) level = Up(level);
        return level[0];
    }

    /// <summary>The siblings from the leaf at <paramref name="index"/> up to the root, and the root.</summary>
    public static (IReadOnlyList<ProofStep> Path, byte[] Root) Prove(IReadOnlyList<byte[]> eventHashes, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, eventHashes.Count);
        var path = new List<ProofStep>();
        var level = eventHashes.Select(h => Leaf(h)).ToList();
        while (level.Count > 1)
        {
            var sibling = index ^ 1;
            if (sibling < level.Count)
            {
                path.Add(new ProofStep(index % 2 == 0 ? SiblingSide.Right : SiblingSide.Left, Convert.ToHexStringLower(level[sibling])));
            }
            level = Up(level);
            index /= 2;
        }
        return (path, level[0]);
    }

    /// <summary>What an auditor does by hand: fold the path onto the leaf and compare with the root.</summary>
    public static bool Verify(ReadOnlySpan<byte> eventHash, IEnumerable<ProofStep> path, ReadOnlySpan<byte> root)
    {
        var node = Leaf(eventHash);
        foreach (var step in path)
        {
            var sibling = Convert.FromHexString(step.Hash);
            node = step.Side == SiblingSide.Left ? Node(sibling, node) : Node(node, sibling);
        }
        return node.AsSpan().SequenceEqual(root);
    }

    private static List<byte[]> Up(List<byte[]> level)
    {
        var next = new List<byte[]>((level.Count + 1) / 2);
        for (var i = 0; i < level.Count; i += 2)
        {
            next.Add(i + 1 < level.Count ? Node(level[i], level[i + 1]) : level[i]);
        }
        return next;
    }
}
