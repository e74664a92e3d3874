using System.Globalization;
using TimeBank.Auditing;
using TimeBank.Care;
using TimeBank.Complaints;
using TimeBank.Integrity;
using TimeBank.Recognition;
using TimeBank.ServiceRecords;
using TimeBank.Statistics;

namespace TimeBank.Hosting;

/// <summary>
/// Every setting under TimeBank, checked once before anything reads it: a value that cannot be read or lies out of range
/// stops the process at start with a line naming it, instead of failing later inside a request or a background agent.
/// </summary>
public static class Settings
{
    private static readonly Func<IConfiguration, IEnumerable<string>>[] Sections =
    [
        Checked<TimeBankOptions>(TimeBankOptions.Section, o => o.Problems()),
        Checked<PointsOptions>(PointsOptions.Section, o => o.Problems()),
        Checked<CareOptions>(CareOptions.Section, o => o.Problems()),
        Checked<NotificationOptions>(NotificationOptions.Section, o => o.Problems()),
        Checked<ComplaintOptions>(ComplaintOptions.Section, o => o.Problems()),
        Checked<AuditingOptions>(AuditingOptions.Section, _ => []),
        Checked<RateLimitOptions>(RateLimitOptions.Section, o => o.Problems()),
        Checked<HealthOptions>(HealthOptions.Section, o => o.Problems()),
        Checked<IntegrityOptions>(IntegrityOptions.Section, o => o.Problems()),
        Checked<StatisticsOptions>(StatisticsOptions.Section, o => o.Problems()),
        Checked<RecognitionOptions>(RecognitionOptions.Section, o => o.Problems())
    ];

    public static IReadOnlyList<string> Problems(IConfiguration configuration) =>
        Sections.SelectMany(section => section(configuration)).ToList();

    /// <summary>
    /// What serving needs beyond readable settings: a Production environment never serves personal data protected with
    /// the published development key, so it stops here, before it connects to the database or writes anything.
    /// </summary>
    public static IReadOnlyList<string> ServingProblems(IConfiguration configuration, IHostEnvironment environment) =>
        environment.IsProduction() && People.PersonalData.NamesNoKey(configuration[$"{TimeBankOptions.Section}:{nameof(TimeBankOptions.PersonalDataKey)}"])
            ? [People.PersonalData.NoKeyConfigured]
            : [];

    public const string Heading = "The service cannot start with these settings (environment variables use __ for each ':'):";

    private static Func<IConfiguration, IEnumerable<string>> Checked<T>(string section, Func<T, IEnumerable<string>> problems) where T : new() =>
        configuration =>
        {
            T options;
            try
            {
                options = configuration.GetSection(section).Get<T>() ?? new T();
            }
            catch (InvalidOperationException unreadable)
            {
                // The binder names the setting and the type it wanted: "Failed to convert configuration value at 'TimeBank:HoldDuration' ...".
                return [unreadable.Message];
            }
            return problems(options);
        };

    public static string? Between(string key, long value, long min, long max) =>
        value < min || value > max ? $"{key} must be between {min} and {max} (is {value})." : null;

    public static string? Between(string key, TimeSpan value, TimeSpan min, TimeSpan max) =>
        value < min || value > max
            ? $"{key} must be between {min.ToString("c", CultureInfo.InvariantCulture)} and {max.ToString("c", CultureInfo.InvariantCulture)} " +
              $"(is {value.ToString("c", CultureInfo.InvariantCulture)})."
            : null;

    public static string? Zone(string key, string? id) =>
        string.IsNullOrEmpty(id) || DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is null ? $"{key} must be an IANA time zone id such as Asia/Shanghai (is '{id}')." : null;

    /// <summary>The entries of a comma-separated setting, trimmed, empty ones left out.</summary>
    public static string[] CommaSeparated(string? value) =>
        (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public static IEnumerable<string> Found(params string?[] problems) => problems.OfType<string>();
}
