using JasperFx.Events;
using Marten.Events;

namespace TimeBank.Ledger.CheckingTrialBalance;

/// <summary>
/// Balances by account group in one currency (minutes or points). Issuance is negative by what it issued; the sink
/// (redemptions for minutes, love markets for points) positive by what was redeemed.
/// </summary>
public sealed record CurrencyTrialBalance(
    string Currency,
    long Accounts,
    long SumOfBalances,
    long Issued,
    long Redeemed,
    long Held,
    long PublicPool,
    long PersonBalances,
    IReadOnlyDictionary<string, long> SystemAccountBalances);

public sealed record TrialBalance(Instant At, IReadOnlyList<CurrencyTrialBalance> Currencies);

public static class GetTrialBalanceEndpoint
{
    private sealed record Totals(long Persons, long Balances, long Pool, long Issued, long Redeemed, long Held,
        long Points, long PointsIssued, long PointsSpent);

    // Marten stores the holder enum by its .NET name ("PublicPool"); the API's JSON writes it kebab-cased.
    private static string TotalsSql(IDocumentStore store) => $"""
        select json_build_object(
          'persons',  count(*) filter (where data->>'holder' not in ('PublicPool', 'public-pool')),
          'balances', coalesce(sum((data->>'balanceMinutes')::bigint), 0),
          'pool',     coalesce(sum((data->>'balanceMinutes')::bigint) filter (where data->>'holder' in ('PublicPool', 'public-pool')), 0),
          'issued',   coalesce(sum((data->>'issuedMinutes')::bigint), 0),
          'redeemed', coalesce(sum((data->>'redeemedMinutes')::bigint), 0),
          'held',     coalesce(sum((data->>'heldMinutes')::bigint), 0),
          'points',       coalesce(sum((data->>'pointsBalance')::bigint), 0),
          'pointsIssued', coalesce(sum((data->>'issuedPoints')::bigint), 0),
          'pointsSpent',  coalesce(sum((data->>'spentPoints')::bigint), 0))
        from {store.TableOf<Account>()}
        """;

    /// <summary>
    /// The trial balance per currency (minutes, points): every account's balance summed, system accounts included,
    /// is 0 when the ledger is whole. Also what was issued, redeemed (minutes for services, points at love markets),
    /// held and in the public pool. With asOf (an ISO instant) the figures are folded from the events up to that
    /// instant, account by account as GET /api/accounts/{id}?asOf= folds them.
    /// </summary>
    [WolverineGet("/api/ledger/trial-balance", OperationId = "GetTrialBalance")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<TrialBalance>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? asOf, IQuerySession session, IClock clock, CancellationToken cancellation)
    {
        if (asOf is null) return Results.Ok(Build((await session.QueryAsync<Totals>(TotalsSql(session.DocumentStore), cancellation)).Single(), clock.GetCurrentInstant()));

        if (Instants.TryParse(asOf) is not { } cutoff) return Problems.Validation("asOf", Instants.Expected("asOf")).ToResult();
        return Results.Ok(Build(await TotalsAsOf(session, cutoff, cancellation), cutoff));
    }

    /// <summary>
    /// Folds every account stream up to the instant, with <see cref="AccountHistory"/>'s rule: a stream's entries
    /// count until its first entry after the instant. Streams are read in global order, in which each stream's
    /// own events keep their order.
    /// </summary>
    private static async Task<Totals> TotalsAsOf(IQuerySession session, Instant asOf, CancellationToken cancellation)
    {
        long persons = 0, balances = 0, pool = 0, issued = 0, redeemed = 0, held = 0, points = 0, pointsIssued = 0, pointsSpent = 0;
        var cut = new HashSet<Guid>();
        var events = session.Events.QueryAllRawEvents()
            .Where(e => e.EventTypesAre(LedgerEventTypes.AccountEvents))
            .OrderBy(e => e.Sequence)
            .ToAsyncEnumerable(cancellation);
        await foreach (var e in events)
        {
            if (e.Data is AccountOpened opened)
            {
                if (opened.Holder != AccountHolder.PublicPool && opened.OpenedAt <= asOf) persons++;
                continue;
            }
            if (e.Data is not ILedgerEntry entry || cut.Contains(e.StreamId)) continue;
            if (entry.At > asOf)
            {
                cut.Add(e.StreamId);
                continue;
            }
            balances += entry.BalanceChange;
            if (e.StreamId == SystemAccounts.PublicPool) pool += entry.BalanceChange;
            issued += entry.ServedChange;
            held += entry.HeldChange;
            if (e.Data is RedemptionSettled settled) redeemed += settled.Minutes;

            points += entry.PointsChange;
            if (entry.Counterparty == SystemAccounts.IssuanceName) pointsIssued += entry.PointsChange;
            else if (entry.Counterparty == SystemAccounts.MarketSinkName) pointsSpent -= entry.PointsChange;
        }
        return new Totals(persons, balances, pool, issued, redeemed, held, points, pointsIssued, pointsSpent);
    }

    private static TrialBalance Build(Totals totals, Instant at)
    {
        var issuance = -totals.Issued;
        var sink = totals.Redeemed;
        var minutes = new CurrencyTrialBalance(
            "minutes",
            totals.Persons + 3,
            totals.Balances + issuance + sink,
            totals.Issued,
            totals.Redeemed,
            totals.Held,
            totals.Pool,
            totals.Balances - totals.Pool,
            new Dictionary<string, long>
            {
                [SystemAccounts.IssuanceName] = issuance,
                [SystemAccounts.RedemptionSinkName] = sink,
                [SystemAccounts.PublicPoolName] = totals.Pool
            });
        var points = new CurrencyTrialBalance(
            "points",
            totals.Persons + 2,
            totals.Points - totals.PointsIssued + totals.PointsSpent,
            totals.PointsIssued,
            totals.PointsSpent,
            0,
            0,
            totals.Points,
            new Dictionary<string, long>
            {
                [SystemAccounts.IssuanceName] = -totals.PointsIssued,
                [SystemAccounts.MarketSinkName] = totals.PointsSpent
            });
        return new TrialBalance(at, [minutes, points]);
    }
}
