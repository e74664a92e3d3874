using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Markets;
using TimeBank.Markets.Cataloguing;
using TimeBank.Markets.Opening;
using TimeBank.Markets.Ordering;
using TimeBank.Markets.Refunding;
using TimeBank.Markets.Stocking;
using Xunit;

namespace TimeBank.Tests.Markets;

/// <summary>The love market's decisions as pure functions of (command, state, now).</summary>
public sealed class deciding_market_movements
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Guid MarketId = Guid.CreateVersion7();
    private static readonly Guid Member = Guid.CreateVersion7();

    private static MarketItem Item(string sku, int price, int stock) =>
        new MarketItem().Apply(new ItemListed(Skus.StreamId(MarketId, sku), MarketId, sku, sku + "名", "件", price, Now)) with { Stock = stock };

    private static Account Member_(int points) =>
        new Account().Apply(new AccountOpened(Member, AccountHolder.Volunteer, Now)) with { PointsBalance = points };

    [Fact]
    public void an_order_spends_the_points_of_all_its_lines_and_takes_each_line_off_its_shelf()
    {
        var order = new PlaceOrder(MarketId, Member, [new WantedLine("RICE", 2), new WantedLine("OIL", 1)]);
        var id = Guid.CreateVersion7();

        var (placed, sold) = PlaceOrderHandler.Decide(order, Member_(100), [Item("RICE", 15, 5), Item("OIL", 40, 1)], id, Now).Events;

        placed.Points.ShouldBe(70);
        placed.Lines.Select(l => (l.Sku, l.Quantity, l.UnitPrice, l.Points)).ShouldBe([("RICE", 2, 15, 30), ("OIL", 1, 40, 40)]);
        sold.Select(s => (s.Sku, s.Quantity, s.OrderId)).ShouldBe([("RICE", 2, id), ("OIL", 1, id)]);
    }

    [Fact]
    public void an_order_short_of_stock_names_each_short_item_and_the_points_it_is_also_short_of()
    {
        var order = new PlaceOrder(MarketId, Member, [new WantedLine("RICE", 6), new WantedLine("OIL", 1)]);

        var refusal = PlaceOrderHandler.Decide(order, Member_(50), [Item("RICE", 15, 5), Item("OIL", 40, 1)], Guid.NewGuid(), Now)
            .Refusal.ShouldBeOfType<NotEnoughStock>();

        refusal.Shortages.ShouldBe([new StockShortage("RICE", "RICE名", 6, 5, 1)]);
        refusal.AlsoShortOfPoints.ShouldBe(new NotEnoughPoints(Member.ToString(), 130, 50));
    }

    [Fact]
    public void an_order_short_only_of_points_is_refused_with_the_shortfall()
    {
        var order = new PlaceOrder(MarketId, Member, [new WantedLine("OIL", 2)]);
        PlaceOrderHandler.Decide(order, Member_(79), [Item("OIL", 40, 9)], Guid.NewGuid(), Now)
            .Refusal.ShouldBe(new NotEnoughPoints(Member.ToString(), 80, 79));
    }

    [Fact]
    public void an_order_for_items_another_market_lists_or_for_nobody_is_refused()
    {
        var elsewhere = Item("RICE", 15, 5) with { MarketId = Guid.CreateVersion7() };
        var order = new PlaceOrder(MarketId, Member, [new WantedLine("RICE", 1), new WantedLine("TEA", 1)]);

        PlaceOrderHandler.Decide(order, Member_(100), [elsewhere, null], Guid.NewGuid(), Now)
            .Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["lines[0].sku", "lines[1].sku"]);
        PlaceOrderHandler.Decide(order, null, [Item("RICE", 15, 5), Item("TEA", 1, 1)], Guid.NewGuid(), Now)
            .Refusal.ShouldBeOfType<UnknownReferences>();
    }

    [Fact]
    public void a_refund_returns_every_point_and_every_unit_of_the_order()
    {
        var order = new MarketOrder
        {
            Id = Guid.CreateVersion7(), MarketId = MarketId, AccountId = Member, Points = 70,
            Lines = [new OrderLine("RICE", "米", "袋", 2, 15, 30), new OrderLine("OIL", "油", "瓶", 1, 40, 40)]
        };

        var (refunded, returned) = RefundOrderHandler.Decide(order, "买错了", Now);

        refunded.ShouldBe(new MarketOrderRefunded(order.Id, MarketId, Member, 70, "买错了", Now));
        returned.Select(r => (r.ItemId, r.Quantity)).ShouldBe([(Skus.StreamId(MarketId, "RICE"), 2), (Skus.StreamId(MarketId, "OIL"), 1)]);
    }

    [Fact]
    public void stock_is_received_or_written_off_but_never_below_zero()
    {
        var rice = Item("RICE", 15, 5);

        MoveStockHandler.Decide(new MoveStock(MarketId, "RICE", 10, "到货"), rice, Now).Events
            .ShouldBe([new StockReceived(rice.Id, MarketId, "RICE", 10, "到货", Now)]);
        MoveStockHandler.Decide(new MoveStock(MarketId, "RICE", -5, "过期"), rice, Now).Events
            .ShouldBe([new StockWrittenOff(rice.Id, MarketId, "RICE", 5, "过期", Now)]);
        MoveStockHandler.Decide(new MoveStock(MarketId, "RICE", -6, "过期"), rice, Now).Refusal
            .ShouldBeOfType<NotEnoughStock>().Shortages.ShouldBe([new StockShortage("RICE", "RICE名", 6, 5, 1)]);
        MoveStockHandler.Decide(new MoveStock(MarketId, "TEA", 1, "到货"), null, Now).Refusal.ShouldBe(new NotFound("Item", "TEA"));
    }

    [Fact]
    public void putting_an_item_lists_it_then_records_only_what_changed()
    {
        var id = Skus.StreamId(MarketId, "RICE");
        var put = new PutItem(MarketId, "RICE", "大米", "袋", 15);

        PutItemHandler.Decide(put, id, null, Now).ShouldBe([new ItemListed(id, MarketId, "RICE", "大米", "袋", 15, Now)]);
        var listed = new MarketItem().Apply(new ItemListed(id, MarketId, "RICE", "大米", "袋", 15, Now));
        PutItemHandler.Decide(put, id, listed, Now).ShouldBeEmpty();
        PutItemHandler.Decide(put with { PointsPrice = 18 }, id, listed, Now).ShouldBe([new ItemRepriced(id, MarketId, "RICE", 18, 15, Now)]);
        PutItemHandler.Decide(put with { Unit = "包" }, id, listed, Now).ShouldBe([new ItemRenamed(id, MarketId, "RICE", "大米", "包", Now)]);
    }

    [Fact]
    public void opening_a_market_names_its_community()
    {
        var id = Guid.CreateVersion7();
        OpenMarketHandler.Decide(new OpenMarket(id, "爱心超市", "和平区", "南营门街道", "长春里社区"), Now)
            .ShouldBe(new MarketOpened(id, "爱心超市", "和平区", "南营门街道", "长春里社区", Now));
    }
}
