namespace TimeBank.Hosting;

/// <summary>Local days as the stored Unix-millisecond fields are compared: a day starts when it starts in its zone.</summary>
public static class LocalDays
{
    /// <summary>From the start of <paramref name="first"/> to the start of the day after <paramref name="last"/>, in <paramref name="zone"/>.</summary>
    public static (long Start, long End) UnixMillis(LocalDate first, LocalDate last, DateTimeZone zone) =>
        (first.AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds(), last.PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds());
}
