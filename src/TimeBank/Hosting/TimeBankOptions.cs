using Wolverine;

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

    /// <summary>The largest request body the server reads, in bytes; a larger one is refused with a 413 problem unread.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1_048_576;

    /// <summary>How often the API's requests are logged as one line per key that called; zero turns the summary off.</summary>
    public TimeSpan RequestSummaryEvery { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Wolverine durability. Balanced (default): the nodes on one database elect a leader through PostgreSQL, which
    /// places the async projections, the hash chain and the durable agents (scheduled messages, outbox recovery) on
    /// live nodes. Solo: this process alone runs them all. MediatorOnly: serve requests only, run no agent.
    /// </summary>
    public string Durability { get; set; } = "Balanced";

    /// <summary>How often a node tells the others it is alive, and the leader re-checks who runs what.</summary>
    public TimeSpan NodeHeartbeat { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>A node silent for this long is presumed dead; the leader moves its agents to live nodes.</summary>
    public TimeSpan NodeStaleAfter { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>Secret that protects personal information at rest. Must be set in production.</summary>
    public string? PersonalDataKey { get; set; }

    public Duration Hold => Duration.FromTimeSpan(HoldDuration);

    /// <summary>The modes the service supports (Wolverine's others, and numbers, are refused at start).</summary>
    public static readonly DurabilityMode[] DurabilityModes = [DurabilityMode.Balanced, DurabilityMode.Solo, DurabilityMode.MediatorOnly];

    /// <summary><see cref="Durability"/> read; null when it names no supported mode.</summary>
    public DurabilityMode? DurabilityChosen =>
        DurabilityModes.Select(m => (DurabilityMode?)m).FirstOrDefault(m => m.ToString()!.Equals(Durability, StringComparison.OrdinalIgnoreCase));

    public IEnumerable<string> Problems() => Settings.Found(
        Settings.Zone($"{Section}:DefaultTimeZone", DefaultTimeZone),
        Settings.Between($"{Section}:HoldDuration", HoldDuration, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)),
        Settings.Between($"{Section}:BackPostingWindow", BackPostingWindow, TimeSpan.FromDays(1), TimeSpan.FromDays(3660)),
        Settings.Between($"{Section}:MaxRequestBodyBytes", MaxRequestBodyBytes, 16_384, 104_857_600),
        Settings.Between($"{Section}:RequestSummaryEvery", RequestSummaryEvery, TimeSpan.Zero, TimeSpan.FromDays(1)),
        DurabilityChosen is not null
            ? null
            : $"{Section}:Durability must be one of {string.Join(", ", DurabilityModes)} (is '{Durability}').",
        Settings.Between($"{Section}:NodeHeartbeat", NodeHeartbeat, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)),
        People.PersonalData.KeyProblem(PersonalDataKey),
        NodeStaleAfter > NodeHeartbeat && NodeStaleAfter <= TimeSpan.FromHours(1)
            ? null
            : $"{Section}:NodeStaleAfter must be longer than {Section}:NodeHeartbeat and at most an hour (is {NodeStaleAfter:c}).");

    public Duration BackPosting => Duration.FromTimeSpan(BackPostingWindow);
}
