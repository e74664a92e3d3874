using JasperFx.Events;
using Npgsql;
using TimeBank.Auditing.Chain;
using TimeBank.Ledger;

namespace TimeBank.Auditing.ReplayingAccounts;

public sealed record CurrencyChange(int Balance, int Held, int Served);

public sealed record CurrencyFigures(int Balance, int Held, int Available, int Served);

/// <summary>One ledger event of the account and the figures it left, per currency (minutes, points; points are never held or served).</summary>
public sealed record ReplayedEntry(
    long Sequence,
    long Version,
    string EventType,
    Instant At,
    string Kind,
    string Counterparty,
    string Reference,
    IReadOnlyDictionary<string, CurrencyChange> Changes,
    IReadOnlyDictionary<string, CurrencyFigures> After,
    string? Hash);

public sealed record AccountReplay(string AccountId, Instant? AsOf, IReadOnlyList<ReplayedEntry> Entries, IReadOnlyDictionary<string, CurrencyFigures> Balances);

public static class AccountReplays
{
    public const string Minutes = "minutes";
    public const string Points = "points";

    /// <summary>
    /// The account's ledger events up to <paramref name="asOf"/>, folded the way GET /api/accounts/{id}?asOf=
    /// folds them (<see cref="AccountHistory"/>), so the last figures are that endpoint's answer.
    /// </summary>
    public static async Task<AccountReplay?> ReplayAsync(IQuerySession session, Guid account, Instant? asOf, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(account, token: cancellation);
        if (events.Count == 0 && account != SystemAccounts.PublicPool) return null;

        var history = AccountHistory.From(events, asOf);
        var bySequence = events.ToDictionary(e => e.Sequence);
        var hashes = await HashesAsync(session, history.Entries.Select(e => e.Sequence).ToArray(), cancellation);

        int held = 0, served = 0;
        var entries = new List<ReplayedEntry>(history.Entries.Count);
        foreach (var entry in history.Entries)
        {
            var e = bySequence[entry.Sequence];
            var servedChange = ((ILedgerEntry)e.Data).ServedChange;
            held += entry.HeldChangeMinutes;
            served += servedChange;
            entries.Add(new ReplayedEntry(entry.Sequence, entry.Version, e.EventTypeName, entry.RecordedAt, entry.Kind, entry.Counterparty,
                entry.Reference,
                new Dictionary<string, CurrencyChange>
                {
                    [Minutes] = new(entry.AmountMinutes, entry.HeldChangeMinutes, servedChange),
                    [Points] = new(entry.AmountPoints, 0, 0)
                },
                new Dictionary<string, CurrencyFigures>
                {
                    [Minutes] = new(entry.BalanceAfterMinutes, held, entry.BalanceAfterMinutes - held, served),
                    [Points] = new(entry.PointsBalanceAfter, 0, entry.PointsBalanceAfter, 0)
                },
                hashes.GetValueOrDefault(entry.Sequence)));
        }

        var f = history.Figures;
        return new AccountReplay(SystemAccounts.Name(account), asOf, entries,
            new Dictionary<string, CurrencyFigures>
            {
                [Minutes] = new(f.BalanceMinutes, f.HeldMinutes, f.AvailableMinutes, f.ServedMinutes),
                [Points] = new(f.PointsBalance, 0, f.PointsBalance, 0)
            });
    }

    private static async Task<Dictionary<long, string>> HashesAsync(IQuerySession session, long[] sequences, CancellationToken cancellation)
    {
        var hashes = new Dictionary<long, string>();
        if (sequences.Length == 0) return hashes;
        await using var connection = session.DocumentStore.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand($"select seq_id, hash from {ChainStore.ChainTable} where seq_id = any($1)", connection)
        {
            Parameters = { new() { Value = sequences } }
        };
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        while (await reader.ReadAsync(cancellation)) hashes[reader.GetInt64(0)] = Convert.ToHexStringLower(reader.GetFieldValue<byte[]>(1));
        return hashes;
    }
}

public static class ReplayAccountEndpoint
{
    /// <summary>
    /// Every ledger event of the account up to asOf (an ISO instant; default: now), each with the running figures
    /// per currency after it and its hash in the chain. The final figures equal GET /api/accounts/{id}?asOf= for the same instant.
    /// </summary>
    [WolverineGet("/api/audit/accounts/{id}/replay", OperationId = "ReplayAccount")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<AccountReplay>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string id, [FromQuery] string? asOf, IQuerySession session, CancellationToken cancellation)
    {
        if (AccountIds.TryParse(id, out var account) is { } notFound) return notFound;
        var cutoff = Instants.TryParse(asOf);
        if (asOf is not null && cutoff is null) return Problems.Validation("asOf", Instants.Expected("asOf")).ToResult();

        var replay = await AccountReplays.ReplayAsync(session, account, cutoff, cancellation);
        return replay is null ? Problems.NotFound("Account", id).ToResult() : Results.Ok(replay);
    }
}
