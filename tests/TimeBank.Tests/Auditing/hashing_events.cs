using System.Security.Cryptography;
using System.Text;
using NodaTime;
using Shouldly;
using TimeBank.Auditing.Chain;

namespace TimeBank.Tests.Auditing;

/// <summary>The hashing rules themselves, without a host: what README.md tells an auditor to recompute.</summary>
public sealed class hashing_events
{
    private static string Canonical(string json)
    {
        var buffer = new CanonicalJson();
        buffer.Json(Encoding.UTF8.GetBytes(json));
        return buffer.ToString();
    }

    [Fact]
    public void canonical_json_sorts_members_and_drops_whitespace()
    {
        Canonical("""{ "b": 1, "a": { "z": [3, 2, {"y": true, "x": null}], "é": "陪老人聊天" }, "A": false }""")
            .ShouldBe("""{"A":false,"a":{"z":[3,2,{"x":null,"y":true}],"é":"陪老人聊天"},"b":1}""");
    }

    [Fact]
    public void canonical_json_escapes_only_what_json_requires()
    {
        Canonical("""{"s": "tab\tquote\" slash\/ back\\ \u0001 \u00e9 \ud83d\ude00"}""")
            .ShouldBe("{\"s\":\"tab\\tquote\\\" slash/ back\\\\ \\u0001 é 😀\"}");
    }

    [Theory]
    [InlineData("600", "600")]
    [InlineData("-0", "0")]
    [InlineData("1.0", "1")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1e20", "100000000000000000000")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("-123.456e2", "-12345.6")]
    public void canonical_numbers_follow_ecmascript(string stored, string canonical) =>
        Canonical($"[{stored}]").ShouldBe($"[{canonical}]");

    private static StoredEvent Event(long sequence, DateTime recordedAt, string data = """{"minutes": 30}""", string type = "service_recorded") => new(
        sequence, new Guid($"00000000-0000-0000-0000-{sequence:D12}"), new Guid("11111111-2222-3333-4444-555555555555"), null, sequence,
        type, recordedAt, Encoding.UTF8.GetBytes(data), Encoding.UTF8.GetBytes("""{"actor-role": "platform", "actor-key-id": "k1"}"""),
        "corr", "http:1", "k1");

    [Fact]
    public void an_events_hash_is_sha256_of_the_previous_hash_and_its_canonical_form()
    {
        var e = Event(7, new DateTime(2026, 11, 24, 5, 34, 36, 82, DateTimeKind.Utc).AddTicks(7260));
        var canonical = EventHashing.Canonical(e);
        canonical.ShouldBe("""{"causationId":"http:1","correlationId":"corr","data":{"minutes":30},"headers":{"actor-key-id":"k1","actor-role":"platform"},"id":"00000000-0000-0000-0000-000000000007","recordedAt":"2026-11-24T05:34:36.082726Z","sequence":7,"streamId":"11111111-2222-3333-4444-555555555555","type":"service_recorded","userName":"k1","version":7}""");

        var previous = SHA256.HashData("anything"u8);
        var expected = SHA256.HashData([.. previous, .. Encoding.UTF8.GetBytes(canonical)]);
        EventHashing.Hash(previous, e, new CanonicalJson()).ShouldBe(expected);
    }

    [Fact]
    public void tombstones_have_an_infinite_recorded_instant_and_keep_the_day_before_them()
    {
        var tombstone = Event(8, DateTime.MinValue, "{}", "tombstone");
        EventHashing.Canonical(tombstone).ShouldContain("\"recordedAt\":\"-infinity\"");
        EventHashing.DayOf(tombstone, new LocalDate(2026, 11, 24)).ShouldBe(new LocalDate(2026, 11, 24));
    }

    [Fact]
    public void days_are_dates_in_shanghai_and_never_go_back()
    {
        var monday = new LocalDate(2026, 11, 23);
        EventHashing.DayOf(Event(1, new DateTime(2026, 11, 23, 15, 59, 59, DateTimeKind.Utc)), monday).ShouldBe(monday);
        EventHashing.DayOf(Event(2, new DateTime(2026, 11, 23, 16, 0, 0, DateTimeKind.Utc)), monday).ShouldBe(monday.PlusDays(1));
        // Committed later with an earlier clock reading: filed under the later day already begun.
        EventHashing.DayOf(Event(3, new DateTime(2026, 11, 23, 15, 0, 0, DateTimeKind.Utc)), monday.PlusDays(1)).ShouldBe(monday.PlusDays(1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(13)]
    public void every_leaf_has_a_proof_that_folds_to_the_root(int count)
    {
        var hashes = Enumerable.Range(0, count).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToList();
        var root = Merkle.Root(hashes);
        for (var i = 0; i < count; i++)
        {
            var (path, proofRoot) = Merkle.Prove(hashes, i);
            proofRoot.ShouldBe(root);
            Merkle.Verify(hashes[i], path, root).ShouldBeTrue();
            Merkle.Verify(hashes[(i + 1) % count], path, root).ShouldBe(count == 1);
        }
    }

    [Fact]
    public void the_streaming_root_equals_the_root_built_level_by_level()
    {
        for (var count = 1; count <= 70; count++)
        {
            var hashes = Enumerable.Range(0, count).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToList();
            var accumulator = new MerkleAccumulator();
            foreach (var h in hashes) accumulator.Add(h);
            accumulator.Root().ShouldBe(Merkle.Root(hashes), $"{count} leaves");
        }
    }

    [Fact]
    public void the_root_of_three_is_built_as_the_readme_says()
    {
        byte[] H(params byte[][] parts) => SHA256.HashData(parts.SelectMany(p => p).ToArray());
        var hashes = Enumerable.Range(0, 3).Select(i => SHA256.HashData(BitConverter.GetBytes(i))).ToList();
        var leaves = hashes.Select(h => H([0], h)).ToList();
        var expected = H([1], H([1], leaves[0], leaves[1]), leaves[2]);
        Merkle.Root(hashes).ShouldBe(expected);
    }

    [Fact]
    public void chaining_in_pages_gives_the_chain_and_digests_of_one_pass()
    {
        var start = new DateTime(2026, 11, 23, 10, 0, 0, DateTimeKind.Utc); // 18:00 in Shanghai
        var events = Enumerable.Range(1, 40)
            .Select(i => i % 7 == 0 ? Event(i * 2, DateTime.MinValue, "{}", "tombstone") : Event(i * 2, start.AddHours(i)))
            .ToList();

        var whole = HashChain.Extend(ChainHead.Genesis, [], events);
        var closed = whole.Digests.Where(d => d.Closed).ToList();
        closed.Count.ShouldBe(2);
        var open = whole.Digests.Single(d => !d.Closed);
        open.LastSequence.ShouldBe(80);

        foreach (var digest in closed)
        {
            var dayHashes = whole.Links.Where(l => l.Day == digest.Day).Select(l => l.Hash).ToList();
            digest.MerkleRoot.ShouldBe(Merkle.Root(dayHashes));
            digest.ChainHead.ShouldBe(whole.Links.Last(l => l.Day == digest.Day).Hash);
            digest.Events.ShouldBe(dayHashes.Count);
        }

        // Page by page, with the head and the open day's hashes as the subscription reads them back.
        var links = new List<ChainLink>();
        var digests = new Dictionary<LocalDate, DigestRow>();
        var head = ChainHead.Genesis;
        foreach (var page in events.Chunk(6))
        {
            var dayHashes = links.Where(l => l.Day == head.Day).Select(l => l.Hash).ToList();
            var extension = HashChain.Extend(head, head.IsGenesis ? [] : dayHashes, page);
            links.AddRange(extension.Links);
            foreach (var d in extension.Digests) digests[d.Day] = d;
            var last = links[^1];
            var openRow = digests[last.Day];
            head = new ChainHead(last.Sequence, last.Hash, last.Day, openRow.FirstSequence, openRow.Events);
        }

        static string Link(ChainLink l) => $"{l.Sequence} {l.PreviousSequence} {l.EventId} {EventHashing.Hex(l.Hash)} {EventHashing.Hex(l.PreviousHash)} {l.Day}";
        static string Digest(DigestRow d) =>
            $"{d.Day} {d.FirstSequence}-{d.LastSequence} {d.Events} {EventHashing.Hex(d.MerkleRoot)} {EventHashing.Hex(d.ChainHead)} {d.Closed}";
        links.Select(Link).ShouldBe(whole.Links.Select(Link));
        links.Select(l => l.PreviousSequence).Skip(1).ShouldBe(links.Select(l => l.Sequence).SkipLast(1));
        digests.Values.OrderBy(d => d.Day).Select(Digest).ShouldBe(whole.Digests.Select(Digest));
    }
}
