using System.ComponentModel.DataAnnotations;
using JasperFx.Events;

namespace TimeBank.Ledger.Transferring;

/// <summary>Moves available minutes between two accounts. <c>from</c>/<c>to</c>: a person's id or <c>public-pool</c> (公益时间池).</summary>
public sealed record TransferRequest([property: Required] string? From, [property: Required] string? To, [property: Required] int? Minutes, [property: Required] string? Reason);

public sealed record Transfer(Guid From, Guid To, int Minutes, string Reason);

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
        TransferQueue transfers, HttpContext context)
    {
        SystemAccounts.TryParse(request.From, out var from);
        SystemAccounts.TryParse(request.To, out var to);
        var transfer = new Transfer(from, to, request.Minutes!.Value, request.Reason!.Trim());
        var outcome = await transfers.SubmitAsync(new PendingTransfer(transfer, idempotencyKey!, context.StampOf()), context.RequestAborted);
        return outcome.ToResult<TransferResult>();
    }
}

/// <summary>A transfer waiting for its group commit, with its client's Idempotency-Key and its request's audit stamp.</summary>
public sealed record PendingTransfer(Transfer Transfer, string IdempotencyKey, AuditStamp Stamp)
{
    public string ClaimId { get; } = Idempotency.ClaimId(nameof(Transfer), Stamp.ActorKeyId, IdempotencyKey);

    public string Fingerprint { get; } = Idempotency.Fingerprint<object>(Transfer);
}

/// <summary>
/// Group commit for transfers, a lane per debited account. A transfer's credit may land on an account another lane is
/// committing: a batch takes this process's turn on every account it touches (<see cref="AccountLocks"/>), and the
/// streams' version check still guards against other nodes. The transfers whose accounts are all free commit at once;
/// those that meet another lane's batch commit after it, in a second transaction, so one shared account does not hold up
/// the whole batch.
/// </summary>
public sealed class TransferQueue(IServiceScopeFactory scopes, AccountLocks locks, ILogger<TransferQueue> logger)
    : GroupCommit<PendingTransfer>(scopes, logger)
{
    protected override string Name => "transfers";

    protected override Guid LaneKey(PendingTransfer pending) => pending.Transfer.From;

    protected override async Task<IReadOnlyList<Outcome>> CommitAsync(IServiceProvider services, IReadOnlyList<PendingTransfer> batch,
        CancellationToken cancellation)
    {
        var bus = services.GetRequiredService<IMessageBus>();
        var outcomes = new Outcome[batch.Count];
        var (freeTurns, free) = locks.TakeFree(batch.SelectMany(AccountsOf));
        var (now, waiting) = ByFreeAccounts(batch, free);
        using (freeTurns)
        {
            if (now.Count > 0) await CommitChosenAsync(bus, batch, now, outcomes, cancellation);
        }
        if (waiting.Count > 0)
        {
            using var turns = await locks.AcquireAsync(cancellation, [.. waiting.SelectMany(i => AccountsOf(batch[i]))]);
            await CommitChosenAsync(bus, batch, waiting, outcomes, cancellation);
        }
        return outcomes;
    }

    private static async Task CommitChosenAsync(IMessageBus bus, IReadOnlyList<PendingTransfer> batch, IReadOnlyList<int> chosen, Outcome[] outcomes,
        CancellationToken cancellation)
    {
        var made = await bus.InvokeAsync<TransfersMade>(new MakeTransfers([.. chosen.Select(i => batch[i])]), cancellation);
        for (var i = 0; i < chosen.Count; i++) outcomes[chosen[i]] = made.Outcomes[i];
    }

    private static Guid[] AccountsOf(PendingTransfer pending) => [pending.Transfer.From, pending.Transfer.To];

    /// <summary>The positions of the transfers whose accounts are all among <paramref name="free"/>, and of the others, each in batch order.</summary>
    public static (IReadOnlyList<int> Now, IReadOnlyList<int> Waiting) ByFreeAccounts(IReadOnlyList<PendingTransfer> batch, IReadOnlySet<Guid> free)
    {
        var (now, waiting) = (new List<int>(batch.Count), new List<int>());
        for (var i = 0; i < batch.Count; i++) (AccountsOf(batch[i]).All(free.Contains) ? now : waiting).Add(i);
        return (now, waiting);
    }
}

/// <summary>Transfers that arrived together, decided and committed in one transaction (group commit).</summary>
public sealed record MakeTransfers(IReadOnlyList<PendingTransfer> Transfers) : IStampsEachEvent;

public sealed record TransfersMade(IReadOnlyList<Outcome> Outcomes);

public static class TransferHandler
{
    /// <summary>
    /// Decides a batch's transfers in order, each seeing the accounts as the earlier ones left them, and appends them to
    /// their streams; every stream is version-checked and the whole batch committed together, with a claim per
    /// Idempotency-Key (inserted, never upserted: of two racing requests under one key exactly one commits, and the other
    /// batch is re-run and finds the claim).
    /// </summary>
    public static async Task<TransfersMade> Handle(MakeTransfers batch, IDocumentSession session, IClock clock)
    {
        var accountIds = batch.Transfers.SelectMany(p => new[] { p.Transfer.From, p.Transfer.To }).Distinct().ToArray();
        var (writing, reads) = AccountsForWriting.ReadFirst(session, accountIds);
        var claims = reads.LoadMany<IdempotencyClaim>().ById(batch.Transfers.Select(p => p.ClaimId).Distinct().ToArray());
        var givers = batch.Transfers.Select(p => People.Granting.PersonScope.ForDebit(reads, p.Stamp.Caller, p.Transfer.From)).ToList();
        await reads.Execute();

        var claimed = (await claims).ToDictionary(c => c.Id);
        var read = await writing.ReadAsync();
        var accounts = accountIds.ToDictionary(id => id, id => read.GetValueOrDefault(id) ?? (id == SystemAccounts.PublicPool ? new Account { Id = id } : null));
        var now = clock.GetCurrentInstant();

        var outcomes = new List<Outcome>(batch.Transfers.Count);
        for (var i = 0; i < batch.Transfers.Count; i++)
        {
            var pending = batch.Transfers[i];
            var (transfer, key, stamp) = pending;
            if (claimed.TryGetValue(pending.ClaimId, out var claim))
            {
                outcomes.Add(Idempotency.Replay(claim, pending.Fingerprint, key));
                continue;
            }

            var decision = Decide(transfer, stamp.Caller, await givers[i], accounts[transfer.From], accounts[transfer.To], Guid.CreateVersion7(), now);
            if (decision.Refusal is { } refusal)
            {
                outcomes.Add(refusal);
                continue;
            }

            var (sent, received) = decision.Events;
            var giverAfter = accounts[transfer.From] = accounts[transfer.From]!.Apply(sent);
            accounts[transfer.To] = accounts[transfer.To]!.Apply(received);
            writing.Append(transfer.From, stamp.On(sent));
            writing.Append(transfer.To, stamp.On(received));

            var result = new TransferResult(sent.TransferId, "completed", SystemAccounts.Name(transfer.From), SystemAccounts.Name(transfer.To),
                transfer.Minutes, transfer.Reason, now, giverAfter.BalanceMinutes);
            claim = IdempotencyClaim.Of(pending.ClaimId, pending.Fingerprint, result, now);
            session.Insert(claim);
            claimed[claim.Id] = claim;
            outcomes.Add(Outcome.New(result));
        }

        writing.AppendTo(session);
        return new TransfersMade(outcomes);
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
