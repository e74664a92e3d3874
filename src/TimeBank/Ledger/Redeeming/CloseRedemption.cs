namespace TimeBank.Ledger.Redeeming;

/// <summary>Settle spends the held minutes; Cancel releases them.</summary>
public enum Closing
{
    Settle,
    Cancel
}

public sealed record CloseRedemption(Guid RedemptionId, Closing Closing);

public static class CloseRedemptionEndpoints
{
    /// <summary>Spends the held minutes (debits the account, credits the redemption sink). Settling a settled redemption again returns it unchanged.</summary>
    [WolverinePost("/api/redemptions/{id}/settle", OperationId = "SettleRedemption")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Settle(Guid id, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new CloseRedemption(id, Closing.Settle), context)).ToResult<RedemptionView>();

    /// <summary>Releases the held minutes. Cancelling a cancelled redemption again returns it unchanged.</summary>
    [WolverinePost("/api/redemptions/{id}/cancel", OperationId = "CancelRedemption")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Cancel(Guid id, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new CloseRedemption(id, Closing.Cancel), context)).ToResult<RedemptionView>();
}

public static class CloseRedemptionHandler
{
    public static async Task<Outcome> Handle(CloseRedemption command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var known = await session.LoadAsync<Redemption>(command.RedemptionId);
        if (known is null) return new NotFound("Redemption", command.RedemptionId.ToString());

        var (stream, current) = await AccountAndDocument.ReadAsync<Redemption>(session, known.AccountId, known.Id);
        var redemption = current!;
        var account = stream.Aggregate!;
        var now = clock.GetCurrentInstant();
        var decision = Decide(command.Closing, Scopes.CallerOf(envelope), redemption, account, now);
        if (decision.Refusal is { } refusal) return refusal;

        if (decision.Events is []) return Outcome.Existing(RedemptionView.Of(redemption, account.AvailableMinutes));
        stream.AppendMany(decision.Events);
        var closedRedemption = redemption with { Status = Wanted(command.Closing), ClosedAt = now };
        var available = account.AvailableMinutes + (command.Closing == Closing.Cancel ? redemption.Minutes : 0);
        return Outcome.Existing(RedemptionView.Of(closedRedemption, available));
    }

    /// <summary>The settling or cancelling event, or none when the redemption was already closed that way.</summary>
    public static Decision<object[]> Decide(Closing closing, Caller caller, Redemption redemption, Account account, Instant now)
    {
        if (Scopes.MayClose(caller, redemption.Id, redemption.HeldBy) is { } notPermitted) return notPermitted;
        var wanted = Wanted(closing);
        if (!account.OpenHolds.ContainsKey(redemption.Id))
        {
            if (redemption.Status == wanted) return Array.Empty<object>();
            return new RedemptionNotHeld(redemption.Id, redemption.Status, wanted);
        }

        return new[]
        {
            closing == Closing.Settle
                ? new RedemptionSettled(redemption.Id, redemption.AccountId, redemption.Minutes, now)
                : (object)new RedemptionCancelled(redemption.Id, redemption.AccountId, redemption.Minutes, now)
        };
    }

    private static RedemptionStatus Wanted(Closing closing) => closing == Closing.Settle ? RedemptionStatus.Settled : RedemptionStatus.Cancelled;
}
