namespace TimeBank.Ledger;

public enum AccountHolder
{
    Volunteer,
    Elder,
    PublicPool
}

/// <summary>Each person's time account is opened when the person registers; its id is the person's id.</summary>
public sealed record AccountOpened(Guid AccountId, AccountHolder Holder, Instant OpenedAt);

/// <summary>Debits the sender; the matching <see cref="TransferReceived"/> credits the receiver in the same commit.</summary>
public sealed record TransferSent(Guid TransferId, Guid From, Guid To, int Minutes, string Reason, Instant TransferredAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "transfer-out";
    int ILedgerEntry.BalanceChange => -Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.Name(To);
    string ILedgerEntry.Reference => $"transfer:{TransferId}";
    Instant ILedgerEntry.At => TransferredAt;
}

public sealed record TransferReceived(Guid TransferId, Guid From, Guid To, int Minutes, string Reason, Instant TransferredAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "transfer-in";
    int ILedgerEntry.BalanceChange => Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.Name(From);
    string ILedgerEntry.Reference => $"transfer:{TransferId}";
    Instant ILedgerEntry.At => TransferredAt;
}

/// <summary>Reserves minutes for a redemption: they stay in the balance but are no longer available.</summary>
public sealed record RedemptionHeld(
    Guid RedemptionId, Guid AccountId, int Minutes, string ServiceType, string Description, Instant HeldAt, Instant ExpiresAt,
    string? HeldBy = null) : ILedgerEntry
{
    string ILedgerEntry.Kind => "hold-placed";
    int ILedgerEntry.BalanceChange => 0;
    int ILedgerEntry.HeldChange => Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.RedemptionSinkName;
    string ILedgerEntry.Reference => $"redemption:{RedemptionId}";
    Instant ILedgerEntry.At => HeldAt;
}

/// <summary>Spends held minutes: debits the account, credits the redemption sink.</summary>
public sealed record RedemptionSettled(Guid RedemptionId, Guid AccountId, int Minutes, Instant SettledAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "redemption";
    int ILedgerEntry.BalanceChange => -Minutes;
    int ILedgerEntry.HeldChange => -Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.RedemptionSinkName;
    string ILedgerEntry.Reference => $"redemption:{RedemptionId}";
    Instant ILedgerEntry.At => SettledAt;
}

public sealed record RedemptionCancelled(Guid RedemptionId, Guid AccountId, int Minutes, Instant CancelledAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "hold-cancelled";
    int ILedgerEntry.BalanceChange => 0;
    int ILedgerEntry.HeldChange => -Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.RedemptionSinkName;
    string ILedgerEntry.Reference => $"redemption:{RedemptionId}";
    Instant ILedgerEntry.At => CancelledAt;
}

public sealed record RedemptionExpired(Guid RedemptionId, Guid AccountId, int Minutes, Instant ExpiredAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "hold-expired";
    int ILedgerEntry.BalanceChange => 0;
    int ILedgerEntry.HeldChange => -Minutes;
    string ILedgerEntry.Counterparty => SystemAccounts.RedemptionSinkName;
    string ILedgerEntry.Reference => $"redemption:{RedemptionId}";
    Instant ILedgerEntry.At => ExpiredAt;
}

/// <summary>
/// How a ledger event reads as a line of an account statement. Implemented explicitly so it
/// never leaks into the stored event JSON.
/// </summary>
public interface ILedgerEntry
{
    string Kind { get; }

    /// <summary>Minutes.</summary>
    int BalanceChange { get; }

    int HeldChange => 0;
    int ServedChange => 0;

    /// <summary>The second currency: whole points, earned with service and spent at love markets.</summary>
    int PointsChange => 0;

    string Counterparty { get; }
    string Reference { get; }
    Instant At { get; }
}

public static class LedgerEventTypes
{
    /// <summary>The events account streams hold, for folds across every account: whatever <see cref="Account"/> applies.</summary>
    public static readonly Type[] AccountEvents = typeof(Account).GetMethods()
        .Where(m => m.Name == nameof(Account.Apply) && m.GetParameters().Length == 1)
        .Select(m => m.GetParameters()[0].ParameterType)
        .Distinct()
        .ToArray();
}
