using System.ComponentModel.DataAnnotations;
using JasperFx.Events;
using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.Markets.Ordering;

public sealed record OrderLineRequest([property: Required] string? Sku, [property: Required] int? Quantity);

/// <summary>memberCode: the code on the member's card. lines: each SKU once, with the units wanted.</summary>
public sealed record OrderRequest([property: Required] string? MemberCode, [property: Required] OrderLineRequest?[]? Lines);

public sealed record WantedLine(string Sku, int Quantity);

public sealed record PlaceOrder(Guid MarketId, Guid AccountId, IReadOnlyList<WantedLine> Lines) : IKeyedCommand;

public static class PlaceOrderEndpoint
{
    public const int MaxLines = 20;
    public const int MaxQuantity = 999;

    public static ProblemDetails Validate(OrderRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        if (string.IsNullOrWhiteSpace(request.MemberCode)) errors["memberCode"] = ["The code on the member's card is required."];
        if (request.Lines is null or { Length: 0 } || request.Lines.Length > MaxLines)
        {
            errors["lines"] = [$"An order has 1 to {MaxLines} lines."];
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < request.Lines.Length; i++)
            {
                var line = request.Lines[i];
                if (!Skus.IsValid(line?.Sku)) errors[$"lines[{i}].sku"] = [$"A SKU is {Skus.Description}"];
                else if (!seen.Add(line!.Sku!)) errors[$"lines[{i}].sku"] = ["Each SKU appears once per order; add up the quantity instead."];
                if (line?.Quantity is null or < 1 or > MaxQuantity) errors[$"lines[{i}].quantity"] = [$"Whole units between 1 and {MaxQuantity} are required."];
            }
        }
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Redeems points for goods (积分兑换): all lines or none. Short of stock or of points is a 409 (insufficient-stock
    /// naming each short item, or insufficient-points naming the shortfall) and nothing is written. Send an
    /// Idempotency-Key: a retry with the same key returns the first order. Admin, or a kiosk of this market.
    /// </summary>
    [WolverinePost("/api/markets/{id}/orders", OperationId = "PlaceMarketOrder")]
    [Authorize(Roles = Roles.MarketStaff)]
    [ProducesResponseType<OrderReceipt>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(Guid id, OrderRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context, MemberDirectory members)
    {
        var caller = context.Caller();
        if (MarketAccess.Refuse(caller, id) is { } refused) return refused.ToResult();

        var reading = MemberCodes.Read(request.MemberCode);
        if (reading.Code is not { } code) return MemberProblems.Mistyped(request.MemberCode!, reading.Problem!, StatusCodes.Status422UnprocessableEntity).ToResult();
        var card = await members.FindAsync(code, context.RequestAborted);
        if (card is null) return MemberProblems.Unknown(code, StatusCodes.Status422UnprocessableEntity).ToResult();

        var lines = request.Lines!.Select(l => new WantedLine(l!.Sku!, l.Quantity!.Value)).ToList();
        var outcome = await bus.InvokeForRequestAsync(new PlaceOrder(id, card.PersonId, lines), context,
            [card.PersonId, .. lines.Select(l => Skus.StreamId(id, l.Sku))]);
        return outcome.ToResult<OrderReceipt>(r => $"/api/markets/{id}/orders/{r.OrderId}");
    }
}

public static class PlaceOrderHandler
{
    public static async Task<Outcome> Handle(PlaceOrder order, IDocumentSession session, IClock clock)
    {
        var batch = session.CreateBatchQuery();
        var market = batch.Load<Market>(order.MarketId);
        var accountStream = batch.Events.FetchForWriting<Account>(order.AccountId);
        var itemStreams = order.Lines.Select(l => batch.Events.FetchForWriting<MarketItem>(Skus.StreamId(order.MarketId, l.Sku))).ToList();
        await batch.Execute();

        if (await market is null) return new NotFound("Market", order.MarketId.ToString());
        var account = await accountStream;
        var items = new List<IEventStream<MarketItem>>(itemStreams.Count);
        foreach (var stream in itemStreams) items.Add(await stream);

        var now = clock.GetCurrentInstant();
        var decision = Decide(order, account.Aggregate, items.Select(s => s.Aggregate).ToList(), Guid.CreateVersion7(), now);
        if (decision.Refusal is { } refusal) return refusal;

        // The points and every item's stock are version-checked and committed together: all of the order or none.
        var (placed, sold) = decision.Events;
        account.AppendOne(placed);
        for (var i = 0; i < items.Count; i++) items[i].AppendOne(sold[i]);

        return Outcome.New(new OrderReceipt(placed.OrderId, placed.MarketId, placed.AccountId, OrderStatus.Placed, placed.Lines, placed.Points,
            account.Aggregate!.PointsBalance - placed.Points, now, null, null));
    }

    /// <summary>items[i] is the catalogue item of order.Lines[i], or null when the market does not list it.</summary>
    public static Decision<(MarketOrderPlaced Placed, IReadOnlyList<StockSold> Sold)> Decide(PlaceOrder order, Account? account,
        IReadOnlyList<MarketItem?> items, Guid orderId, Instant now)
    {
        if (account is null)
        {
            return new UnknownReferences("The member has no account.", $"No account has id {order.AccountId}.",
                new Dictionary<string, string[]> { ["memberCode"] = ["The card's holder has no account."] });
        }

        var unknown = new Dictionary<string, string[]>();
        for (var i = 0; i < order.Lines.Count; i++)
        {
            if (items[i] is not { } item || item.MarketId != order.MarketId)
                unknown[$"lines[{i}].sku"] = [$"This market lists no item {order.Lines[i].Sku}."];
        }
        if (unknown.Count > 0)
        {
            return new UnknownReferences("The order names items this market does not list.",
                "Every line must name a SKU from GET /api/markets/{id}/items.", unknown);
        }

        var lines = order.Lines.Select((l, i) => new OrderLine(l.Sku, items[i]!.Name, items[i]!.Unit, l.Quantity, items[i]!.PointsPrice,
            l.Quantity * items[i]!.PointsPrice)).ToList();
        var total = lines.Sum(l => (long)l.Points);
        var pointsShort = total > account.PointsBalance
            ? new NotEnoughPoints(order.AccountId.ToString(), (int)Math.Min(total, int.MaxValue), account.PointsBalance)
            : null;

        var shortages = lines.Select((l, i) => (Line: l, Stock: items[i]!.Stock))
            .Where(x => x.Stock < x.Line.Quantity)
            .Select(x => new StockShortage(x.Line.Sku, x.Line.Name, x.Line.Quantity, x.Stock, x.Line.Quantity - x.Stock))
            .ToList();
        if (shortages.Count > 0) return new NotEnoughStock("Not enough stock for this order.", shortages, pointsShort);
        if (pointsShort is not null) return pointsShort;

        var placed = new MarketOrderPlaced(orderId, order.MarketId, order.AccountId, lines, (int)total, now);
        IReadOnlyList<StockSold> sold = items.Select((item, i) => new StockSold(item!.Id, order.MarketId, item.Sku, orderId, order.Lines[i].Quantity, now)).ToList();
        return (placed, sold);
    }
}
