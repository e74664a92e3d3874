using System.ComponentModel.DataAnnotations;

namespace TimeBank.Markets.Cataloguing;

/// <summary>An item of a market's catalogue: its name, the unit it is counted in (件, 袋, 瓶…) and its price in whole points.</summary>
public sealed record ItemRequest([property: Required] string? Name, [property: Required] int? PointsPrice, [property: Required] string? Unit);

public sealed record PutItem(Guid MarketId, string Sku, string Name, string Unit, int PointsPrice);

public static class PutItemEndpoint
{
    public const int MaxPointsPrice = 1_000_000;

    public static ProblemDetails Validate(ItemRequest request, [FromRoute] string sku)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Skus.IsValid(sku)) errors["sku"] = [$"The SKU in the path must be {Skus.Description}"];
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > 100) errors["name"] = ["A name of 1 to 100 characters is required."];
        if (string.IsNullOrWhiteSpace(request.Unit) || request.Unit.Trim().Length > 20) errors["unit"] = ["A unit of 1 to 20 characters is required, e.g. 件, 袋, 瓶."];
        if (request.PointsPrice is null or < 1 or > MaxPointsPrice) errors["pointsPrice"] = [$"Whole points between 1 and {MaxPointsPrice} are required."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Lists an item in the market's catalogue (201), or changes its price, name or unit (200); the same body again
    /// changes nothing. Every change is an event of the item's stream. Admin only.
    /// </summary>
    [WolverinePut("/api/markets/{id}/items/{sku}", OperationId = "PutMarketItem")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<ItemView>(StatusCodes.Status201Created)]
    [ProducesResponseType<ItemView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Put(Guid id, string sku, ItemRequest request, IMessageBus bus, HttpContext context)
    {
        var command = new PutItem(id, sku, request.Name!.Trim(), request.Unit!.Trim(), request.PointsPrice!.Value);
        var outcome = await bus.InvokeForRequestAsync(command, context, Skus.StreamId(id, sku));
        return outcome.ToResult<ItemView>(i => $"/api/markets/{id}/items/{i.Sku}");
    }
}

public static class PutItemHandler
{
    public static async Task<Outcome> Handle(PutItem command, IDocumentSession session, IClock clock)
    {
        var itemId = Skus.StreamId(command.MarketId, command.Sku);
        var batch = session.CreateBatchQuery();
        var market = batch.Load<Market>(command.MarketId);
        var itemStream = batch.Events.FetchForWriting<MarketItem>(itemId);
        await batch.Execute();

        if (await market is null) return new NotFound("Market", command.MarketId.ToString());
        var stream = await itemStream;
        var events = Decide(command, itemId, stream.Aggregate, clock.GetCurrentInstant());
        stream.AppendMany(events);
        var item = ItemHistory.Fold(stream.Aggregate ?? new MarketItem(), events);
        return stream.Aggregate is null ? Outcome.New(ItemView.Of(item)) : Outcome.Existing(ItemView.Of(item));
    }

    /// <summary>Listing a new item, or what changed of a listed one: nothing when the same body comes again.</summary>
    public static IReadOnlyList<object> Decide(PutItem command, Guid itemId, MarketItem? item, Instant now)
    {
        if (item is null)
            return [new ItemListed(itemId, command.MarketId, command.Sku, command.Name, command.Unit, command.PointsPrice, now)];

        var events = new List<object>();
        if (item.PointsPrice != command.PointsPrice)
            events.Add(new ItemRepriced(itemId, command.MarketId, command.Sku, command.PointsPrice, item.PointsPrice, now));
        if (item.Name != command.Name || item.Unit != command.Unit)
            events.Add(new ItemRenamed(itemId, command.MarketId, command.Sku, command.Name, command.Unit, now));
        return events;
    }
}

public static class ListItemsEndpoint
{
    /// <summary>The market's catalogue by SKU: each item's price in points and the units in stock. A kiosk key reads only its own market.</summary>
    [WolverineGet("/api/markets/{id}/items", OperationId = "ListMarketItems")]
    [Authorize(Roles = Roles.Anyone)]
    [ProducesResponseType<IReadOnlyList<ItemView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();
        var batch = session.CreateBatchQuery();
        var market = batch.Load<Market>(id);
        var items = batch.Query<MarketItem>().Where(i => i.MarketId == id).OrderBy(i => i.Sku).ToList();
        await batch.Execute(context.RequestAborted);
        if (await market is null) return Problems.NotFound("Market", id).ToResult();
        return Results.Ok((await items).Select(ItemView.Of).ToList());
    }

    /// <summary>The item's history replayed from its events: listing, price changes and every stock movement with the stock it left.</summary>
    [WolverineGet("/api/markets/{id}/items/{sku}/history", OperationId = "GetMarketItemHistory")]
    [Authorize(Roles = Roles.MarketReaders)]
    [ProducesResponseType<IReadOnlyList<ItemHistoryEntry>>(StatusCodes.Status200OK)]
    public static async Task<IResult> History(Guid id, string sku, IQuerySession session, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();
        if (!Skus.IsValid(sku)) return Problems.NotFound("Item", sku).ToResult();
        var events = await session.Events.FetchStreamAsync(Skus.StreamId(id, sku), token: context.RequestAborted);
        if (events.Count == 0) return Problems.NotFound("Item", sku).ToResult();
        return Results.Ok(ItemHistory.Replay(events.Select(e => (e.Version, e.Data))));
    }
}
