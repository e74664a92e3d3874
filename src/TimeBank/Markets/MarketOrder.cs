using Marten.Events.Projections;
using Marten.Patching;
using TimeBank.Ledger;

namespace TimeBank.Markets;

/// <summary>One line of an order at the price the item had when the order was placed.</summary>
public sealed record OrderLine(string Sku, string Name, string Unit, int Quantity, int UnitPrice, int Points);

/// <summary>
/// Points spent at a love market: debits the member's points, credits the market sink. Appended to the member's
/// account stream in the same commit as the <see cref="StockSold"/> events of its items.
/// </summary>
public sealed record MarketOrderPlaced(Guid OrderId, Guid MarketId, Guid AccountId, IReadOnlyList<OrderLine> Lines, int Points, Instant PlacedAt)
    : ILedgerEntry
{
    string ILedgerEntry.Kind => "market-order";
    int ILedgerEntry.BalanceChange => 0;
    int ILedgerEntry.PointsChange => -Points;
    string ILedgerEntry.Counterparty => SystemAccounts.MarketSinkName;
    string ILedgerEntry.Reference => $"order:{OrderId}";
    Instant ILedgerEntry.At => PlacedAt;
}

/// <summary>The compensating entry of an order: its points go back to the member, its units back on the shelf.</summary>
public sealed record MarketOrderRefunded(Guid OrderId, Guid MarketId, Guid AccountId, int Points, string Reason, Instant RefundedAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "market-refund";
    int ILedgerEntry.BalanceChange => 0;
    int ILedgerEntry.PointsChange => Points;
    string ILedgerEntry.Counterparty => SystemAccounts.MarketSinkName;
    string ILedgerEntry.Reference => $"order:{OrderId}";
    Instant ILedgerEntry.At => RefundedAt;
}

public enum OrderStatus
{
    Placed,
    Refunded
}

/// <summary>Read model of one order, kept inline from the member's account stream.</summary>
public sealed record MarketOrder
{
    public Guid Id { get; init; }
    public Guid MarketId { get; init; }
    public Guid AccountId { get; init; }
    public IReadOnlyList<OrderLine> Lines { get; init; } = [];
    public int Points { get; init; }
    public OrderStatus Status { get; init; }
    public Instant PlacedAt { get; init; }
    public long PlacedAtUnixMs { get; init; }
    public Instant? RefundedAt { get; init; }
    public long? RefundedAtUnixMs { get; init; }
    public string? RefundReason { get; init; }
}

public sealed partial class MarketOrderProjection : EventProjection
{
    public MarketOrder Create(MarketOrderPlaced e) => new()
    {
        Id = e.OrderId,
        MarketId = e.MarketId,
        AccountId = e.AccountId,
        Lines = e.Lines,
        Points = e.Points,
        Status = OrderStatus.Placed,
        PlacedAt = e.PlacedAt,
        PlacedAtUnixMs = e.PlacedAt.ToUnixTimeMilliseconds()
    };

    public void Project(MarketOrderRefunded e, IDocumentOperations operations) =>
        operations.Patch<MarketOrder>(e.OrderId)
            .Set(o => o.Status, OrderStatus.Refunded)
            .Set(o => o.RefundedAt, e.RefundedAt)
            .Set(o => o.RefundedAtUnixMs, e.RefundedAt.ToUnixTimeMilliseconds())
            .Set(o => o.RefundReason, e.Reason);
}

/// <summary>What the counter prints: the order, the points it cost and the member's points after it.</summary>
public sealed record OrderReceipt(
    Guid OrderId,
    Guid MarketId,
    Guid PersonId,
    OrderStatus Status,
    IReadOnlyList<OrderLine> Lines,
    int PointsSpent,
    int PointsBalance,
    Instant PlacedAt,
    Instant? RefundedAt,
    string? RefundReason)
{
    public static OrderReceipt Of(MarketOrder o, int pointsBalance) =>
        new(o.Id, o.MarketId, o.AccountId, o.Status, o.Lines, o.Points, pointsBalance, o.PlacedAt, o.RefundedAt, o.RefundReason);
}
