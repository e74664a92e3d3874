namespace TimeBank.Ledger;

/// <summary>The ledger's limit on one movement of minutes: transfers and redemptions alike.</summary>
public static class Minutes
{
    public const int MaxPerMovement = 1_000_000;
    public static readonly string Rule = $"Whole minutes between 1 and {MaxPerMovement} are required.";

    public static bool IsValidMovement(int? minutes) => minutes is >= 1 and <= MaxPerMovement;

    public static void Check(IDictionary<string, string[]> errors, int? minutes)
    {
        if (!IsValidMovement(minutes)) errors["minutes"] = [Rule];
    }
}
