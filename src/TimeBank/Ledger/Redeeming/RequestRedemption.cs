using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.ServiceRecords;

namespace TimeBank.Ledger.Redeeming;

/// <summary>Asks to redeem minutes for a service. The minutes are held until settled, cancelled or expired.</summary>
public sealed record RedemptionRequest([property: Required] string? AccountId, [property: Required] int? Minutes, [property: Required] [property: ServiceTypeCode] string? ServiceType, [property: Required] string? Description);

public sealed record RequestRedemption(Guid AccountId, int Minutes, string ServiceType, string Description) : IKeyedCommand;

public static class RequestRedemptionEndpoint
{
    public const int MaxDescription = 500;

    public static ProblemDetails Validate(RedemptionRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        AccountIds.Check(errors, "accountId", request.AccountId);
        Minutes.Check(errors, request.Minutes);
        if (!ServiceTypes.IsKnown(request.ServiceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Trim().Length > MaxDescription)
            errors["description"] = [$"A description of 1 to {MaxDescription} characters is required."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Holds minutes for a redemption (status held, expiresAt = now + the configured hold duration, 7 days by
    /// default). Settle or cancel it later; an unsettled hold is released automatically at expiresAt.
    /// Idempotent on the Idempotency-Key header.
    /// </summary>
    [WolverinePost("/api/redemptions", OperationId = "PlaceRedemptionHold")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<RedemptionView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(RedemptionRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        SystemAccounts.TryParse(request.AccountId, out var account);
        var command = new RequestRedemption(account, request.Minutes!.Value, request.ServiceType!, request.Description!.Trim());
        var outcome = await bus.InvokeForRequestAsync(command, context, account);
        return outcome.ToResult<RedemptionView>(r => $"/api/redemptions/{r.Id}");
    }
}

public static class RequestRedemptionHandler
{
    public static async Task<Outcome> Handle(RequestRedemption command, IDocumentSession session, IClock clock,
        IOptions<TimeBankOptions> options, IMessageContext messages, Envelope envelope)
    {
        var batch = session.CreateBatchQuery();
        var accountStream = batch.Events.FetchForWriting<Account>(command.AccountId);
        var holder = People.Granting.PersonScope.ForDebit(batch, Scopes.CallerOf(envelope), command.AccountId);
        await batch.Execute();
        var stream = await accountStream;
        var now = clock.GetCurrentInstant();
        var decision = Decide(command, Scopes.CallerOf(envelope), await holder, stream.Aggregate, Guid.CreateVersion7(), now, now + options.Value.Hold);
        if (decision.Refusal is { } refusal) return refusal;

        var held = decision.Events;
        stream.AppendOne(held);
        await messages.ScheduleForAsync(new ExpireRedemption(held.RedemptionId, held.AccountId, held.ExpiresAt), held.ExpiresAt, clock);
        return Outcome.New(new RedemptionView(held.RedemptionId, SystemAccounts.Name(held.AccountId), held.Minutes, held.ServiceType,
            held.Description, RedemptionStatus.Held, now, held.ExpiresAt, null, (stream.Aggregate?.AvailableMinutes ?? 0) - held.Minutes));
    }

    public static Decision<RedemptionHeld> Decide(RequestRedemption command, Caller caller, People.Granting.PersonScope holder, Account? account,
        Guid redemptionId, Instant now, Instant expiresAt)
    {
        if (Scopes.MayDebit(caller, command.AccountId, holder) is { } notPermitted) return notPermitted;
        if (account is null && command.AccountId != SystemAccounts.PublicPool)
        {
            return new UnknownReferences("The redemption names an account that does not exist.", $"No account has id {command.AccountId}.",
                new Dictionary<string, string[]> { ["accountId"] = ["Unknown account."] });
        }

        var available = account?.AvailableMinutes ?? 0;
        if (available < command.Minutes) return new NotEnoughMinutes(SystemAccounts.Name(command.AccountId), command.Minutes, available);

        return new RedemptionHeld(redemptionId, command.AccountId, command.Minutes, command.ServiceType, command.Description, now, expiresAt,
            caller.KeyId);
    }
}
