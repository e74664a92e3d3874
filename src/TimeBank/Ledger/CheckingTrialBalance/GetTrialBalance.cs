using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using TimeBank.Access;
using Wolverine.Http;

namespace TimeBank.Ledger.CheckingTrialBalance;

/// <summary>Balances by account group. Issuance is negative by what it issued; the sink positive by what was redeemed.</summary>
public sealed record CurrencyTrialBalance(
    string Currency,
    long Accounts,
    long SumOfBalances,
    long IssuedMinutes,
    long RedeemedMinutes,
    long HeldMinutes,
    long PublicPoolMinutes,
    long PersonBalancesMinutes,
    IReadOnlyDictionary<string, long> SystemAccountBalances);

public sealed record TrialBalance(Instant At, IReadOnlyList<CurrencyTrialBalance> Currencies);

public static class GetTrialBalanceEndpoint
{
    private sealed record Totals(long Persons, long Balances, long Pool, long Issued, long Redeemed, long Held);

    private const string TotalsSql = """
        select json_build_object(
          'persons',  count(*) filter (where data->>'holder' <> 'public-pool'),
          'balances', coalesce(sum((data->>'balanceMinutes')::bigint), 0),
          'pool',     coalesce(sum((data->>'balanceMinutes')::bigint) filter (where data->>'holder' = 'public-pool'), 0),
          'issued',   coalesce(sum((data->>'issuedMinutes')::bigint), 0),
          'redeemed', coalesce(sum((data->>'redeemedMinutes')::bigint), 0),
          'held',     coalesce(sum((data->>'heldMinutes')::bigint), 0))
        from timebank.mt_doc_account
        """;

    /// <summary>
    /// The trial balance per currency: every account's balance summed, system accounts included, is 0 when
    /// the ledger is whole. Also minutes issued, redeemed, held and in the public pool.
    /// </summary>
    [WolverineGet("/api/ledger/trial-balance", OperationId = "GetTrialBalance")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [Tags("Ledger")]
    [ProducesResponseType<TrialBalance>(StatusCodes.Status200OK)]
    public static async Task<TrialBalance> Get(IQuerySession session, IClock clock, CancellationToken cancellation)
    {
        var totals = (await session.QueryAsync<Totals>(TotalsSql, cancellation)).Single();
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
        return new TrialBalance(clock.GetCurrentInstant(), [minutes]);
    }
}
