using Microsoft.Extensions.Options;

namespace TimeBank.Markets.Summarizing;

public sealed record ItemDaySummary(string Sku, string Name, int UnitsSold, int UnitsRefunded, int PointsSpent, int PointsRefunded);

/// <summary>
/// A market's day: orders placed that day and the points they took, refunds made that day (of orders of any day)
/// and the points they gave back, and units per item.
/// </summary>
public sealed record DailySummary(
    Guid MarketId,
    LocalDate Date,
    string TimeZone,
    int Orders,
    int PointsSpent,
    int Refunds,
    int PointsRefunded,
    int NetPoints,
    IReadOnlyList<ItemDaySummary> Items);

public static class GetDailySummaryEndpoint
{
    /// <summary>
    /// The market's summary for one local date (date=2026-11-24; default today) in the service's time zone
    /// (Asia/Shanghai unless configured). A kiosk of this market, admin or auditor.
    /// </summary>
    [WolverineGet("/api/markets/{id}/daily-summary", OperationId = "GetMarketDailySummary")]
    [Authorize(Roles = Roles.MarketReaders)]
    [ProducesResponseType<DailySummary>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, [FromQuery] string? date, IQuerySession session, IClock clock,
        IOptions<TimeBankOptions> options, HttpContext context)
    {
        if (MarketAccess.Refuse(context.Caller(), id) is { } refused) return refused.ToResult();

        var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
        var errors = new Dictionary<string, string[]>();
        var day = LocalDays.Parse(date, "date", errors) ?? clock.GetCurrentInstant().InZone(zone).Date;
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var (from, to) = LocalDays.UnixMillis(day, day, zone);

        var batch = session.CreateBatchQuery();
        var market = batch.Load<Market>(id);
        var placed = batch.Query<MarketOrder>().Where(o => o.MarketId == id && o.PlacedAtUnixMs >= from && o.PlacedAtUnixMs < to).ToList();
        var refunded = batch.Query<MarketOrder>()
            .Where(o => o.MarketId == id && o.RefundedAtUnixMs != null && o.RefundedAtUnixMs >= from && o.RefundedAtUnixMs < to).ToList();
        await batch.Execute(context.RequestAborted);
        if (await market is null) return Problems.NotFound("Market", id).ToResult();

        return Results.Ok(DailySummaries.Of(id, day, zone.Id, await placed, await refunded));
    }
}

public static class DailySummaries
{
    public static DailySummary Of(Guid marketId, LocalDate date, string zone, IReadOnlyList<MarketOrder> placed, IReadOnlyList<MarketOrder> refunded)
    {
        var items = new SortedDictionary<string, ItemDaySummary>(StringComparer.Ordinal);
        ItemDaySummary Item(OrderLine line) => items.TryGetValue(line.Sku, out var known) ? known : new(line.Sku, line.Name, 0, 0, 0, 0);

        foreach (var line in placed.SelectMany(o => o.Lines))
        {
            var item = Item(line);
            items[line.Sku] = item with { UnitsSold = item.UnitsSold + line.Quantity, PointsSpent = item.PointsSpent + line.Points };
        }
        foreach (var line in refunded.SelectMany(o => o.Lines))
        {
            var item = Item(line);
            items[line.Sku] = item with { UnitsRefunded = item.UnitsRefunded + line.Quantity, PointsRefunded = item.PointsRefunded + line.Points };
        }

        var spent = placed.Sum(o => o.Points);
        var back = refunded.Sum(o => o.Points);
        return new DailySummary(marketId, date, zone, placed.Count, spent, refunded.Count, back, spent - back, items.Values.ToList());
    }
}
