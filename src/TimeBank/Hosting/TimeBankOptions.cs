namespace TimeBank.Hosting;

public sealed class TimeBankOptions
{
    public const string Section = "TimeBank";

    /// <summary>Zone in which local service times are read when a request names none.</summary>
    public string DefaultTimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>How long a redemption hold stays open before it expires.</summary>
    public TimeSpan HoldDuration { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How long after a service its record may still be posted; older services are refused.</summary>
    public TimeSpan BackPostingWindow { get; set; } = TimeSpan.FromDays(365);

    /// <summary>Solo runs the async projection daemon in this process; Disabled leaves it to another node.</summary>
    public string Daemon { get; set; } = "Solo";

    /// <summary>
    /// Wolverine durability: Solo (default) or Balanced. Balanced elects a leader with PostgreSQL advisory locks.
    /// </summary>
    public string Durability { get; set; } = "Solo";

    /// <summary>Secret that protects personal information at rest. Must be set in production.</summary>
    public string? PersonalDataKey { get; set; }

    public Duration Hold => Duration.FromTimeSpan(HoldDuration);

    public Duration BackPosting => Duration.FromTimeSpan(BackPostingWindow);
}
