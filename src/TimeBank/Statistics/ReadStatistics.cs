using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using NodaTime.Text;
using TimeBank.People;

namespace TimeBank.Statistics;

/// <param name="ActiveVolunteers">Volunteers credited for a service in the period, each once.</param>
/// <param name="EldersServed">Elders served in the period, each once.</param>
/// <param name="AverageRating">Mean stars of the period's ratings; null when there were none.</param>
/// <param name="LowAgeSeniorShare">以老助老: the share of active volunteers aged 55 to 74 (0 to 1; null with none active).</param>
public sealed record Figures(
    [property: Required] int VolunteersRegistered,
    [property: Required] int ActiveVolunteers,
    [property: Required] int EldersServed,
    [property: Required] int Records,
    [property: Required] long MinutesCredited,
    [property: Required] long MinutesReversed,
    [property: Required] long MinutesTransferred,
    [property: Required] long MinutesHeld,
    [property: Required] long MinutesRedeemed,
    [property: Required] long PointsEarned,
    [property: Required] long PointsSpent,
    [property: Required] int Ratings,
    double? AverageRating,
    [property: Required] IReadOnlyDictionary<string, int> ActiveByAgeBand,
    double? LowAgeSeniorShare)
{
    public static Figures Of(IReadOnlyCollection<MonthlyCell> cells)
    {
        var active = new Dictionary<Guid, string>();
        foreach (var cell in cells)
        foreach (var (id, band) in cell.ActiveVolunteers) active[id] = band;
        var byBand = AgeBands.All.ToDictionary(b => b, b => active.Values.Count(v => v == b));
        var ratings = cells.Sum(c => c.Ratings);
        return new Figures(cells.Sum(c => c.VolunteersRegistered), active.Count, cells.SelectMany(c => c.EldersServed).Distinct().Count(), cells.Sum(c => c.Records),
            cells.Sum(c => c.MinutesCredited), cells.Sum(c => c.MinutesReversed), cells.Sum(c => c.MinutesTransferred), cells.Sum(c => c.MinutesHeld),
            cells.Sum(c => c.MinutesRedeemed), cells.Sum(c => c.PointsEarned - c.PointsReversed), cells.Sum(c => c.PointsSpent), ratings,
            ratings == 0 ? null : Math.Round((double)cells.Sum(c => c.RatingStars) / ratings, 2), byBand,
            active.Count == 0 ? null : Math.Round((double)AgeBands.LowAgeSeniors.Sum(b => byBand[b]) / active.Count, 4));
    }
}

/// <param name="Coverage">The month's visit coverage of the area's elders (月探访率), where elders are in the register; absent on
/// the liability's list.</param>
public sealed record MonthFigures([property: Required] string Month, [property: Required] Figures Figures, Care.Coverage.CoverageFigures? Coverage = null);

/// <param name="AsOfSequence">The last event the statistics have folded.</param>
/// <param name="LagSeconds">How long the oldest event not yet folded has waited (0: caught up).</param>
public sealed record MonthlyStatistics([property: Required] string From, [property: Required] string To, [property: Required] Figures Total,
    [property: Required] IReadOnlyList<MonthFigures> Months, [property: Required] long AsOfSequence, [property: Required] double LagSeconds);

/// <summary>Monthly cells with their people, and how far the statistics had folded when they were read: through at least <paramref name="AsOfSequence"/>.</summary>
public sealed record FoldedCells(IReadOnlyList<MonthlyCell> Cells, long AsOfSequence, double LagSeconds);

public static class StatisticsReading
{
    public static async Task<(long AsOfSequence, double LagSeconds)> ProgressAsync(IDocumentStore store, CancellationToken cancellation)
    {
        var shard = (await ProjectionLagCheck.ReadAsync(store, cancellation)).FirstOrDefault(s => s.Name.StartsWith(LedgerFolds.SubscriptionName + ":"));
        return shard is null ? (0, 0) : (shard.LastSequence, Math.Round(shard.BehindSeconds ?? 0, 1));
    }

    public static IQueryable<MonthlyCell> Cells(IQuerySession session, Caller caller, string[] months, string? district, string? street, string? community,
        string? programme, string? serviceType)
    {
        var query = session.Query<MonthlyCell>().Where(c => c.Month.IsOneOf(months));
        if (district is not null) query = query.Where(c => c.District == district);
        if (street is not null) query = query.Where(c => c.Street == street);
        if (community is not null) query = query.Where(c => c.Community == community);
        if (programme is not null) query = query.Where(c => c.Programme == programme);
        if (serviceType is not null) query = query.Where(c => c.ServiceType == serviceType);
        if (Scopes.DistrictsOf(caller) is { } districts) query = query.Where(c => c.District.IsOneOf(districts));
        return query;
    }

    /// <summary>
    /// The cells of <paramref name="months"/> in an area, with their people (<see cref="CellPeople"/>), for <see cref="Figures.Of"/>,
    /// and the statistics' progress, read before them so that it never claims an event the cells do not hold yet.
    /// </summary>
    public static async Task<FoldedCells> CellsWithPeopleAsync(IQuerySession session, IDocumentStore store, Caller caller, string[] months,
        string? district, string? street, string? community, string? programme, string? serviceType, CancellationToken cancellation)
    {
        var (asOfSequence, lagSeconds) = await ProgressAsync(store, cancellation);
        var cells = await CellPeople.FillAsync(session,
            await Cells(session, caller, months, district, street, community, programme, serviceType).ToListAsync(cancellation), cancellation);
        return new FoldedCells(cells, asOfSequence, lagSeconds);
    }

    /// <summary>The figures of each month from <paramref name="first"/> to <paramref name="last"/>, with its visit coverage, and in total.</summary>
    public static async Task<MonthlyStatistics> MonthlyAsync(IQuerySession session, IDocumentStore store, Caller caller, YearMonth first, YearMonth last,
        Care.CareArea area, string? programme, string? serviceType, DateTimeZone careZone, CancellationToken cancellation)
    {
        var months = new List<string>();
        for (var m = first; m <= last; m = m.PlusMonths(1)) months.Add(YearMonthPattern.Iso.Format(m));
        var folded = await CellsWithPeopleAsync(session, store, caller, [.. months], area.District, area.Street, area.Community, programme, serviceType,
            cancellation);
        return await MonthlyAsync(session, caller, months, folded, area, careZone, cancellation);
    }

    /// <summary>As above, from cells already read for <paramref name="months"/> (with their people).</summary>
    public static async Task<MonthlyStatistics> MonthlyAsync(IQuerySession session, Caller caller, IReadOnlyList<string> months, FoldedCells folded,
        Care.CareArea area, DateTimeZone careZone, CancellationToken cancellation)
    {
        var cells = folded.Cells;
        var byMonth = cells.ToLookup(c => c.Month);
        var standings = await Care.Coverage.CoverageReading.StandingsAsync(session, [.. months.Select(m => YearMonthPattern.Iso.Parse(m).Value)], area, caller,
            careZone, cancellation);
        var results = months.Select(month => standings[YearMonthPattern.Iso.Parse(month).Value] is { Count: > 0 } elders
            ? new MonthFigures(month, Figures.Of(byMonth[month].ToList()), Care.Coverage.CoverageReading.Figures(elders))
            : new MonthFigures(month, Figures.Of(byMonth[month].ToList()))).ToList();
        return new MonthlyStatistics(months[0], months[^1], Figures.Of(cells), results, folded.AsOfSequence, folded.LagSeconds);
    }

    /// <summary>The year against the targets: volunteers registered by its end, hours credited net of reversals in it.</summary>
    public static async Task<IReadOnlyList<TargetProgress>> TargetsAsync(IQuerySession session, Caller caller, int year, string? district, LocalDate today,
        StatisticsOptions options, CancellationToken cancellation)
    {
        var registrationMonths = Enumerable.Range(2000, year - 2000 + 1).SelectMany(y => Enumerable.Range(1, 12).Select(m => $"{y:D4}-{m:D2}")).ToArray();
        var registered = await Cells(session, caller, registrationMonths, district, null, null, null, null).SumAsync(c => c.VolunteersRegistered, cancellation);
        var yearCells = await Cells(session, caller, [.. Enumerable.Range(1, 12).Select(m => $"{year:D4}-{m:D2}")], district, null, null, null, null)
            .ToListAsync(cancellation);
        var hours = (yearCells.Sum(c => c.MinutesCredited) - yearCells.Sum(c => c.MinutesReversed)) / 60;
        var expected = today.Year < year ? 0 : today.Year > year ? 1 : Math.Round(today.DayOfYear / (double)new LocalDate(year, 12, 31).DayOfYear, 4);
        TargetProgress Of(string name, long actual, long target) => new(name, actual, target, target == 0 ? 1 : Math.Round((double)actual / target, 4), expected);
        return [Of("volunteers", registered, options.TargetVolunteers), Of("service-hours", hours, options.TargetServiceHours)];
    }

    public static YearMonth? Month(Dictionary<string, string[]> errors, string field, string? value, YearMonth fallback)
    {
        if (value is null) return fallback;
        if (YearMonthPattern.Iso.Parse(value) is { Success: true } p && p.Value.Year is >= 2000 and <= 2200) return p.Value;
        errors[field] = [$"{field} is yyyy-MM, e.g. 2026-11."];
        return null;
    }

    public static string? Text(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (value is null) return null;
        var trimmed = value.Trim();
        if (trimmed.Length is 0 or > PersonFields.MaxAddressPartLength) errors[field] = [$"{field}, when given, is 1 to {PersonFields.MaxAddressPartLength} characters."];
        return trimmed;
    }
}

public static class ReadMonthlyStatisticsEndpoint
{
    /// <summary>
    /// The programme's figures per month (from an async fold of the ledger's events, never a scan of them): volunteers
    /// registered and active, elders served, records, minutes credited, reversed, transferred, held and redeemed, points
    /// earned and spent, ratings, and the active volunteers' age bands with the share of low-age seniors (以老助老); each month
    /// also the visit coverage of the area's elders where any are registered. By the volunteer's (or account holder's)
    /// district, street and community; programme is youth, senior or general.
    /// </summary>
    /// <param name="from">First month, yyyy-MM (default: eleven months before to).</param>
    /// <param name="to">Last month, yyyy-MM (default: this month); at most 36 months in all.</param>
    [WolverineGet("/api/statistics/monthly", OperationId = "ReadMonthlyStatistics")]
    [Authorize(Roles = Roles.StatisticsReaders)]
    [ProducesResponseType<MonthlyStatistics>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? district, [FromQuery] string? street,
        [FromQuery] string? community, [FromQuery, OneOf<Programme>] string? programme, [FromQuery] string? serviceType, IQuerySession session,
        IDocumentStore store, IClock clock, IOptions<TimeBankOptions> options, IOptions<Care.CareOptions> care, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var thisMonth = PersonFields.Today(clock, options.Value).ToYearMonth();
        var last = StatisticsReading.Month(errors, "to", to, thisMonth);
        var first = StatisticsReading.Month(errors, "from", from, (last ?? thisMonth).PlusMonths(-11));
        if (first is { } f && last is { } l && (f > l || f.PlusMonths(35) < l)) errors["from"] = ["from is on or before to, at most 36 months before it."];
        var area = (District: StatisticsReading.Text(errors, "district", district), Street: StatisticsReading.Text(errors, "street", street),
            Community: StatisticsReading.Text(errors, "community", community));
        PersonFields.OneOf<Programme>(errors, "programme", programme, required: false);
        if (serviceType is not null && !ServiceRecords.ServiceTypes.IsKnown(serviceType)) errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area.District) is { } refusal) return Problems.For(refusal).ToResult();

        return Results.Ok(await StatisticsReading.MonthlyAsync(session, store, caller, first!.Value, last!.Value,
            new Care.CareArea(area.District, area.Street, area.Community), programme, serviceType, care.Value.Zone, context.RequestAborted));
    }
}

/// <param name="Actual">Where the year stands.</param>
/// <param name="Target">What it aims at (TimeBank__Statistics__TargetVolunteers, …TargetServiceHours).</param>
/// <param name="Progress">actual / target.</param>
/// <param name="Expected">The share of the year gone: on course when progress is at least this.</param>
public sealed record TargetProgress([property: Required] string Name, [property: Required] long Actual, [property: Required] long Target,
    [property: Required] double Progress, [property: Required] double Expected);

public sealed record TargetsReport([property: Required] int Year, string? District, [property: Required] IReadOnlyList<TargetProgress> Targets,
    [property: Required] long AsOfSequence, [property: Required] double LagSeconds);

public static class ReadTargetsEndpoint
{
    /// <summary>
    /// The year against the programme's targets (seed 002: 50,000 volunteers and 150,000 service hours a year): volunteers
    /// registered by the end of the year, and hours credited net of reversals in the year.
    /// </summary>
    /// <param name="year">The calendar year (default this year).</param>
    [WolverineGet("/api/statistics/targets", OperationId = "ReadTargets")]
    [Authorize(Roles = Roles.StatisticsReaders)]
    [ProducesResponseType<TargetsReport>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] int? year, [FromQuery] string? district, IQuerySession session, IDocumentStore store, IClock clock,
        IOptions<TimeBankOptions> options, IOptions<StatisticsOptions> statistics, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var today = PersonFields.Today(clock, options.Value);
        var wanted = year ?? today.Year;
        if (wanted is < 2000 or > 2200) errors["year"] = ["year is a calendar year from 2000 to 2200."];
        var area = StatisticsReading.Text(errors, "district", district);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area) is { } refusal) return Problems.For(refusal).ToResult();

        var progress = await StatisticsReading.ProgressAsync(store, context.RequestAborted);
        var targets = await StatisticsReading.TargetsAsync(session, caller, wanted, area, today, statistics.Value, context.RequestAborted);
        return Results.Ok(new TargetsReport(wanted, area, targets, progress.AsOfSequence, progress.LagSeconds));
    }
}

public sealed record LiabilityYear([property: Required] int DueYear, [property: Required] long Minutes);

/// <param name="BankedMinutes">Minutes volunteers hold and have not redeemed.</param>
/// <param name="ByDueYear">Those minutes by the year their holders reach the redemption age (TimeBank__Statistics__RedemptionAge, 60).</param>
/// <param name="RedeemedByMonth">Minutes redeemed in each of the last twelve months, beside them.</param>
public sealed record LiabilityForecast([property: Required] int RedemptionAge, [property: Required] long BankedMinutes,
    [property: Required] IReadOnlyList<LiabilityYear> ByDueYear, [property: Required] IReadOnlyList<MonthFigures> RedeemedByMonth,
    [property: Required] long AsOfSequence, [property: Required] double LagSeconds);

public static class ReadLiabilityEndpoint
{
    /// <summary>
    /// How much care the bank has promised and when it falls due (易存难兑, seed 003): volunteers' banked minutes by the year
    /// they reach the redemption age, and the last twelve months' redemptions per month.
    /// </summary>
    [WolverineGet("/api/statistics/liability", OperationId = "ReadLiability")]
    [Authorize(Roles = Roles.StatisticsReaders)]
    [ProducesResponseType<LiabilityForecast>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] string? district, IQuerySession session, IDocumentStore store, IClock clock,
        IOptions<TimeBankOptions> options, IOptions<StatisticsOptions> statistics, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var area = StatisticsReading.Text(errors, "district", district);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area) is { } refusal) return Problems.For(refusal).ToResult();

        var thisMonth = PersonFields.Today(clock, options.Value).ToYearMonth();
        var months = Enumerable.Range(0, 12).Select(i => YearMonthPattern.Iso.Format(thisMonth.PlusMonths(i - 11))).ToArray();
        var folded = await StatisticsReading.CellsWithPeopleAsync(session, store, caller, months, area, null, null, null, null, context.RequestAborted);
        var cells = folded.Cells.ToLookup(c => c.Month);
        var buckets = session.Query<LiabilityBucket>().AsQueryable();
        if (area is not null) buckets = buckets.Where(b => b.District == area);
        if (Scopes.DistrictsOf(caller) is { } districts) buckets = buckets.Where(b => b.District.IsOneOf(districts));
        var byYear = (await buckets.ToListAsync(context.RequestAborted)).GroupBy(b => b.DueYear)
            .Select(g => new LiabilityYear(g.Key, g.Sum(b => b.Minutes))).Where(y => y.Minutes != 0).OrderBy(y => y.DueYear).ToList();
        return Results.Ok(new LiabilityForecast(statistics.Value.RedemptionAge, byYear.Sum(y => y.Minutes), byYear,
            months.Select(m => new MonthFigures(m, Figures.Of(cells[m].ToList()))).ToList(), folded.AsOfSequence, folded.LagSeconds));
    }
}
