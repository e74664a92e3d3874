using JasperFx.Events.Projections;

namespace TimeBank.Markets;

public static class MarketsSetup
{
    public static StoreOptions AddMarkets(this StoreOptions opts)
    {
        opts.InlineSnapshot<Market>();
        opts.InlineSnapshot<MarketItem>().Index(i => i.MarketId);
        opts.Projections.Add<MarketOrderProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<MarketOrder>()
            .Index(o => o.MarketId)
            .Duplicate(o => o.PlacedAtUnixMs)
            .Duplicate(o => o.RefundedAtUnixMs);
        return opts;
    }
}
