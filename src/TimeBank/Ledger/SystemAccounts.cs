namespace TimeBank.Ledger;

/// <summary>
/// The accounts the system owns. Issuance and the sinks have no stream of their own:
/// their balances follow from the person accounts' events, so no deposit ever waits on a hot
/// system stream. The public pool is spendable and therefore a real, version-checked stream.
/// </summary>
public static class SystemAccounts
{
    public const string PublicPoolName = "public-pool";
    public const string IssuanceName = "system:issuance";
    public const string RedemptionSinkName = "system:redemption-sink";

    /// <summary>Where points spent at love markets go; like issuance it has no stream of its own.</summary>
    public const string MarketSinkName = "system:market-sink";

    public static readonly Guid PublicPool = new("00000000-0000-0000-0000-00000000a001");

    public static string Name(Guid account) => account == PublicPool ? PublicPoolName : account.ToString();

    public static bool TryParse(string? value, out Guid account)
    {
        if (value == PublicPoolName)
        {
            account = PublicPool;
            return true;
        }
        return Guid.TryParse(value, out account) && account != Guid.Empty && account != PublicPool;
    }
}
