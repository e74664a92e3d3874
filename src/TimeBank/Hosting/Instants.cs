using NodaTime.Text;

namespace TimeBank.Hosting;

/// <summary>Instants as callers write them: ISO 8601 in UTC (<c>…Z</c>) or with an offset, in the years <see cref="LocalDays"/> serves.</summary>
public static class Instants
{
    public static Instant? TryParse(string? value)
    {
        if (value is null) return null;
        var utc = InstantPattern.ExtendedIso.Parse(value);
        if (utc.Success) return LocalDays.Served(utc.Value.InUtc().Year) ? utc.Value : null;
        // Checked before the offset is applied: at the ends of the calendar applying it overflows.
        var offset = OffsetDateTimePattern.ExtendedIso.Parse(value);
        return offset.Success && LocalDays.Served(offset.Value.Year) ? offset.Value.ToInstant() : null;
    }

    public static string Expected(string field) =>
        $"{field} must be an ISO 8601 instant between {LocalDays.FirstYear} and {LocalDays.LastYear}, e.g. 2026-11-24T08:30:00Z.";

    /// <summary>Parses an optional query value, adding the field to <paramref name="errors"/> when it is not an instant.</summary>
    public static Instant? Parse(string? value, string field, IDictionary<string, string[]> errors)
    {
        if (value is null) return null;
        var parsed = TryParse(value);
        if (parsed is null) errors[field] = [Expected(field)];
        return parsed;
    }
}
