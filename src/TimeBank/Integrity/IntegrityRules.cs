using TimeBank.ServiceRecords;
using TimeBank.ServiceRequests;

namespace TimeBank.Integrity;

/// <summary>The thresholds of the integrity rules (数据造假 review), under TimeBank:Integrity.</summary>
public sealed class IntegrityOptions
{
    public const string Section = "TimeBank:Integrity";

    public int MaxMinutesPerDay { get; set; } = 600;
    public int MaxRecordsPerPairPerDay { get; set; } = 3;
    public int LatePostingDays { get; set; } = 30;
    public TimeSpan NightStarts { get; set; } = TimeSpan.FromHours(23);
    public TimeSpan NightEnds { get; set; } = TimeSpan.FromHours(5);
    public string[] NightExemptServiceTypes { get; set; } = ["emergency-help"];
    public int LowRatingStars { get; set; } = 2;

    public IEnumerable<string> Problems() => Settings.Found(
        Settings.Between($"{Section}:MaxMinutesPerDay", MaxMinutesPerDay, 1, 1440),
        Settings.Between($"{Section}:MaxRecordsPerPairPerDay", MaxRecordsPerPairPerDay, 1, 1000),
        Settings.Between($"{Section}:LatePostingDays", LatePostingDays, 1, 3660),
        Settings.Between($"{Section}:NightStarts", NightStarts, TimeSpan.Zero, TimeSpan.FromDays(1) - TimeSpan.FromTicks(1)),
        Settings.Between($"{Section}:NightEnds", NightEnds, TimeSpan.Zero, TimeSpan.FromDays(1) - TimeSpan.FromTicks(1)),
        NightExemptServiceTypes.FirstOrDefault(t => !ServiceTypes.IsKnown(t)) is { } unknown
            ? $"{Section}:NightExemptServiceTypes names an unknown service type '{unknown}'."
            : null,
        Settings.Between($"{Section}:LowRatingStars", LowRatingStars, 1, 5));
}

/// <summary>
/// What the rules look at for one credited record: the volunteer's credited records of the same local day that started no
/// later than it (itself included), and its request.
/// </summary>
/// <param name="VolunteerAddress">Keyed hash of the volunteer's address line, when registered with one.</param>
/// <param name="ElderAddress">Keyed hash of the elder's address line, when registered with one.</param>
public sealed record RecordFacts(ServiceRecord Record, IReadOnlyList<ServiceRecord> SameDay, ServiceRequest? Request, string? VolunteerAddress = null,
    string? ElderAddress = null);

public sealed record RuleHit(string Rule, string Detail);

/// <summary>Each rule a pure function of the facts; a hit flags the record for review and never refuses it.</summary>
public static class IntegrityRules
{
    public const string TooManyHoursInADay = "too-many-hours-in-a-day";
    public const string TooManyRecordsForOnePair = "too-many-records-for-one-pair";
    public const string PostedLate = "posted-late";
    public const string ServedAtNight = "served-at-night";
    public const string OutsideRequestWindow = "outside-request-window";
    public const string LowRating = "low-rating";
    public const string SameAddress = "same-address";

    public static readonly string[] All = [TooManyHoursInADay, TooManyRecordsForOnePair, PostedLate, ServedAtNight, OutsideRequestWindow, SameAddress, LowRating];

    public static IEnumerable<RuleHit> Check(RecordFacts facts, IntegrityOptions options) =>
        new[]
        {
            HoursInADay(facts, options), RecordsForOnePair(facts, options), LatePosting(facts.Record, options), AtNight(facts.Record, options),
            WindowOf(facts.Record, facts.Request), AtOwnAddress(facts)
        }.OfType<RuleHit>();

    public static RuleHit? AtOwnAddress(RecordFacts facts) =>
        facts is { VolunteerAddress: { } volunteer, ElderAddress: { } elder } && volunteer == elder
            ? new RuleHit(SameAddress, "The volunteer and the elder are registered at the same address.")
            : null;

    public static RuleHit? HoursInADay(RecordFacts facts, IntegrityOptions options)
    {
        var minutes = facts.SameDay.Sum(r => r.CreditedMinutes);
        return minutes > options.MaxMinutesPerDay
            ? new RuleHit(TooManyHoursInADay, $"{minutes} minutes credited to the volunteer on {facts.Record.StartedAt.Date:yyyy-MM-dd}, more than {options.MaxMinutesPerDay}.")
            : null;
    }

    public static RuleHit? RecordsForOnePair(RecordFacts facts, IntegrityOptions options)
    {
        var records = facts.SameDay.Count(r => r.ElderId == facts.Record.ElderId);
        return records > options.MaxRecordsPerPairPerDay
            ? new RuleHit(TooManyRecordsForOnePair, $"{records} records for the same volunteer and elder on {facts.Record.StartedAt.Date:yyyy-MM-dd}, more than {options.MaxRecordsPerPairPerDay}.")
            : null;
    }

    public static RuleHit? LatePosting(ServiceRecord record, IntegrityOptions options)
    {
        var late = record.RecordedAt - record.EndsAt;
        return late > Duration.FromDays(options.LatePostingDays)
            ? new RuleHit(PostedLate, $"Posted {(int)late.TotalDays} days after the service ended, more than {options.LatePostingDays}.")
            : null;
    }

    public static RuleHit? AtNight(ServiceRecord record, IntegrityOptions options)
    {
        if (options.NightExemptServiceTypes.Contains(record.ServiceType)) return null;
        var (nightStarts, nightEnds) = (LocalTime.FromTicksSinceMidnight(options.NightStarts.Ticks), LocalTime.FromTicksSinceMidnight(options.NightEnds.Ticks));
        // Walk the service minute by minute through local time: it hits if any minute falls in the night.
        for (var t = record.StartedAt; t < record.EndedAt; t = t.PlusMinutes(1))
        {
            var time = t.TimeOfDay;
            var inNight = nightStarts > nightEnds ? time >= nightStarts || time < nightEnds : time >= nightStarts && time < nightEnds;
            if (inNight) return new RuleHit(ServedAtNight, $"A {record.ServiceType} service at {t:HH:mm} local, between {nightStarts:HH:mm} and {nightEnds:HH:mm}.");
        }
        return null;
    }

    public static RuleHit? WindowOf(ServiceRecord record, ServiceRequest? request) =>
        request is not null && (record.StartsAt < request.StartsAt || record.EndsAt > request.EndsAt)
            ? new RuleHit(OutsideRequestWindow, $"The service ({record.StartedAt:yyyy-MM-dd HH:mm}-{record.EndedAt:HH:mm}) lies outside its request's window ({request.WindowFrom:yyyy-MM-dd HH:mm}-{request.WindowTo:HH:mm}).")
            : null;

    public static RuleHit? RatedLow(int stars, IntegrityOptions options) =>
        stars <= options.LowRatingStars ? new RuleHit(LowRating, $"Rated {stars} star{(stars == 1 ? "" : "s")}.") : null;
}
