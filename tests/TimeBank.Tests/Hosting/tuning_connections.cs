using Marten;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Hosting;

/// <summary>The service's own connection defaults: each applies only where the connection string says nothing.</summary>
public sealed class tuning_connections(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public void a_bare_connection_string_gets_every_default()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ConnectionTuning.WithServiceDefaults("Host=db;Database=timebank;Username=tb"));
        tuned.NoResetOnClose.ShouldBeTrue();
        tuned.MaxAutoPrepare.ShouldBe(64);
        tuned.AutoPrepareMinUsages.ShouldBe(2);
        tuned.Options.ShouldBe("-c random_page_cost=1.1");
        (tuned.Host, tuned.Database, tuned.Username).ShouldBe(("db", "timebank", "tb"));
    }

    [Fact]
    public void what_the_connection_string_says_is_kept()
    {
        var tuned = new NpgsqlConnectionStringBuilder(ConnectionTuning.WithServiceDefaults(
            "Host=db;No Reset On Close=false;Max Auto Prepare=8;Auto Prepare Min Usages=5;Options=-c random_page_cost=2 -c work_mem=8MB"));
        tuned.NoResetOnClose.ShouldBeFalse();
        tuned.MaxAutoPrepare.ShouldBe(8);
        tuned.AutoPrepareMinUsages.ShouldBe(5);
        tuned.Options.ShouldBe("-c random_page_cost=2 -c work_mem=8MB");
    }

    [Fact]
    public async Task the_services_sessions_plan_with_the_lower_random_page_cost()
    {
        await using var session = Store.QuerySession();
        var cost = await session.QueryAsync<string>("select current_setting('random_page_cost') as value");
        cost.ShouldHaveSingleItem().ShouldBe(ConnectionTuning.RandomPageCost);
    }
}
