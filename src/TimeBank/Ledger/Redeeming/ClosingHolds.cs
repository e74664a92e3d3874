using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using NodaTime;
using TimeBank.Access;
using TimeBank.Hosting;
using Wolverine;
using Wolverine.ErrorHandling;
using Wolverine.Runtime.Handlers;
using Wolverine.Http;

namespace TimeBank.Ledger.Redeeming;

public enum HoldClosing
{
    Settle,
    Cancel
}

public sealed record CloseHold(Guid RedemptionId, HoldClosing Closing);

/// <summary>Scheduled at placement for the hold's expiresAt.</summary>
public sealed record ExpireRedemption(Guid RedemptionId, Guid AccountId, Instant ExpiresAt);

public static class CloseHoldEndpoints
{
    /// <summary>Spends the held minutes (debits the account, credits the redemption sink). Settling a settled redemption again returns it unchanged.</summary>
    [WolverinePost("/api/redemptions/{id}/settle", OperationId = "SettleRedemption")]
    [Authorize(Roles = Roles.Writers)]
    [Tags("Redemptions")]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public static Task<IResult> Settle(Guid id, IMessageBus bus, HttpContext context) => Close(id, HoldClosing.Settle, bus, context);

    /// <summary>Releases the held minutes. Cancelling a cancelled redemption again returns it unchanged.</summary>
    [WolverinePost("/api/redemptions/{id}/cancel", OperationId = "CancelRedemption")]
    [Authorize(Roles = Roles.Writers)]
    [Tags("Redemptions")]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    public static Task<IResult> Cancel(Guid id, IMessageBus bus, HttpContext context) => Close(id, HoldClosing.Cancel, bus, context);

    private static async Task<IResult> Close(Guid id, HoldClosing closing, IMessageBus bus, HttpContext context)
    {
        var outcome = await bus.InvokeForRequestAsync<RedemptionView>(new CloseHold(id, closing), context);
        return outcome.ToResult();
    }

    /// <summary>One redemption with its status.</summary>
    [WolverineGet("/api/redemptions/{id}", OperationId = "GetRedemption")]
    [Authorize(Roles = Roles.AccountReaders)]
    [Tags("Redemptions")]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var redemption = await session.LoadAsync<Redemption>(id, cancellation);
        if (redemption is null) return Problems.NotFound("Redemption", id).ToResult();
        var account = await session.LoadAsync<Account>(redemption.AccountId, cancellation);
        return Results.Ok(RedemptionView.Of(redemption, account?.AvailableMinutes ?? 0));
    }
}

public static class CloseHoldHandler
{
    public static async Task<Outcome<RedemptionView>> Handle(CloseHold command, IDocumentSession session, IClock clock)
    {
        var redemption = await session.LoadAsync<Redemption>(command.RedemptionId);
        if (redemption is null) return Problems.NotFound("Redemption", command.RedemptionId);

        var stream = await session.Events.FetchForWriting<Account>(redemption.AccountId);
        var account = stream.Aggregate!;
        var wanted = command.Closing == HoldClosing.Settle ? RedemptionStatus.Settled : RedemptionStatus.Cancelled;

        if (!account.OpenHolds.ContainsKey(redemption.Id))
        {
            return redemption.Status == wanted
                ? Outcome<RedemptionView>.Ok(RedemptionView.Of(redemption, account.AvailableMinutes))
                : Problems.Refusal(Problems.Types.RedemptionNotHeld, StatusCodes.Status409Conflict,
                    "The redemption is no longer held.",
                    $"Redemption {redemption.Id} is {redemption.Status.ToString().ToLowerInvariant()}; only a held redemption can be {wanted.ToString().ToLowerInvariant()}.",
                    new Dictionary<string, object?> { ["status"] = redemption.Status.ToString().ToLowerInvariant() });
        }

        var now = clock.GetCurrentInstant();
        object closed = command.Closing == HoldClosing.Settle
            ? new RedemptionSettled(redemption.Id, redemption.AccountId, redemption.Minutes, now)
            : new RedemptionCancelled(redemption.Id, redemption.AccountId, redemption.Minutes, now);
        stream.AppendOne(closed);

        var available = account.AvailableMinutes + (command.Closing == HoldClosing.Cancel ? redemption.Minutes : 0);
        return Outcome<RedemptionView>.Ok(RedemptionView.Of(redemption with { Status = wanted, ClosedAt = now }, available));
    }
}

public static class ExpireRedemptionHandler
{
    public static void Configure(HandlerChain chain) =>
        chain.OnException(Conflicts.IsConflict, "lost a race on the account stream")
            .RetryWithCooldown(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1));

    public static async Task Handle(ExpireRedemption command, IDocumentSession session, IClock clock, IMessageContext messages)
    {
        var stream = await session.Events.FetchForWriting<Account>(command.AccountId);
        if (stream.Aggregate is null || !stream.Aggregate.OpenHolds.TryGetValue(command.RedemptionId, out var minutes)) return;

        var now = clock.GetCurrentInstant();
        if (now < command.ExpiresAt)
        {
            // The scheduler fired early by this clock's reading: look again at expiry.
            await messages.ScheduleAsync(command, command.ExpiresAt.ToDateTimeOffset());
            return;
        }

        stream.AppendOne(new RedemptionExpired(command.RedemptionId, command.AccountId, minutes, now));
    }
}
