using Shouldly;
using TimeBank.Auditing.Chain;
using TimeBank.Auditing.Verifying;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

/// <summary>Two nodes may extend the chain at once while the daemon moves between them; only one extension of a head is kept.</summary>
public sealed class extending_the_chain(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task an_extension_of_a_head_that_has_moved_on_writes_nothing()
    {
        await Fixture.VolunteerWithBalance(60);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var firstEvents = new List<StoredEvent>();
        await foreach (var e in ChainStore.ReadEventsAsync(connection, 0, long.MaxValue, CancellationToken.None, limit: 3)) firstEvents.Add(e);
        // What a node that still saw an empty chain would write: the first three links and their day's digest row.
        var stale = HashChain.Extend(ChainHead.Genesis, [], firstEvents);
        var day = stale.Digests[^1].Day;
        var before = (await ChainStore.LoadDigestAsync(connection, day, CancellationToken.None))!;
        before.Events.ShouldBeGreaterThan(3);

        (await HashChain.WriteAsync(connection, stale, CancellationToken.None)).ShouldBeFalse();

        var after = (await ChainStore.LoadDigestAsync(connection, day, CancellationToken.None))!;
        after.Events.ShouldBeGreaterThanOrEqualTo(before.Events);
        after.LastSequence.ShouldBeGreaterThanOrEqualTo(before.LastSequence);
        (await Host.GetAsync<VerificationReport>(Keys.Auditor, "/api/audit/verify")).Verified.ShouldBeTrue();
    }
}
