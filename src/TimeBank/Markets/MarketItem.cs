namespace TimeBank.Markets;

/// <summary>An item joins a market's catalogue at a price in points.</summary>
public sealed record ItemListed(Guid ItemId, Guid MarketId, string Sku, string Name, string Unit, int PointsPrice, Instant ListedAt);

public sealed record ItemRepriced(Guid ItemId, Guid MarketId, string Sku, int PointsPrice, int PreviousPointsPrice, Instant RepricedAt);

public sealed record ItemRenamed(Guid ItemId, Guid MarketId, string Sku, string Name, string Unit, Instant RenamedAt);

public sealed record StockReceived(Guid ItemId, Guid MarketId, string Sku, int Quantity, string Reason, Instant ReceivedAt);

public sealed record StockWrittenOff(Guid ItemId, Guid MarketId, string Sku, int Quantity, string Reason, Instant WrittenOffAt);

/// <summary>Units leave the shelf with an order; the matching points are on the member's account stream.</summary>
public sealed record StockSold(Guid ItemId, Guid MarketId, string Sku, Guid OrderId, int Quantity, Instant SoldAt);

public sealed record StockReturned(Guid ItemId, Guid MarketId, string Sku, Guid OrderId, int Quantity, Instant ReturnedAt);

/// <summary>A catalogue item folded from its stream, inline: price and units on the shelf.</summary>
public sealed record MarketItem
{
    public Guid Id { get; init; }
    public Guid MarketId { get; init; }
    public string Sku { get; init; } = "";
    public string Name { get; init; } = "";
    public string Unit { get; init; } = "";
    public int PointsPrice { get; init; }
    public int Stock { get; init; }
    public long Version { get; set; }

    public MarketItem Apply(ItemListed e) => this with
    {
        Id = e.ItemId, MarketId = e.MarketId, Sku = e.Sku, Name = e.Name, Unit = e.Unit, PointsPrice = e.PointsPrice
    };

    public MarketItem Apply(ItemRepriced e) => this with { PointsPrice = e.PointsPrice };
    public MarketItem Apply(ItemRenamed e) => this with { Name = e.Name, Unit = e.Unit };
    public MarketItem Apply(StockReceived e) => this with { Stock = Stock + e.Quantity };
    public MarketItem Apply(StockWrittenOff e) => this with { Stock = Stock - e.Quantity };
    public MarketItem Apply(StockSold e) => this with { Stock = Stock - e.Quantity };
    public MarketItem Apply(StockReturned e) => this with { Stock = Stock + e.Quantity };
}

public sealed record ItemView(string Sku, string Name, string Unit, int PointsPrice, int Stock)
{
    public static ItemView Of(MarketItem i) => new(i.Sku, i.Name, i.Unit, i.PointsPrice, i.Stock);
}

/// <summary>One event of an item's history with the price and stock it left.</summary>
public sealed record ItemHistoryEntry(long Version, Instant At, string Kind, int StockChange, int StockAfter, int PointsPrice,
    string? Reason, Guid? OrderId);

public static class ItemHistory
{
    public static IReadOnlyList<ItemHistoryEntry> Replay(IEnumerable<(long Version, object Data)> events)
    {
        var item = new MarketItem();
        var entries = new List<ItemHistoryEntry>();
        foreach (var (version, data) in events)
        {
            if (Step(item, data) is not { } s) continue;
            entries.Add(new ItemHistoryEntry(version, s.At, s.Kind, s.After.Stock - item.Stock, s.After.Stock, s.After.PointsPrice, s.Reason, s.Order));
            item = s.After;
        }
        return entries;
    }

    public static MarketItem Fold(MarketItem item, IEnumerable<object> events) =>
        events.Aggregate(item, (current, e) => Step(current, e)?.After ?? current);

    private static (MarketItem After, Instant At, string Kind, string? Reason, Guid? Order)? Step(MarketItem item, object data) => data switch
    {
        ItemListed e => (item.Apply(e), e.ListedAt, "listed", null, null),
        ItemRepriced e => (item.Apply(e), e.RepricedAt, "repriced", null, null),
        ItemRenamed e => (item.Apply(e), e.RenamedAt, "renamed", null, null),
        StockReceived e => (item.Apply(e), e.ReceivedAt, "stock-received", e.Reason, null),
        StockWrittenOff e => (item.Apply(e), e.WrittenOffAt, "stock-written-off", e.Reason, null),
        StockSold e => (item.Apply(e), e.SoldAt, "sold", null, e.OrderId),
        StockReturned e => (item.Apply(e), e.ReturnedAt, "returned", null, e.OrderId),
        _ => null
    };
}
