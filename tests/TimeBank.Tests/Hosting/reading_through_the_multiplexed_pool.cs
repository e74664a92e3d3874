using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Hosting;

/// <summary>The hottest reads bypass Marten's session: what they read must be what Marten reads.</summary>
public sealed class reading_through_the_multiplexed_pool(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task a_document_read_by_id_is_the_one_marten_reads()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(90);
        var key = Guid.NewGuid().ToString();
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 30, reason = "赠与" },
            201, key);
        var reads = Host.Services.GetRequiredService<MultiplexedReads>();
        await using var session = Store.QuerySession();

        var account = await reads.LoadAsync<Account>(volunteer, CancellationToken.None);
        account.ShouldNotBeNull().BalanceMinutes.ShouldBe(60);
        account.ShouldBeEquivalentTo(await session.LoadAsync<Account>(volunteer));

        var claim = await session.Query<IdempotencyClaim>().SingleAsync(c => c.Id.EndsWith(":" + key));
        (await reads.LoadAsync<IdempotencyClaim>(claim.Id, CancellationToken.None)).ShouldNotBeNull().Fingerprint.ShouldBe(claim.Fingerprint);

        (await reads.LoadAsync<Account>(Guid.NewGuid(), CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public void the_pool_multiplexes_and_keeps_the_rest_of_the_connection_string()
    {
        var pool = new NpgsqlConnectionStringBuilder(
            MultiplexedReads.WithMultiplexing("Host=db.internal;Port=5433;Database=timebank;Username=tb;Password=secret;Max Auto Prepare=64"));
        pool.Multiplexing.ShouldBeTrue();
        (pool.Host, pool.Port, pool.Database, pool.Username, pool.Password, pool.MaxAutoPrepare)
            .ShouldBe(("db.internal", 5433, "timebank", "tb", "secret", 64));
    }
}
