namespace TimeBank.Ledger.Redeeming;

/// <summary>Scheduled when a hold is placed, for the hold's expiresAt.</summary>
public sealed record ExpireRedemption(Guid RedemptionId, Guid AccountId, Instant ExpiresAt);

public static class ExpireRedemptionHandler
{
    public static async Task Handle(ExpireRedemption command, IDocumentSession session, IClock clock, IMessageContext messages)
    {
        var stream = await session.Events.FetchForWriting<Account>(command.AccountId);
        var now = clock.GetCurrentInstant();
        if (now < command.ExpiresAt)
        {
            // The scheduler fired early by this clock's reading: look again at expiry.
            await messages.ScheduleForAsync(command, command.ExpiresAt, clock);
            return;
        }
        if (Decide(command, stream.Aggregate, now) is { } expired) stream.AppendOne(expired);
    }

    /// <summary>The expiry of a hold that is still open; nothing for one settled or cancelled in the meantime.</summary>
    public static RedemptionExpired? Decide(ExpireRedemption command, Account? account, Instant now) =>
        account is not null && account.OpenHolds.TryGetValue(command.RedemptionId, out var minutes)
            ? new RedemptionExpired(command.RedemptionId, command.AccountId, minutes, now)
            : null;
}
