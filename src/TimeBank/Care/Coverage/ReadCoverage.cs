using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using NodaTime.Text;
using TimeBank.Care.Files;
using TimeBank.People;

namespace TimeBank.Care.Coverage;

/// <param name="Elders">Elders in the register of the area (registered by the month's end).</param>
/// <param name="Met">Elders whose every requirement of the month is met.</param>
/// <param name="VisitRate">Share of elders visited at least once in the month (月探访率), 0 to 1.</param>
/// <param name="HomeVisitRate">Share of impaired elders visited at home in the month, 0 to 1 (1 when there are none).</param>
public sealed record CoverageFigures([property: Required] int Elders, [property: Required] int Met, [property: Required] int Visited,
    [property: Required] int Impaired, [property: Required] int VisitedAtHome, [property: Required] double VisitRate, [property: Required] double HomeVisitRate);

public sealed record CommunityCoverage([property: Required] string District, [property: Required] string Street, [property: Required] string Community,
    [property: Required] CoverageFigures Figures);

/// <param name="AsOfSequence">The last event the coverage projections have applied.</param>
/// <param name="LagSeconds">How long the oldest event they have not applied has waited (0: caught up).</param>
public sealed record CoverageReport([property: Required] string Month, [property: Required] CoverageFigures Total,
    [property: Required] IReadOnlyList<CommunityCoverage> Communities, [property: Required] long AsOfSequence, [property: Required] double LagSeconds);

public sealed record PairedVolunteer([property: Required] Guid PairingId, [property: Required] Guid VolunteerId, [property: Required] string FullName);

/// <param name="Missing">What the rules still ask for this month.</param>
/// <param name="DaysLeft">Days left in the month, today included.</param>
public sealed record OverdueElder([property: Required] Guid ElderId, [property: Required] string FullName, [property: Required] string District,
    [property: Required] string Street, [property: Required] string Community, [property: Required] bool Impaired,
    [property: Required] IReadOnlyList<MissingCare> Missing, [property: Required] int DaysLeft, Instant? LastVisitAt, Visits.VisitMode? LastVisitMode,
    [property: Required] IReadOnlyList<PairedVolunteer> PairedVolunteers);

public sealed record OverdueList([property: Required] string Month, [property: Required] int DaysLeft, [property: Required] long TotalItems,
    [property: Required] IReadOnlyList<OverdueElder> Items, [property: Required] long AsOfSequence, [property: Required] double LagSeconds);

/// <summary>One elder's standing in a month, from the projections.</summary>
public sealed record ElderStanding(Elder Elder, bool Impaired, int Visits, int HomeVisits, IReadOnlyList<MissingCare> Missing);

public static class CoverageReading
{
    public static (YearMonth Month, CareArea Area)? Read(string? month, string? district, string? street, string? community, LocalDate today,
        Dictionary<string, string[]> errors)
    {
        var parsed = today.ToYearMonth();
        if (month is not null)
        {
            if (YearMonthPattern.Iso.Parse(month) is { Success: true } p && p.Value.Year is >= 2000 and <= 2200) parsed = p.Value;
            else errors["month"] = ["month is yyyy-MM, e.g. 2026-11."];
        }
        var area = CareArea.Read(district, street, community, errors);
        return errors.Count > 0 ? null : (parsed, area);
    }

    /// <summary>Every elder of the area in the month with what they have had and what they still need.</summary>
    public static async Task<IReadOnlyList<ElderStanding>> StandingsAsync(IQuerySession session, YearMonth month, CareArea area, Caller caller,
        DateTimeZone zone, CancellationToken cancellation) =>
        (await StandingsAsync(session, [month], area, caller, zone, cancellation))[month];

    /// <summary>As for one month, for several at once: the elders, their files and the periods are read once.</summary>
    public static async Task<IReadOnlyDictionary<YearMonth, IReadOnlyList<ElderStanding>>> StandingsAsync(IQuerySession session,
        IReadOnlyList<YearMonth> months, CareArea area, Caller caller, DateTimeZone zone, CancellationToken cancellation)
    {
        var registered = await area.Elders(session, caller).ToListAsync(cancellation);
        var standings = months.ToDictionary(m => m, _ => (IReadOnlyList<ElderStanding>)[]);
        if (registered.Count == 0) return standings;

        var ids = registered.Select(e => e.Id).ToArray();
        var quarters = months.ToDictionary(m => m, CareRules.QuarterSoFar);
        var batch = session.CreateBatchQuery();
        var files = batch.Query<CareFile>().Where(f => f.ElderId.IsOneOf(ids)).ToList();
        var cells = batch.LoadMany<CareMonth>()
            .ById(registered.SelectMany(e => quarters.Values.SelectMany(q => q).Distinct().Select(m => CareMonth.IdFor(e.Id, m))).Distinct().ToArray());
        var periods = batch.Query<HeightenedPeriod>().ToList();
        await batch.Execute(cancellation);

        var abilityOf = (await files).ToDictionary(f => f.ElderId, f => f.File!.AbilityLevel);
        var monthsById = (await cells).ToDictionary(m => m.Id);
        var allPeriods = await periods;
        foreach (var month in months)
        {
            var monthEnd = month.PlusMonths(1).OnDayOfMonth(1).AtStartOfDayInZone(zone).ToInstant();
            standings[month] = registered.Where(e => e.RegisteredAt < monthEnd).Select(elder =>
            {
                var impaired = abilityOf.TryGetValue(elder.Id, out var level) ? CareFile.IsImpaired(level) : elder.Categories.Contains(ElderCategory.Disabled);
                var thisMonth = monthsById.GetValueOrDefault(CareMonth.IdFor(elder.Id, month));
                var helps = quarters[month].Sum(m => monthsById.GetValueOrDefault(CareMonth.IdFor(elder.Id, m))?.CommunityHelps ?? 0);
                var (visits, home) = (thisMonth?.Visits ?? 0, thisMonth?.HomeVisits ?? 0);
                return new ElderStanding(elder, impaired, visits, home,
                    CareRules.Missing(impaired, CareRules.MinimumVisits(month, elder.District, allPeriods), visits, home, helps));
            }).ToList();
        }
        return standings;
    }

    public static CoverageFigures Figures(IReadOnlyCollection<ElderStanding> standings)
    {
        var visited = standings.Count(s => s.Visits > 0);
        var impaired = standings.Count(s => s.Impaired);
        var atHome = standings.Count(s => s.Impaired && s.HomeVisits > 0);
        return new CoverageFigures(standings.Count, standings.Count(s => s.Missing.Count == 0), visited, impaired, atHome,
            standings.Count == 0 ? 1 : Math.Round((double)visited / standings.Count, 4), impaired == 0 ? 1 : Math.Round((double)atHome / impaired, 4));
    }

    /// <summary>How far the coverage projections are: the sequence both have reached, and the age of the oldest event they have not.</summary>
    public static async Task<(long AsOfSequence, double LagSeconds)> ProgressAsync(IDocumentStore store, CancellationToken cancellation)
    {
        var shards = (await ProjectionLagCheck.ReadAsync(store, cancellation))
            .Where(s => s.Name.StartsWith(CareMonthProjection.ProjectionName + ":") || s.Name.StartsWith(ElderCareSummaryProjection.ProjectionName + ":"))
            .ToList();
        if (shards.Count == 0) return (0, 0);
        return (shards.Min(s => s.LastSequence), Math.Round(shards.Max(s => s.BehindSeconds ?? 0), 1));
    }
}

public static class ReadCoverageEndpoint
{
    /// <summary>
    /// The month's visit coverage (月探访率) of the elders in the area: how many, how many had every requirement met, the
    /// visit and home-visit rates, and the same per community. From async projections: asOfSequence and lagSeconds say how
    /// far they are behind the events. Care workers read their districts, platforms their own elders.
    /// </summary>
    /// <param name="month">yyyy-MM in the programme's zone (TimeBank__Care__TimeZone); default this month.</param>
    [WolverineGet("/api/care/coverage", OperationId = "ReadCareCoverage")]
    [Authorize(Roles = Roles.CoverageReaders)]
    [ProducesResponseType<CoverageReport>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? month, [FromQuery] string? district, [FromQuery] string? street, [FromQuery] string? community,
        IQuerySession session, IDocumentStore store, IClock clock, IOptions<CareOptions> options, HttpContext context)
    {
        var zone = options.Value.Zone;
        var errors = new Dictionary<string, string[]>();
        if (CoverageReading.Read(month, district, street, community, clock.GetCurrentInstant().InZone(zone).Date, errors) is not var (wanted, area))
            return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area.District) is { } refusal) return Problems.For(refusal).ToResult();

        var progress = await CoverageReading.ProgressAsync(store, context.RequestAborted);
        var standings = await CoverageReading.StandingsAsync(session, wanted, area, caller, zone, context.RequestAborted);
        var communities = standings.GroupBy(s => (s.Elder.District, s.Elder.Street, s.Elder.Community))
            .Select(g => new CommunityCoverage(g.Key.District, g.Key.Street, g.Key.Community, CoverageReading.Figures(g.ToList())))
            .OrderBy(c => c.Figures.VisitRate).ThenBy(c => c.District).ThenBy(c => c.Street).ThenBy(c => c.Community)
            .ToList();
        return Results.Ok(new CoverageReport(YearMonthPattern.Iso.Format(wanted), CoverageReading.Figures(standings), communities, progress.AsOfSequence,
            progress.LagSeconds));
    }
}

public static class ListOverdueEndpoint
{
    /// <summary>
    /// The elders whose requirement is not yet met this month (the list a community worker phones through every morning):
    /// what is missing, days left, the last visit and their paired volunteers; fewest days since a visit last.
    /// </summary>
    /// <param name="month">yyyy-MM in the programme's zone; default this month.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Elders per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/care/overdue", OperationId = "ListOverdueElders")]
    [Authorize(Roles = Roles.CoverageReaders)]
    [ProducesResponseType<OverdueList>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? month, [FromQuery] string? district, [FromQuery] string? street, [FromQuery] string? community,
        [FromQuery] int? page, [FromQuery] int? pageSize, IQuerySession session, IDocumentStore store, IClock clock, IOptions<CareOptions> options,
        HttpContext context)
    {
        var zone = options.Value.Zone;
        var today = clock.GetCurrentInstant().InZone(zone).Date;
        var errors = new Dictionary<string, string[]>();
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (CoverageReading.Read(month, district, street, community, today, errors) is not var (wanted, area))
            return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area.District) is { } refusal) return Problems.For(refusal).ToResult();

        var progress = await CoverageReading.ProgressAsync(store, context.RequestAborted);
        var overdue = (await CoverageReading.StandingsAsync(session, wanted, area, caller, zone, context.RequestAborted)).Where(s => s.Missing.Count > 0).ToList();
        var ids = overdue.Select(s => s.Elder.Id).ToArray();
        var summaries = (await session.LoadManyAsync<ElderCareSummary>(context.RequestAborted, ids)).ToDictionary(s => s.Id);
        var ordered = overdue
            .OrderBy(s => summaries.GetValueOrDefault(s.Elder.Id)?.LastVisitAt ?? Instant.MinValue)
            .ThenBy(s => s.Elder.District).ThenBy(s => s.Elder.Street).ThenBy(s => s.Elder.Community).ThenBy(s => s.Elder.Id)
            .Skip((number - 1) * size).Take(size).ToList();
        var pageIds = ordered.Select(s => s.Elder.Id).ToArray();
        var pairings = (await session.Query<Pairing.Pairing>().Where(p => p.ElderId.IsOneOf(pageIds) && p.EndedOn == null).ToListAsync(context.RequestAborted))
            .ToLookup(p => p.ElderId);
        var daysLeft = CareRules.DaysLeft(wanted, today);
        var items = ordered.Select(s =>
        {
            var summary = summaries.GetValueOrDefault(s.Elder.Id);
            return new OverdueElder(s.Elder.Id, s.Elder.FullName, s.Elder.District, s.Elder.Street, s.Elder.Community, s.Impaired, s.Missing, daysLeft,
                summary?.LastVisitAt, summary?.LastVisitMode,
                pairings[s.Elder.Id].Select(p => new PairedVolunteer(p.Id, p.VolunteerId, p.VolunteerName)).ToList());
        }).ToList();
        return Results.Ok(new OverdueList(YearMonthPattern.Iso.Format(wanted), daysLeft, overdue.Count, items, progress.AsOfSequence, progress.LagSeconds));
    }
}
