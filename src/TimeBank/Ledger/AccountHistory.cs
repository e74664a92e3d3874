using JasperFx.Events;

namespace TimeBank.Ledger;

/// <summary>One line of an account statement, with the balances it left behind in both currencies.</summary>
public sealed record AccountEntry(
    long Sequence,
    long Version,
    Instant RecordedAt,
    string Kind,
    int AmountMinutes,
    int BalanceAfterMinutes,
    int HeldChangeMinutes,
    int AmountPoints,
    int PointsBalanceAfter,
    string Counterparty,
    string Reference)
{
    public bool Moves(Currency currency) => currency switch
    {
        Currency.Minutes => AmountMinutes != 0 || HeldChangeMinutes != 0,
        Currency.Points => AmountPoints != 0,
        _ => false
    };
}

/// <summary>The ledger's two currencies: service time in whole minutes, and points (积分) spent at love markets.</summary>
public enum Currency
{
    Minutes,
    Points
}

public sealed record AccountFigures(int BalanceMinutes, int HeldMinutes, int ServedMinutes, int PointsBalance)
{
    public int AvailableMinutes => BalanceMinutes - HeldMinutes;
}

/// <summary>
/// Replays an account's stream without the projection: the auditor's view, and the way
/// any balance is explained at any past instant.
/// </summary>
public sealed class AccountHistory
{
    private AccountHistory(IReadOnlyList<AccountEntry> entries, AccountFigures figures)
    {
        Entries = entries;
        Figures = figures;
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<AccountEntry> Entries { get; }

    public AccountFigures Figures { get; }

    public static async Task<AccountHistory?> LoadAsync(IQuerySession session, Guid account, Instant? asOf, CancellationToken cancellation)
    {
        var events = await session.Events.FetchStreamAsync(account, token: cancellation);
        if (events.Count == 0) return account == SystemAccounts.PublicPool ? From([], asOf) : null;
        return From(events, asOf);
    }

    public static AccountHistory From(IEnumerable<IEvent> events, Instant? asOf)
    {
        var entries = new List<AccountEntry>();
        int balance = 0, held = 0, served = 0, points = 0;
        foreach (var e in events)
        {
            if (e.Data is not ILedgerEntry entry) continue;
            if (asOf is { } cutoff && entry.At > cutoff) break;

            balance += entry.BalanceChange;
            held += entry.HeldChange;
            served += entry.ServedChange;
            points += entry.PointsChange;
            entries.Add(new AccountEntry(e.Sequence, e.Version, entry.At, entry.Kind, entry.BalanceChange, balance,
                entry.HeldChange, entry.PointsChange, points, entry.Counterparty, entry.Reference));
        }
        return new AccountHistory(entries, new AccountFigures(balance, held, served, points));
    }
}
