using Shouldly;
using TimeBank.Hosting;
using TimeBank.Markets;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Markets;

public sealed class listing_markets(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task markets_are_listed_by_name_and_a_kiosk_sees_only_its_own()
    {
        // Names the test controls: other tests (the fuzz test among them) open markets with any characters, whose order
        // is the database's collation, not .NET's.
        var prefix = $"安{Guid.NewGuid():N}"[..10];
        var later = await Fixture.OpenMarketAsync(prefix + "b");
        var market = await Fixture.OpenMarketAsync(prefix + "a");
        var kiosk = await Fixture.KioskKeyAsync(market);

        var all = await Host.GetAsync<Page<MarketView>>(Keys.Auditor, "/api/markets?pageSize=200");
        all.Items.ShouldContain(m => m.Id == market);
        var ids = all.Items.Select(m => m.Id).ToList();
        ids.IndexOf(market).ShouldBeLessThan(ids.IndexOf(later), "listed by name");

        var own = await Host.GetAsync<Page<MarketView>>(kiosk, "/api/markets");
        own.Items.Select(m => m.Id).ShouldBe([market]);
        own.TotalItems.ShouldBe(1);
    }

    [Fact]
    public async Task markets_are_found_by_district_and_bad_paging_is_refused()
    {
        var district = await Host.GetAsync<Page<MarketView>>(Keys.Platform, "/api/markets?district=和平区&pageSize=200");
        district.Items.ShouldAllBe(m => m.District == "和平区");
        (await Host.SendAsync(Keys.Platform, "GET", "/api/markets?page=0")).Status().ShouldBe(400);
    }
}
