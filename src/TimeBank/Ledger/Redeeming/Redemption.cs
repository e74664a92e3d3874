using TimeBank.People.Granting;
using Marten.Events.Projections;

namespace TimeBank.Ledger.Redeeming;

public enum RedemptionStatus
{
    Held,
    Settled,
    Cancelled,
    Expired
}

/// <summary>Read model of one redemption, kept inline from the account stream's hold events.</summary>
public sealed record Redemption
{
    public Guid Id { get; init; }
    public Guid AccountId { get; init; }
    public int Minutes { get; init; }
    public string ServiceType { get; init; } = "";
    public string Description { get; init; } = "";
    public RedemptionStatus Status { get; init; }
    public Instant HeldAt { get; init; }
    public Instant ExpiresAt { get; init; }
    public Instant? ClosedAt { get; init; }

    /// <summary>The key that placed the hold; only it, or an admin, may settle or cancel it.</summary>
    public string? HeldBy { get; init; }
}

public sealed class RedemptionProjection : ScreenedMultiStreamProjection<Redemption>
{
    public RedemptionProjection()
    {
        Identity<RedemptionHeld>(e => e.RedemptionId);
        Identity<RedemptionSettled>(e => e.RedemptionId);
        Identity<RedemptionCancelled>(e => e.RedemptionId);
        Identity<RedemptionExpired>(e => e.RedemptionId);
    }

    public Redemption Create(RedemptionHeld e) => new()
    {
        Id = e.RedemptionId,
        AccountId = e.AccountId,
        Minutes = e.Minutes,
        ServiceType = e.ServiceType,
        Description = e.Description,
        Status = RedemptionStatus.Held,
        HeldAt = e.HeldAt,
        ExpiresAt = e.ExpiresAt,
        HeldBy = e.HeldBy
    };

    public Redemption Apply(RedemptionSettled e, Redemption r) => r with { Status = RedemptionStatus.Settled, ClosedAt = e.SettledAt };
    public Redemption Apply(RedemptionCancelled e, Redemption r) => r with { Status = RedemptionStatus.Cancelled, ClosedAt = e.CancelledAt };
    public Redemption Apply(RedemptionExpired e, Redemption r) => r with { Status = RedemptionStatus.Expired, ClosedAt = e.ExpiredAt };
}

public sealed record RedemptionView(
    Guid Id, string AccountId, int Minutes, string ServiceType, string Description, RedemptionStatus Status,
    Instant HeldAt, Instant ExpiresAt, Instant? ClosedAt, int AvailableMinutes)
{
    public static RedemptionView Of(Redemption r, int availableMinutes) => new(r.Id, SystemAccounts.Name(r.AccountId), r.Minutes,
        r.ServiceType, r.Description, r.Status, r.HeldAt, r.ExpiresAt, r.ClosedAt, availableMinutes);
}

public static class GetRedemptionEndpoint
{
    /// <summary>One redemption with its status (a platform: holds it placed, or of people it acts for).</summary>
    [WolverineGet("/api/redemptions/{id}", OperationId = "GetRedemption")]
    [Authorize(Roles = Roles.AccountReaders)]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, HttpContext context, CancellationToken cancellation)
    {
        var redemption = await session.LoadAsync<Redemption>(id, cancellation);
        if (redemption is null) return Problems.NotFound("Redemption", id).ToResult();
        var caller = context.Caller();
        if (redemption.HeldBy != caller.KeyId
            && await PersonScope.ForRead(session, caller, redemption.AccountId, cancellation).RefusedAsync(caller, redemption.AccountId) is { } refused)
        {
            return refused;
        }
        var account = await session.LoadAsync<Account>(redemption.AccountId, cancellation);
        return Results.Ok(RedemptionView.Of(redemption, account?.AvailableMinutes ?? 0));
    }
}
