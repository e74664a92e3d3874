using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.ServiceRecords;
using Wolverine;
using Wolverine.Http;

namespace TimeBank.Ledger.Redeeming;

/// <summary>Asks to redeem minutes for a service. The minutes are held until settled, cancelled or expired.</summary>
public sealed record RedemptionRequest(string? AccountId, int? Minutes, string? ServiceType, string? Description);

public sealed record PlaceHold(Guid AccountId, int Minutes, string ServiceType, string Description);

public sealed record PlaceHoldCommand(PlaceHold Hold, string CallerKeyId, string IdempotencyKey)
{
    public string ClaimId => Idempotency.ClaimId("redemption", CallerKeyId, IdempotencyKey);
}

public static class PlaceHoldEndpoint
{
    public static ProblemDetails Validate(RedemptionRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        if (Idempotency.ValidateKey(context.Request.Headers[Idempotency.Header]) is { } keyProblem)
            errors[Idempotency.Header] = [keyProblem];
        if (!SystemAccounts.TryParse(request.AccountId, out _)) errors["accountId"] = [AccountIds.Description];
        if (request.Minutes is null or < 1 or > Transferring.TransferEndpoint.MaxMinutes)
            errors["minutes"] = [$"Whole minutes between 1 and {Transferring.TransferEndpoint.MaxMinutes} are required."];
        if (!ServiceTypes.IsKnown(request.ServiceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Length > 500)
            errors["description"] = ["A description of 1 to 500 characters is required."];
        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Validation(errors);
    }

    /// <summary>
    /// Holds minutes for a redemption (status held, expiresAt = now + the configured hold duration, 7 days by
    /// default). Settle or cancel it later; an unsettled hold is released automatically at expiresAt.
    /// Idempotent on the Idempotency-Key header.
    /// </summary>
    [WolverinePost("/api/redemptions", OperationId = "PlaceRedemptionHold")]
    [Authorize(Roles = Roles.Writers)]
    [Tags("Redemptions")]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status201Created)]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status200OK)]
    [ProducesResponseType<HttpValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Post(RedemptionRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context, AccountLocks locks)
    {
        SystemAccounts.TryParse(request.AccountId, out var account);
        var command = new PlaceHoldCommand(new PlaceHold(account, request.Minutes!.Value, request.ServiceType!, request.Description!.Trim()),
            context.Caller().KeyId, idempotencyKey!);
        using var turn = await locks.AcquireAsync(context.RequestAborted, account);
        var outcome = await bus.InvokeForRequestAsync<RedemptionView>(command, context);
        return outcome.ToResult(r => $"/api/redemptions/{r.Id}");
    }
}

public static class PlaceHoldHandler
{
    public static async Task<Outcome<RedemptionView>> Handle(PlaceHoldCommand command, IDocumentSession session, IClock clock,
        IOptions<TimeBankOptions> options, IMessageContext messages)
    {
        var hold = command.Hold;
        var fingerprint = Idempotency.Fingerprint(hold);

        var batch = session.CreateBatchQuery();
        var claimed = batch.Load<IdempotencyClaim>(command.ClaimId);
        var accountStream = batch.Events.FetchForWriting<Account>(hold.AccountId);
        await batch.Execute();

        if (await claimed is { } claim)
        {
            return claim.Replay<RedemptionView>(fingerprint, command.IdempotencyKey);
        }

        var stream = await accountStream;
        var account = stream.Aggregate;
        if (account is null && hold.AccountId != SystemAccounts.PublicPool)
        {
            return Problems.Refusal(Problems.Types.UnknownReference, StatusCodes.Status422UnprocessableEntity,
                "The redemption names an account that does not exist.", $"No account has id {hold.AccountId}.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["accountId"] = ["Unknown account."] } });
        }

        var available = account?.AvailableMinutes ?? 0;
        if (available < hold.Minutes) return Problems.InsufficientBalance(SystemAccounts.Name(hold.AccountId), hold.Minutes, available);

        var now = clock.GetCurrentInstant();
        var held = new RedemptionHeld(Guid.CreateVersion7(), hold.AccountId, hold.Minutes, hold.ServiceType, hold.Description,
            now, now + options.Value.Hold);
        stream.AppendOne(held);
        await messages.ScheduleAsync(new ExpireRedemption(held.RedemptionId, held.AccountId, held.ExpiresAt), held.ExpiresAt.ToDateTimeOffset());

        var view = new RedemptionView(held.RedemptionId, SystemAccounts.Name(hold.AccountId), hold.Minutes, hold.ServiceType,
            hold.Description, RedemptionStatus.Held, now, held.ExpiresAt, null, available - hold.Minutes);
        session.Insert(IdempotencyClaim.For(command.ClaimId, fingerprint, held.RedemptionId, view, now));
        return Outcome<RedemptionView>.Created(view);
    }
}
