using System.ComponentModel.DataAnnotations;
using JasperFx.Events;

namespace TimeBank.Ledger.Transferring;

/// <summary>Moves available minutes between two accounts. <c>from</c>/<c>to</c>: a person's id or <c>public-pool</c> (公益时间池).</summary>
public sealed record TransferRequest([property: Required] string? From, [property: Required] string? To, [property: Required] int? Minutes, [property: Required] string? Reason);

public sealed record Transfer(Guid From, Guid To, int Minutes, string Reason) : IKeyedCommand;

public sealed record TransferResult(Guid Id, string Status, string From, string To, int Minutes, string Reason, Instant TransferredAt, int FromBalanceMinutes);

public static class TransferEndpoint
{
    public static ProblemDetails Validate(TransferRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        var from = AccountIds.Check(errors, "from", request.From);
        if (AccountIds.Check(errors, "to", request.To) is { } to && to == from) errors["to"] = ["A transfer needs two different accounts."];
        Ledger.Minutes.Check(errors, request.Minutes);
        if (!Reasons.IsValid(request.Reason)) errors["reason"] = [Reasons.Required];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Transfers available minutes. Send an Idempotency-Key: a retry with the same key returns the first
    /// result and moves nothing again; the same key with a different body is a 409.
    /// </summary>
    [WolverinePost("/api/transfers", OperationId = "Transfer")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<TransferResult>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(TransferRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        SystemAccounts.TryParse(request.From, out var from);
        SystemAccounts.TryParse(request.To, out var to);
        var transfer = new Transfer(from, to, request.Minutes!.Value, request.Reason!.Trim());
        var outcome = await bus.InvokeForRequestAsync(transfer, context, from, to);
        return outcome.ToResult<TransferResult>();
    }
}

public static class TransferHandler
{
    public static async Task<Outcome> Handle(Transfer transfer, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var batch = session.CreateBatchQuery();
        var fromStream = batch.Events.FetchForWriting<Account>(transfer.From);
        var toStream = batch.Events.FetchForWriting<Account>(transfer.To);
        var giver = People.Granting.PersonScope.ForDebit(batch, Scopes.CallerOf(envelope), transfer.From);
        await batch.Execute();
        var (from, to) = (await fromStream, await toStream);

        var now = clock.GetCurrentInstant();
        var decision = Decide(transfer, Scopes.CallerOf(envelope), await giver, from.Aggregate, to.Aggregate, Guid.CreateVersion7(), now);
        if (decision.Refusal is { } refusal) return refusal;

        var (sent, received) = decision.Events;
        // Both streams are version-checked and committed together: all of the transfer or none.
        foreach (var (stream, e) in new (IEventStream<Account> Stream, object Event)[] { (from, sent), (to, received) }.OrderBy(x => x.Stream.Id))
        {
            stream.AppendOne(e);
        }
        return Outcome.New(new TransferResult(sent.TransferId, "completed", SystemAccounts.Name(transfer.From), SystemAccounts.Name(transfer.To),
            transfer.Minutes, transfer.Reason, now, (from.Aggregate?.BalanceMinutes ?? 0) - transfer.Minutes));
    }

    /// <summary>
    /// The public pool exists before its first event; a person's account exists once opened. <paramref name="giver"/>
    /// says who registered the person the minutes leave and whether they granted the caller access.
    /// </summary>
    public static Decision<(TransferSent, TransferReceived)> Decide(Transfer transfer, Caller caller, People.Granting.PersonScope giver, Account? from,
        Account? to, Guid transferId, Instant now)
    {
        if (Scopes.MayDebit(caller, transfer.From, giver) is { } notPermitted) return notPermitted;
        var unknown = new Dictionary<string, string[]>();
        if (from is null && transfer.From != SystemAccounts.PublicPool) unknown["from"] = [$"No account has id {transfer.From}."];
        if (to is null && transfer.To != SystemAccounts.PublicPool) unknown["to"] = [$"No account has id {transfer.To}."];
        if (unknown.Count > 0) return new UnknownReferences("The transfer names an account that does not exist.", "from and to must be open accounts.", unknown);

        var available = from?.AvailableMinutes ?? 0;
        if (available < transfer.Minutes) return new NotEnoughMinutes(SystemAccounts.Name(transfer.From), transfer.Minutes, available);

        return (new TransferSent(transferId, transfer.From, transfer.To, transfer.Minutes, transfer.Reason, now),
            new TransferReceived(transferId, transfer.From, transfer.To, transfer.Minutes, transfer.Reason, now));
    }
}
