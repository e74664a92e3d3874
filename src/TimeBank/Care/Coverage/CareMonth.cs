using System.ComponentModel.DataAnnotations;
using JasperFx.Events;
using Marten.Events.Projections;
using NodaTime.Text;
using TimeBank.Care.Actions;
using TimeBank.Care.Visits;

namespace TimeBank.Care.Coverage;

/// <summary>One elder's visits and community help in one calendar month of the programme's zone (async projection).</summary>
public sealed class CareMonth
{
    public string Id { get; set; } = "";
    public Guid ElderId { get; set; }
    public string Month { get; set; } = "";
    public int Visits { get; set; }
    public int HomeVisits { get; set; }
    public int CommunityHelps { get; set; }

    public static string IdFor(Guid elderId, YearMonth month) => $"{elderId:N}:{YearMonthPattern.Iso.Format(month)}";
}

public sealed class CareMonthProjection : MultiStreamProjection<CareMonth, string>
{
    public const string ProjectionName = "CareCoverage";

    public CareMonthProjection()
    {
        Name = ProjectionName;
        Identity<ElderVisited>(e => CareMonth.IdFor(e.ElderId, e.CountsFor.ToYearMonth()));
        Identity<CareActionRecorded>(e => CareMonth.IdFor(e.ElderId, e.PerformedOn.ToYearMonth()));
    }

    public void Apply(ElderVisited e, CareMonth month)
    {
        Start(month, e.ElderId, e.CountsFor.ToYearMonth());
        month.Visits++;
        if (e.Mode == VisitMode.Home) month.HomeVisits++;
    }

    public void Apply(CareActionRecorded e, CareMonth month)
    {
        Start(month, e.ElderId, e.PerformedOn.ToYearMonth());
        if (e.Kind == CareActionKind.CommunityHelp) month.CommunityHelps++;
    }

    private static void Start(CareMonth month, Guid elderId, YearMonth of)
    {
        month.Id = CareMonth.IdFor(elderId, of);
        month.ElderId = elderId;
        month.Month = YearMonthPattern.Iso.Format(of);
    }
}

/// <summary>When each elder was last visited, and how (async projection).</summary>
public sealed class ElderCareSummary
{
    public Guid Id { get; set; }
    public Instant? LastVisitAt { get; set; }
    public VisitMode? LastVisitMode { get; set; }
    public Instant? LastHomeVisitAt { get; set; }
}

public sealed class ElderCareSummaryProjection : MultiStreamProjection<ElderCareSummary, Guid>
{
    public const string ProjectionName = "ElderCareSummary";

    public ElderCareSummaryProjection()
    {
        Name = ProjectionName;
        Identity<ElderVisited>(e => e.ElderId);
    }

    public void Apply(ElderVisited e, ElderCareSummary summary)
    {
        summary.Id = e.ElderId;
        if (summary.LastVisitAt is null || e.VisitedAt > summary.LastVisitAt)
        {
            summary.LastVisitAt = e.VisitedAt;
            summary.LastVisitMode = e.Mode;
        }
        if (e.Mode == VisitMode.Home && (summary.LastHomeVisitAt is null || e.VisitedAt > summary.LastHomeVisitAt)) summary.LastHomeVisitAt = e.VisitedAt;
    }
}

/// <param name="Kind">visits (of any mode, at least the month's minimum), home-visit (impaired elders, monthly) or community-help (impaired elders, quarterly).</param>
public sealed record MissingCare([property: Required] string Kind, [property: Required] int Needed, [property: Required] int Done);

/// <summary>
/// The frequency rules of seed 004 二.(二).四: each month at least one visit of any mode (more in a heightened period);
/// an impaired elder (失能) also a home visit each month and community help each calendar quarter.
/// </summary>
public static class CareRules
{
    public static IReadOnlyList<MissingCare> Missing(bool impaired, int minimumVisits, int visits, int homeVisits, int communityHelpsInQuarter)
    {
        var missing = new List<MissingCare>();
        if (visits < minimumVisits) missing.Add(new MissingCare("visits", minimumVisits, visits));
        if (impaired && homeVisits < 1) missing.Add(new MissingCare("home-visit", 1, homeVisits));
        if (impaired && communityHelpsInQuarter < 1) missing.Add(new MissingCare("community-help", 1, communityHelpsInQuarter));
        return missing;
    }

    /// <summary>The months of <paramref name="month"/>'s calendar quarter up to and including it.</summary>
    public static IReadOnlyList<YearMonth> QuarterSoFar(YearMonth month)
    {
        var first = new YearMonth(month.Year, (month.Month - 1) / 3 * 3 + 1);
        var months = new List<YearMonth>();
        for (var m = first; m <= month; m = m.PlusMonths(1)) months.Add(m);
        return months;
    }

    /// <summary>The month's minimum visits in a district: 1, or the highest of the heightened periods touching the month there.</summary>
    public static int MinimumVisits(YearMonth month, string district, IEnumerable<HeightenedPeriod> periods) =>
        periods.Where(p => p.From <= month.OnDayOfMonth(month.Calendar.GetDaysInMonth(month.Year, month.Month)) && p.To >= month.OnDayOfMonth(1)
                           && (p.Districts.Count == 0 || p.Districts.Contains(district)))
            .Select(p => p.MinimumVisits).DefaultIfEmpty(1).Max();

    /// <summary>Days left in the month from today, today included; none for a past month, every day for a future one.</summary>
    public static int DaysLeft(YearMonth month, LocalDate today)
    {
        var days = month.Calendar.GetDaysInMonth(month.Year, month.Month);
        if (today.ToYearMonth() > month) return 0;
        if (today.ToYearMonth() < month) return days;
        return days - today.Day + 1;
    }
}
