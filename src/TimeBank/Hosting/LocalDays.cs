using NodaTime.Text;

namespace TimeBank.Hosting;

/// <summary>Local days as the stored Unix-millisecond fields are compared: a day starts when it starts in its zone.</summary>
public static class LocalDays
{
    // Far from any record, and near the ends of the calendar a zone's offset overflows the instant.
    public const int FirstYear = 1900;
    public const int LastYear = 9000;

    public static bool Served(int year) => year is >= FirstYear and <= LastYear;

    /// <summary>From the start of <paramref name="first"/> to the start of the day after <paramref name="last"/>, in <paramref name="zone"/>.</summary>
    public static (long Start, long End) UnixMillis(LocalDate first, LocalDate last, DateTimeZone zone) =>
        (first.AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds(), last.PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds());

    /// <summary>Parses an optional query value (yyyy-MM-dd), adding the field to <paramref name="errors"/> when it is not a date of the years served.</summary>
    public static LocalDate? Parse(string? value, string field, IDictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (LocalDatePattern.Iso.Parse(value) is { Success: true } parsed && Served(parsed.Value.Year)) return parsed.Value;
        errors[field] = [$"{field} must be a local date (yyyy-MM-dd) between {FirstYear} and {LastYear}, e.g. 2026-11-24."];
        return null;
    }
}
