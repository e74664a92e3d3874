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

/// <summary>
/// The same root as <see cref="Merkle.Root"/>, built leaf by leaf in O(log n) memory: complete subtrees wait on a
/// stack like the carries of a binary counter, and the root folds them from the right (a carried-up node is the
/// right-hand child of the first subtree left of it).
/// </summary>
public sealed class MerkleAccumulator
{
    private readonly List<(int Level, byte[] Hash)> _subtrees = [];

    public long Count { get; private set; }

    public void Add(ReadOnlySpan<byte> eventHash)
    {
        var node = Merkle.Leaf(eventHash);
        var level = 0;
        while (_subtrees.Count > 0 && _subtrees[^1].Level == level)
        {
            node = Merkle.Node(_subtrees[^1].Hash, node);
            _subtrees.RemoveAt(_subtrees.Count - 1);
            level++;
        }
        _subtrees.Add((level, node));
        Count++;
    }

    public byte[] Root()
    {
        if (_subtrees.Count == 0) throw new InvalidOperationException("A day's digest has at least one event.");
        var root = _subtrees[^1].Hash;
        for (var i = _subtrees.Count - 2; i >= 0; i--) root = Merkle.Node(_subtrees[i].Hash, root);
        return root;
    }
}
