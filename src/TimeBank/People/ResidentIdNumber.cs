using NodaTime.Text;

namespace TimeBank.People;

/// <summary>
/// An 18-character PRC resident identity number (GB 11643-1999): region code, birth date, serial and
/// a check character over the first seventeen digits (ISO 7064 MOD 11-2).
/// </summary>
public sealed record ResidentIdNumber
{
    public const int Length = 18;
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    private const string CheckCharacters = "10X98765432";
    private const int EarliestBirthYear = 1900;
    private static readonly LocalDatePattern BirthPattern = LocalDatePattern.CreateWithInvariantCulture("uuuuMMdd");

    // Province-level prefixes: mainland provinces, Taiwan (71), Hong Kong (81) and Macao (82) residence permits,
    // residence permits for Taiwan compatriots issued on the mainland (83), foreign permanent residents (91).
    private static readonly HashSet<string> Provinces =
    [
        "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
        "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
        "71", "81", "82", "83", "91"
    ];

    private ResidentIdNumber(string value, LocalDate birthDate)
    {
        Value = value;
        BirthDate = birthDate;
    }

    /// <summary>Normalised: upper-case check character, no surrounding spaces.</summary>
    public string Value { get; }

    public string RegionCode => Value[..6];
    public LocalDate BirthDate { get; }

    public static ResidentIdNumber? TryParse(string? text, out string? error)
    {
        var value = (text ?? "").Trim().ToUpperInvariant();
        error = Check(value, out var birthDate);
        return error is null ? new ResidentIdNumber(value, birthDate) : null;
    }

    public static char CheckCharacter(ReadOnlySpan<char> first17)
    {
        var sum = 0;
        for (var i = 0; i < Weights.Length; i++) sum += (first17[i] - '0') * Weights[i];
        return CheckCharacters[sum % 11];
    }

    private static string? Check(string value, out LocalDate birthDate)
    {
        birthDate = default;
        if (value.Length == 0) return "The resident identity number is required.";
        if (value.Length != Length || !value[..17].All(char.IsAsciiDigit) || !(char.IsAsciiDigit(value[17]) || value[17] == 'X'))
            return "A resident identity number is 17 digits followed by a digit or X.";
        if (!Provinces.Contains(value[..2]))
            return "The first six digits are not a PRC region code.";

        var birth = BirthPattern.Parse(value.Substring(6, 8));
        if (!birth.Success || birth.Value.Year < EarliestBirthYear) return "Digits 7 to 14 are not a real birth date (YYYYMMDD).";
        birthDate = birth.Value;

        var expected = CheckCharacter(value);
        if (value[17] != expected) return "The check character does not match: the number has a typing error.";
        return null;
    }

    public int AgeOn(LocalDate today) => Period.Between(BirthDate, today, PeriodUnits.Years).Years;

    public override string ToString() => Masking.IdNumber(Value);
}
