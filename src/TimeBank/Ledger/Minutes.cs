using System.Globalization;

namespace TimeBank.Ledger;

/// <summary>The ledger's limit on one movement of minutes (transfers and redemptions alike), and minutes shown as hours.</summary>
public static class Minutes
{
    public const int MaxPerMovement = 1_000_000;
    public static readonly string Rule = $"Whole minutes between 1 and {MaxPerMovement} are required.";

    public static bool IsValidMovement(int? minutes) => minutes is >= 1 and <= MaxPerMovement;

    public static void Check(IDictionary<string, string[]> errors, int? minutes)
    {
        if (!IsValidMovement(minutes)) errors["minutes"] = [Rule];
    }

    /// <summary>Minutes as hours, rounded, for sheets and reports that hold numbers.</summary>
    public static double InHours(long minutes, int decimals = 2) => Math.Round(minutes / 60.0, decimals);

    /// <summary>Minutes as hours written for people, at most two decimals: 90 → "1.5".</summary>
    public static string InHoursText(long minutes) => (minutes / 60.0).ToString("0.##", CultureInfo.InvariantCulture);
}
