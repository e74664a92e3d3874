using System.ComponentModel.DataAnnotations;
using JasperFx.Events;
using TimeBank.Ledger;

namespace TimeBank.Markets.Refunding;

public sealed record RefundOrder(Guid MarketId, Guid OrderId, string Reason);

public static class RefundOrderEndpoint
{
    public static ProblemDetails Validate(ReasonRequest request) => Reasons.Validate(request);

    /// <summary>
    /// Refunds a whole order: its points go back to the member and its units back in stock. Refunding a refunded
    /// order again returns it unchanged. Admin, or a kiosk of this market.
    /// </summary>
    [WolverinePost("/api/markets/{id}/orders/{orderId}/refund", OperationId = "RefundMarketOrder")]
    [Authorize(Roles = Roles.MarketStaff)]
    [ProducesResponseType<OrderReceipt>(StatusCodes.Status200OK)]
    public static async Task<IResult> Post(Guid id, Guid orderId, ReasonRequest request, IMessageBus bus, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();
        var outcome = await bus.InvokeForRequestAsync(new RefundOrder(id, orderId, request.Reason!.Trim()), context);
        return outcome.ToResult<OrderReceipt>();
    }
}

public static class GetOrderEndpoint
{
    /// <summary>One order as a receipt, with the member's points now.</summary>
    [WolverineGet("/api/markets/{id}/orders/{orderId}", OperationId = "GetMarketOrder")]
    [Authorize(Roles = Roles.MarketReaders)]
    [ProducesResponseType<OrderReceipt>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, Guid orderId, IQuerySession session, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();
        var order = await session.LoadAsync<MarketOrder>(orderId, context.RequestAborted);
        if (order is null || order.MarketId != id) return Problems.NotFound("Order", orderId).ToResult();
        var account = await session.LoadAsync<Account>(order.AccountId, context.RequestAborted);
        return Results.Ok(OrderReceipt.Of(order, account?.PointsBalance ?? 0));
    }
}

public static class RefundOrderHandler
{
    public static async Task<Outcome> Handle(RefundOrder command, IDocumentSession session, IClock clock)
    {
        var known = await session.LoadAsync<MarketOrder>(command.OrderId);
        if (known is null || known.MarketId != command.MarketId) return new NotFound("Order", command.OrderId.ToString());

        var (account, current) = await AccountAndDocument.ReadAsync<MarketOrder>(session, known.AccountId, known.Id);
        var order = current!;
        var balance = account.Aggregate?.PointsBalance ?? 0;
        if (order.Status == OrderStatus.Refunded) return Outcome.Existing(OrderReceipt.Of(order, balance));

        var batch = session.CreateBatchQuery();
        var itemStreams = order.Lines.Select(l => batch.Events.FetchForWriting<MarketItem>(Skus.StreamId(order.MarketId, l.Sku))).ToList();
        await batch.Execute();

        var now = clock.GetCurrentInstant();
        var (refunded, returned) = Decide(order, command.Reason, now);
        account.AppendOne(refunded);
        for (var i = 0; i < itemStreams.Count; i++) (await itemStreams[i]).AppendOne(returned[i]);

        var receipt = order with { Status = OrderStatus.Refunded, RefundedAt = now, RefundReason = command.Reason };
        return Outcome.Existing(OrderReceipt.Of(receipt, balance + order.Points));
    }

    /// <summary>A placed order's compensating entry: every point back to the member, every unit back on its shelf.</summary>
    public static (MarketOrderRefunded Refunded, IReadOnlyList<StockReturned> Returned) Decide(MarketOrder order, string reason, Instant now) =>
        (new MarketOrderRefunded(order.Id, order.MarketId, order.AccountId, order.Points, reason, now),
            order.Lines.Select(l => new StockReturned(Skus.StreamId(order.MarketId, l.Sku), order.MarketId, l.Sku, order.Id, l.Quantity, now)).ToList());
}
