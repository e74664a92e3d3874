using System.Collections.Immutable;
using TimeBank.Markets;
using TimeBank.ServiceRecords;

namespace TimeBank.Ledger;

/// <summary>
/// A time account folded from its stream. Inline, so a kiosk or platform reads its own write.
/// <see cref="IssuedMinutes"/> and <see cref="RedeemedMinutes"/> are this account's share of the
/// issuance and sink accounts, which is how the trial balance covers them without hot streams;
/// <see cref="IssuedPoints"/> and <see cref="SpentPoints"/> do the same for the points currency.
/// </summary>
public sealed record Account
{
    public Guid Id { get; init; }
    public AccountHolder Holder { get; init; } = AccountHolder.PublicPool;
    public int BalanceMinutes { get; init; }
    public int HeldMinutes { get; init; }
    public int ServedMinutes { get; init; }
    public int IssuedMinutes { get; init; }
    public int RedeemedMinutes { get; init; }
    public int PointsBalance { get; init; }
    public int IssuedPoints { get; init; }
    public int SpentPoints { get; init; }
    public ImmutableDictionary<Guid, int> OpenHolds { get; init; } = ImmutableDictionary<Guid, int>.Empty;
    public long Version { get; set; }

    public int AvailableMinutes => BalanceMinutes - HeldMinutes;

    /// <summary>The minutes and points a deposit adds to: none for an account not opened.</summary>
    public static (int Minutes, int Points) BalancesOf(Account? account) => (account?.BalanceMinutes ?? 0, account?.PointsBalance ?? 0);

    public Account Apply(AccountOpened e) => this with { Id = e.AccountId, Holder = e.Holder };

    public Account Apply(ServiceRecorded e) => this with
    {
        BalanceMinutes = BalanceMinutes + e.Minutes,
        ServedMinutes = ServedMinutes + e.Minutes,
        IssuedMinutes = IssuedMinutes + e.Minutes,
        PointsBalance = PointsBalance + e.Points,
        IssuedPoints = IssuedPoints + e.Points
    };

    public Account Apply(ServiceRecordReversed e) => this with
    {
        BalanceMinutes = BalanceMinutes - e.Minutes,
        ServedMinutes = ServedMinutes - e.Minutes,
        IssuedMinutes = IssuedMinutes - e.Minutes,
        PointsBalance = PointsBalance - e.Points,
        IssuedPoints = IssuedPoints - e.Points
    };

    public Account Apply(MarketOrderPlaced e) => this with
    {
        PointsBalance = PointsBalance - e.Points,
        SpentPoints = SpentPoints + e.Points
    };

    public Account Apply(MarketOrderRefunded e) => this with
    {
        PointsBalance = PointsBalance + e.Points,
        SpentPoints = SpentPoints - e.Points
    };

    public Account Apply(TransferSent e) => this with { BalanceMinutes = BalanceMinutes - e.Minutes };

    public Account Apply(TransferReceived e) => this with { BalanceMinutes = BalanceMinutes + e.Minutes };

    public Account Apply(RedemptionHeld e) => this with
    {
        HeldMinutes = HeldMinutes + e.Minutes,
        OpenHolds = OpenHolds.SetItem(e.RedemptionId, e.Minutes)
    };

    public Account Apply(RedemptionSettled e) => this with
    {
        BalanceMinutes = BalanceMinutes - e.Minutes,
        HeldMinutes = HeldMinutes - e.Minutes,
        RedeemedMinutes = RedeemedMinutes + e.Minutes,
        OpenHolds = OpenHolds.Remove(e.RedemptionId)
    };

    public Account Apply(RedemptionCancelled e) => Release(e.RedemptionId, e.Minutes);

    public Account Apply(RedemptionExpired e) => Release(e.RedemptionId, e.Minutes);

    private Account Release(Guid redemption, int minutes) => this with
    {
        HeldMinutes = HeldMinutes - minutes,
        OpenHolds = OpenHolds.Remove(redemption)
    };
}
