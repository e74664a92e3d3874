using TimeBank.People.Granting;

namespace TimeBank.Ledger.GettingAccount;

public sealed record AccountView(string Id, int BalanceMinutes, int HeldMinutes, int AvailableMinutes, int ServedMinutes, int PointsBalance, Instant? AsOf);

public static class GetAccountEndpoint
{
    /// <summary>
    /// Balance of a time account. servedMinutes is the lifetime total of credited service, which transfers
    /// and redemptions never reduce; pointsBalance the points to spend at love markets. With asOf (an ISO instant) the figures are rebuilt from the events up to that instant.
    /// </summary>
    [WolverineGet("/api/accounts/{id}", OperationId = "GetAccount")]
    [Authorize(Roles = Roles.AccountReaders)]
    [ProducesResponseType<AccountView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string id, [FromQuery] string? asOf, IDocumentStore store, MultiplexedReads reads, HttpContext context,
        CancellationToken cancellation)
    {
        if (AccountIds.TryParse(id, out var accountId) is { } notFound) return notFound;
        var caller = context.Caller();
        Instant? cutoff = null;
        if (asOf is not null)
        {
            if (Instants.TryParse(asOf) is not { } parsed) return Problems.Validation("asOf", Instants.Expected("asOf")).ToResult();
            cutoff = parsed;
        }
        if (await PersonScope.ForRead(store, caller, accountId, cancellation).RefusedAsync(caller, accountId) is { } refused) return refused;

        if (cutoff is { } at)
        {
            await using var session = store.QuerySession();
            var history = await AccountHistory.LoadAsync(session, accountId, at, cancellation);
            if (history is null) return Problems.NotFound("Account", id).ToResult();
            var f = history.Figures;
            return Results.Ok(new AccountView(SystemAccounts.Name(accountId), f.BalanceMinutes, f.HeldMinutes, f.AvailableMinutes, f.ServedMinutes, f.PointsBalance, at));
        }

        var account = await reads.LoadAsync<Account>(accountId, cancellation);
        if (account is null)
        {
            return accountId == SystemAccounts.PublicPool
                ? Results.Ok(new AccountView(SystemAccounts.PublicPoolName, 0, 0, 0, 0, 0, null))
                : Problems.NotFound("Account", id).ToResult();
        }
        return Results.Ok(new AccountView(SystemAccounts.Name(account.Id), account.BalanceMinutes, account.HeldMinutes,
            account.AvailableMinutes, account.ServedMinutes, account.PointsBalance, null));
    }
}
