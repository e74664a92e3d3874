using JasperFx.Events;
using Microsoft.Extensions.Options;
using NodaTime.Text;
using TimeBank.Ledger;
using TimeBank.Markets;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Rating;

namespace TimeBank.Statistics;

/// <summary>The age bands volunteers are counted in, from the birth date in their resident id.</summary>
public static class AgeBands
{
    public static readonly string[] All = ["10-17", "18-34", "35-54", "55-64", "65-74", "75+"];

    /// <summary>以老助老: the bands of the healthy younger seniors who serve.</summary>
    public static readonly string[] LowAgeSeniors = ["55-64", "65-74"];

    public static string Of(LocalDate birth, LocalDate on) => Period.Between(birth, on, PeriodUnits.Years).Years switch
    {
        < 18 => "10-17",
        < 35 => "18-34",
        < 55 => "35-54",
        < 65 => "55-64",
        < 75 => "65-74",
        _ => "75+"
    };
}

/// <summary>
/// One month's figures for one community, programme and service type (empty when a figure has none), kept by the
/// statistics subscription. Distinct people are kept by id, so any roll-up counts each once.
/// </summary>
public sealed class MonthlyCell
{
    public string Id { get; set; } = "";
    public string Month { get; set; } = "";
    public string District { get; set; } = "";
    public string Street { get; set; } = "";
    public string Community { get; set; } = "";
    public string Programme { get; set; } = "";
    public string ServiceType { get; set; } = "";
    public int VolunteersRegistered { get; set; }
    public Dictionary<string, int> RegisteredByAgeBand { get; set; } = [];

    /// <summary>Volunteers credited this month, with their age band then; kept in <see cref="CellPeople"/>, here while folded or read.</summary>
    public Dictionary<Guid, string> ActiveVolunteers { get; set; } = [];

    /// <summary>Elders served this month; kept in <see cref="CellPeople"/>, here while folded or read.</summary>
    public HashSet<Guid> EldersServed { get; set; } = [];
    public int Records { get; set; }
    public long MinutesCredited { get; set; }
    public long MinutesReversed { get; set; }
    public long PointsEarned { get; set; }
    public long PointsReversed { get; set; }
    public long MinutesTransferred { get; set; }
    public long MinutesHeld { get; set; }
    public long MinutesRedeemed { get; set; }
    public long PointsSpent { get; set; }
    public int Ratings { get; set; }
    public long RatingStars { get; set; }

    public static string IdFor(string month, Area area, string programme, string serviceType) =>
        string.Join('|', month, area.District, area.Street, area.Community, programme, serviceType);
}

/// <summary>
/// A volunteer's banked minutes by the year they reach the redemption age (易存难兑): how much care the bank has promised
/// and when it falls due, per community.
/// </summary>
public sealed class LiabilityBucket
{
    public string Id { get; set; } = "";
    public string District { get; set; } = "";
    public string Street { get; set; } = "";
    public string Community { get; set; } = "";
    public int DueYear { get; set; }
    public long Minutes { get; set; }

    public static string IdFor(Area area, int dueYear) => string.Join('|', area.District, area.Street, area.Community, dueYear);
}

public sealed record Area(string District, string Street, string Community)
{
    public static Area Of(IPerson person) => new(person.District, person.Street, person.Community);
}

/// <summary>Who an event's figures belong to: their area and programme, and (volunteers) their birth date.</summary>
public sealed record Holder(Area Area, string Programme, LocalDate? BirthDate);

/// <summary>What one event adds to the figures; pure, so the fold is tested without a database.</summary>
public sealed record Contribution(string Month, Holder Holder, string ServiceType, Action<MonthlyCell> Apply, long LiabilityMinutes = 0);

public sealed class StatisticsOptions
{
    public const string Section = "TimeBank:Statistics";

    /// <summary>The age at which banked time falls due for redemption (低龄存时间，高龄换服务).</summary>
    public int RedemptionAge { get; set; } = 60;

    /// <summary>Registered volunteers the deployment aims at (seed 002: 50,000 by 2027).</summary>
    public int TargetVolunteers { get; set; } = 50_000;

    /// <summary>Service hours a year the deployment aims at (seed 002: 150,000 by 2027).</summary>
    public int TargetServiceHours { get; set; } = 150_000;

    public IEnumerable<string> Problems() => Settings.Found(
        Settings.Between($"{Section}:RedemptionAge", RedemptionAge, 18, 120),
        Settings.Between($"{Section}:TargetVolunteers", TargetVolunteers, 0, 100_000_000),
        Settings.Between($"{Section}:TargetServiceHours", TargetServiceHours, 0, 1_000_000_000));
}

public static class StatisticsFold
{
    public static string MonthOf(Instant at, DateTimeZone zone) => YearMonthPattern.Iso.Format(at.InZone(zone).Date.ToYearMonth());

    public static string MonthOf(LocalDate date) => YearMonthPattern.Iso.Format(date.ToYearMonth());

    /// <summary>
    /// What an event contributes, given who holds the account it touches (null: not a person, e.g. the public pool) and,
    /// for reversals and ratings, the record's service type. Null when the event adds nothing to the figures.
    /// </summary>
    public static Contribution? Of(object data, Holder? holder, string? recordServiceType, DateTimeZone zone, int redemptionAge)
    {
        if (holder is null) return null;
        int? DueYear() => holder.BirthDate is { } b ? b.Year + redemptionAge : null;
        long Liability(long minutes) => DueYear() is null ? 0 : minutes;
        return data switch
        {
            AccountOpened { Holder: AccountHolder.Volunteer } e => new(MonthOf(e.OpenedAt, zone), holder, "", c =>
            {
                c.VolunteersRegistered++;
                if (holder.BirthDate is { } birth)
                {
                    var band = AgeBands.Of(birth, e.OpenedAt.InZone(zone).Date);
                    c.RegisteredByAgeBand[band] = c.RegisteredByAgeBand.GetValueOrDefault(band) + 1;
                }
            }),
            ServiceRecorded e => new(MonthOf(e.StartedAt.Date), holder, e.ServiceType, c =>
            {
                c.Records++;
                c.MinutesCredited += e.Minutes;
                c.PointsEarned += e.Points;
                c.ActiveVolunteers[e.VolunteerId] = holder.BirthDate is { } birth ? AgeBands.Of(birth, e.StartedAt.Date) : "";
                c.EldersServed.Add(e.ElderId);
            }, Liability(e.Minutes)),
            ServiceRecordReversed e => new(MonthOf(e.ReversedAt, zone), holder, recordServiceType ?? "", c =>
            {
                c.MinutesReversed += e.Minutes;
                c.PointsReversed += e.Points;
            }, Liability(-e.Minutes)),
            TransferSent e => new(MonthOf(e.TransferredAt, zone), holder, "", c => c.MinutesTransferred += e.Minutes, Liability(-e.Minutes)),
            RedemptionHeld e => new(MonthOf(e.HeldAt, zone), holder, e.ServiceType, c => c.MinutesHeld += e.Minutes),
            RedemptionSettled e => new(MonthOf(e.SettledAt, zone), holder, "", c => c.MinutesRedeemed += e.Minutes, Liability(-e.Minutes)),
            MarketOrderPlaced e => new(MonthOf(e.PlacedAt, zone), holder, "", c => c.PointsSpent += e.Points),
            MarketOrderRefunded e => new(MonthOf(e.RefundedAt, zone), holder, "", c => c.PointsSpent -= e.Points),
            ServiceRated e => new(MonthOf(e.RatedAt, zone), holder, recordServiceType ?? "", c =>
            {
                c.Ratings++;
                c.RatingStars += e.Stars;
            }),
            _ => null
        };
    }

    /// <summary>
    /// What a transfer moves for its receiver, <paramref name="times"/> over (-1 takes it back): the minutes enter the
    /// liability of the receiver's due year, and the receiver's cell of the month is kept though no figure of it moves.
    /// </summary>
    public static Contribution? ReceiverSide(TransferSent transfer, Holder? receiver, int times, DateTimeZone zone) =>
        receiver is null
            ? null
            : new(MonthOf(transfer.TransferredAt, zone), receiver, "", _ => { }, receiver.BirthDate is null ? 0 : times * (long)transfer.Minutes);

    public static Guid? PersonOf(IEvent e) => e.Data switch
    {
        ServiceRated rated => rated.VolunteerId,
        AccountOpened or ServiceRecorded or ServiceRecordReversed or TransferSent or RedemptionHeld or RedemptionSettled
            or MarketOrderPlaced or MarketOrderRefunded => e.StreamId == SystemAccounts.PublicPool ? null : e.StreamId,
        _ => null
    };

    /// <summary>The receiving person of a transfer (not the public pool).</summary>
    public static Guid? ReceiverOf(TransferSent transfer) => transfer.To == SystemAccounts.PublicPool ? null : transfer.To;

    public static Guid? RecordOf(object data) => data switch
    {
        ServiceRecordReversed r => r.RecordId,
        ServiceRated r => r.RecordId,
        _ => null
    };
}

/// <summary>
/// Keeps <see cref="MonthlyCell"/> and <see cref="LiabilityBucket"/> from the ledger's events, off the write path (a
/// <see cref="LedgerFolds"/> fold): each page of events is folded and written in the transaction that records the page's
/// progress, so no event is counted twice. A transfer is counted once, from its <see cref="TransferSent"/>
/// (<see cref="TransferCounting"/>).
/// </summary>
public sealed class StatisticsTally(TimeBankOptions options, StatisticsOptions statistics) : ILedgerFold
{
    public IReadOnlyCollection<Type> EventTypes { get; } =
    [
        typeof(AccountOpened), typeof(ServiceRecorded), typeof(ServiceRecordReversed), typeof(TransferSent), typeof(RedemptionHeld),
        typeof(RedemptionSettled), typeof(MarketOrderPlaced), typeof(MarketOrderRefunded), typeof(ServiceRated)
    ];

    public string Name => "statistics";

    public string FormerShard => "Statistics:All";

    private bool _transferCountingSwitched;

    public async Task FoldAsync(long foldedThrough, IReadOnlyList<IEvent> events, IDocumentOperations operations, KnownPeople people,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<TransferCounting.UnpairedHalf> unpaired = [];
        if (!_transferCountingSwitched)
            (_transferCountingSwitched, unpaired) = await TransferCounting.SwitchAsync(operations, foldedThrough, cancellationToken);
        if (events.Count == 0 && unpaired.Count == 0) return;

        var zone = DateTimeZoneProviders.Tzdb[options.DefaultTimeZone];
        var persons = events.Select(StatisticsFold.PersonOf)
            .Concat(events.Select(e => e.Data).OfType<TransferSent>().Concat(unpaired.Select(u => u.Transfer)).Select(StatisticsFold.ReceiverOf));
        var known = await people.ReadAsync(operations, persons.OfType<Guid>(), cancellationToken);
        var records = events.Select(e => StatisticsFold.RecordOf(e.Data)).OfType<Guid>().Distinct().ToArray();
        var typeOf = records.Length == 0
            ? []
            : (await operations.Query<ServiceRecord>().Where(r => r.Id.IsOneOf(records)).Select(r => new RecordType(r.Id, r.ServiceType)).ToListAsync(cancellationToken))
            .ToDictionary(r => r.Id, r => r.ServiceType);
        var holders = known.Values.ToDictionary(p => p.Id, p => p.IsVolunteer
            ? new Holder(new Area(p.District, p.Street, p.Community), PersonFields.JsonName(p.Programme), p.BirthDate)
            : new Holder(new Area(p.District, p.Street, p.Community), "", null));
        Holder? HolderOf(Guid? person) => person is { } id ? holders.GetValueOrDefault(id) : null;
        Contribution? ReceiverSide(TransferSent transfer, int times) =>
            StatisticsFold.ReceiverSide(transfer, HolderOf(StatisticsFold.ReceiverOf(transfer)), times, zone);

        var contributions = events
            .SelectMany(e => (Contribution?[])
            [
                HolderOf(StatisticsFold.PersonOf(e)) is { } holder
                    ? StatisticsFold.Of(e.Data, holder, StatisticsFold.RecordOf(e.Data) is { } r ? typeOf.GetValueOrDefault(r) : null, zone, statistics.RedemptionAge)
                    : null,
                e.Data is TransferSent sent ? ReceiverSide(sent, 1) : null
            ])
            .Concat(unpaired.Select(u => ReceiverSide(u.Transfer, TransferCounting.ReceiverSideOwed(u))))
            .OfType<Contribution>()
            .ToList();
        if (contributions.Count == 0) return;

        var cellIds = contributions.Select(c => MonthlyCell.IdFor(c.Month, c.Holder.Area, c.Holder.Programme, c.ServiceType)).Distinct().ToArray();
        var bucketIds = contributions.Where(c => c.LiabilityMinutes != 0)
            .Select(c => LiabilityBucket.IdFor(c.Holder.Area, c.Holder.BirthDate!.Value.Year + statistics.RedemptionAge)).Distinct().ToArray();
        var cells = (await operations.LoadManyAsync<MonthlyCell>(cancellationToken, cellIds)).ToDictionary(c => c.Id);
        var buckets = (await operations.LoadManyAsync<LiabilityBucket>(cancellationToken, bucketIds)).ToDictionary(b => b.Id);
        foreach (var c in contributions)
        {
            var id = MonthlyCell.IdFor(c.Month, c.Holder.Area, c.Holder.Programme, c.ServiceType);
            if (!cells.TryGetValue(id, out var cell))
            {
                cells[id] = cell = new MonthlyCell
                {
                    Id = id, Month = c.Month, District = c.Holder.Area.District, Street = c.Holder.Area.Street, Community = c.Holder.Area.Community,
                    Programme = c.Holder.Programme, ServiceType = c.ServiceType
                };
            }
            c.Apply(cell);
            if (c.LiabilityMinutes == 0) continue;
            var dueYear = c.Holder.BirthDate!.Value.Year + statistics.RedemptionAge;
            var bucketId = LiabilityBucket.IdFor(c.Holder.Area, dueYear);
            if (!buckets.TryGetValue(bucketId, out var bucket))
            {
                buckets[bucketId] = bucket = new LiabilityBucket
                {
                    Id = bucketId, District = c.Holder.Area.District, Street = c.Holder.Area.Street, Community = c.Holder.Area.Community, DueYear = dueYear
                };
            }
            bucket.Minutes += c.LiabilityMinutes;
        }
        CellPeople.MoveToTable(operations, cells.Values);
        operations.Store(cells.Values.ToArray());
        if (buckets.Count > 0) operations.Store(buckets.Values.ToArray());
    }

    private sealed record RecordType(Guid Id, string ServiceType);
}

public static class StatisticsSetup
{
    public static IServiceCollection AddStatistics(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(TimeBankOptions.Section).Get<TimeBankOptions>() ?? new TimeBankOptions();
        var statistics = configuration.GetSection(StatisticsOptions.Section).Get<StatisticsOptions>() ?? new StatisticsOptions();
        services.AddSingleton(Options.Create(statistics));
        services.ConfigureMarten(opts =>
        {
            opts.Schema.For<MonthlyCell>().Duplicate(c => c.Month).Duplicate(c => c.District);
            opts.Schema.For<LiabilityBucket>().Duplicate(b => b.District);
            CellPeople.AddTable(opts);
            // Known by name from the start: the switch to counting transfers once asks the store for them by name.
            opts.Events.AddEventTypes([typeof(TransferSent), typeof(TransferReceived)]);
        });
        return services.AddLedgerFold(new StatisticsTally(options, statistics));
    }
}
