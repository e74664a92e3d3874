using System.ComponentModel.DataAnnotations;

namespace TimeBank.Markets.Stocking;

/// <summary>quantity: units received (positive) or written off (negative: spoiled, lost, expired). reason says which.</summary>
public sealed record StockRequest([property: Required] int? Quantity, [property: Required] string? Reason);

public sealed record MoveStock(Guid MarketId, string Sku, int Quantity, string Reason) : IKeyedCommand;

public static class MoveStockEndpoint
{
    public const int MaxQuantity = 100_000;

    public static ProblemDetails Validate(StockRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        if (request.Quantity is null or 0 or < -MaxQuantity or > MaxQuantity)
            errors["quantity"] = [$"Whole units between -{MaxQuantity} and {MaxQuantity}, not 0: positive to receive, negative to write off."];
        if (!Reasons.IsValid(request.Reason)) errors["reason"] = [Reasons.Required];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Receives stock (positive quantity) or writes it off (negative; never below zero, else 409 insufficient-stock).
    /// Admin, or a kiosk of this market. Idempotent on the Idempotency-Key header.
    /// </summary>
    [WolverinePost("/api/markets/{id}/items/{sku}/stock", OperationId = "MoveMarketStock")]
    [Authorize(Roles = Roles.MarketStaff)]
    [ProducesResponseType<ItemView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, string sku, StockRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        var caller = context.Caller();
        if (MarketAccess.Refuse(caller, id) is { } refused) return refused.ToResult();
        if (!Skus.IsValid(sku)) return Problems.NotFound("Item", sku).ToResult();

        var outcome = await bus.InvokeForRequestAsync(new MoveStock(id, sku, request.Quantity!.Value, request.Reason!.Trim()), context,
            Skus.StreamId(id, sku));
        return outcome.ToResult<ItemView>();
    }
}

public static class MoveStockHandler
{
    public static async Task<Outcome> Handle(MoveStock movement, IDocumentSession session, IClock clock)
    {
        var stream = await session.Events.FetchForWriting<MarketItem>(Skus.StreamId(movement.MarketId, movement.Sku));
        var decision = Decide(movement, stream.Aggregate, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;

        stream.AppendMany(decision.Events);
        return Outcome.New(ItemView.Of(stream.Aggregate! with { Stock = stream.Aggregate.Stock + movement.Quantity }));
    }

    /// <summary>Stock received, or written off but never below zero.</summary>
    public static Decision<object[]> Decide(MoveStock movement, MarketItem? item, Instant now)
    {
        if (item is null || item.MarketId != movement.MarketId) return new NotFound("Item", movement.Sku);
        if (movement.Quantity > 0) return new object[] { new StockReceived(item.Id, item.MarketId, item.Sku, movement.Quantity, movement.Reason, now) };

        var off = -movement.Quantity;
        if (off > item.Stock)
        {
            return new NotEnoughStock("Cannot write off more than is in stock.", [new StockShortage(item.Sku, item.Name, off, item.Stock, off - item.Stock)]);
        }
        return new object[] { new StockWrittenOff(item.Id, item.MarketId, item.Sku, off, movement.Reason, now) };
    }
}
