namespace TimeBank.Hosting;

/// <summary>The free-text reason that transfers, reversals, refunds and stock movements must give.</summary>
public static class Reasons
{
    public const int MaxLength = 500;
    public const string Required = "A reason of 1 to 500 characters is required.";

    public static bool IsValid(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Trim().Length <= MaxLength;
}
