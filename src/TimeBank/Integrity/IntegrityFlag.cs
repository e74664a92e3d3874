using System.ComponentModel.DataAnnotations;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Options;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Rating;
using TimeBank.ServiceRequests;

namespace TimeBank.Integrity;

public enum FlagStatus { Open, ConfirmedGenuine, Fraudulent }

/// <summary>A rule hit on a credited record (or a low rating of it): the record stands, a reviewer decides.</summary>
public sealed record RecordFlagged(Guid FlagId, string Rule, Guid ServiceRecordId, Guid VolunteerId, Guid ElderId, string District, string Detail, Instant FlaggedAt);

/// <summary>A reviewer's decision on a flag; fraudulent reverses the record in the same transaction.</summary>
public sealed record FlagDecided(Guid FlagId, FlagStatus Decision, string Note, bool RecordReversed, string DecidedBy, Instant DecidedAt);

public sealed record IntegrityFlag
{
    public Guid Id { get; init; }
    public string Rule { get; init; } = "";
    public Guid ServiceRecordId { get; init; }
    public Guid VolunteerId { get; init; }
    public Guid ElderId { get; init; }
    public string District { get; init; } = "";
    public string Detail { get; init; } = "";
    public Instant FlaggedAt { get; init; }
    public long FlaggedAtUnixMs { get; init; }
    public FlagStatus Status { get; init; }
    public string? Note { get; init; }
    public bool RecordReversed { get; init; }
    public string? DecidedBy { get; init; }
    public Instant? DecidedAt { get; init; }
    public long Version { get; set; }

    public IntegrityFlag Apply(RecordFlagged e) => this with
    {
        Id = e.FlagId, Rule = e.Rule, ServiceRecordId = e.ServiceRecordId, VolunteerId = e.VolunteerId, ElderId = e.ElderId, District = e.District,
        Detail = e.Detail, FlaggedAt = e.FlaggedAt, FlaggedAtUnixMs = e.FlaggedAt.ToUnixTimeMilliseconds(), Status = FlagStatus.Open
    };

    public IntegrityFlag Apply(FlagDecided e) => this with
    {
        Status = e.Decision, Note = e.Note, RecordReversed = e.RecordReversed, DecidedBy = e.DecidedBy, DecidedAt = e.DecidedAt
    };

    /// <summary>One flag per record and rule, however often the review runs over the record.</summary>
    public static Guid IdFor(Guid record, string rule) => NameBasedIds.For($"integrity-flag:{record:N}:{rule}");
}

/// <param name="Status">open, confirmed-genuine or fraudulent.</param>
public sealed record FlagView([property: Required] Guid Id, [property: Required] string Rule, [property: Required] Guid ServiceRecordId,
    [property: Required] Guid VolunteerId, [property: Required] Guid ElderId, [property: Required] string District, [property: Required] string Detail,
    [property: Required] FlagStatus Status, [property: Required] Instant FlaggedAt, string? Note, [property: Required] bool RecordReversed, string? DecidedBy,
    Instant? DecidedAt)
{
    public static FlagView Of(IntegrityFlag f) => new(f.Id, f.Rule, f.ServiceRecordId, f.VolunteerId, f.ElderId, f.District, f.Detail, f.Status,
        f.FlaggedAt, f.Note, f.RecordReversed, f.DecidedBy, f.DecidedAt);
}

/// <summary>
/// Runs the integrity rules over every credited record and every rating, off the write path (a <see cref="LedgerFolds"/>
/// fold, on the node the leader chose): a platform's honest data flows at once, and what looks wrong waits in the
/// reviewer's queue.
/// </summary>
public sealed class IntegrityReview(IntegrityOptions options) : ILedgerFold
{
    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(ServiceRecorded), typeof(ServiceRated), typeof(ServiceRecordReversed)];

    public string Name => "integrity-review";

    public string FormerShard => "IntegrityReview:All";

    public async Task FoldAsync(long foldedThrough, IReadOnlyList<IEvent> events, IDocumentOperations operations, KnownPeople people, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        var reviews = new List<(Guid RecordId, RuleHit? Rated, DateTimeOffset At)>();
        // A record as its deposit wrote it is the event itself; only records rated in this page but credited earlier are read.
        var records = new Dictionary<Guid, ServiceRecord>();
        var reversedInPage = new HashSet<Guid>();
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case ServiceRecorded recorded:
                    reviews.Add((recorded.RecordId, null, e.Timestamp));
                    records[recorded.RecordId] = ServiceRecordProjection.RecordOf(recorded);
                    break;
                case ServiceRated r when IntegrityRules.RatedLow(r.Stars, options) is { } low: reviews.Add((r.RecordId, low, e.Timestamp)); break;
                case ServiceRecordReversed reversed: reversedInPage.Add(reversed.RecordId); break;
            }
        }
        if (reviews.Count == 0) return;

        // What the page's rules look at is read in at most four round trips (earlier rated records, their facts, earlier
        // flags), however many records it holds.
        await using var session = operations.DocumentStore.LightweightSession();
        var ratedEarlier = reviews.Select(r => r.RecordId).Where(id => !records.ContainsKey(id)).Distinct().ToList();
        if (ratedEarlier.Count > 0)
        {
            foreach (var record in await session.LoadManyAsync<ServiceRecord>(cancellationToken, ratedEarlier)) records[record.Id] = record;
        }
        var checkedByRules = reviews.Where(r => r.Rated is null && records.ContainsKey(r.RecordId)).Select(r => records[r.RecordId]).ToList();
        var facts = await PageFacts.ReadAsync(session, people, records.Values, checkedByRules, reversedInPage, cancellationToken);

        var flags = new List<(ServiceRecord Record, RuleHit Hit, DateTimeOffset At)>();
        foreach (var (recordId, rated, at) in reviews)
        {
            if (!records.TryGetValue(recordId, out var record)) continue;
            var hits = rated is not null ? [rated] : IntegrityRules.Check(facts.For(record), options);
            flags.AddRange(hits.Select(hit => (record, hit, at)));
        }
        if (flags.Count == 0) return;

        // A flag stream is written with its snapshot, so a flag document exists exactly when its stream does.
        var raised = (await session.LoadManyAsync<IntegrityFlag>(cancellationToken, flags.Select(f => IntegrityFlag.IdFor(f.Record.Id, f.Hit.Rule)).Distinct()))
            .Select(f => f.Id).ToHashSet();
        foreach (var (record, hit, at) in flags)
        {
            var id = IntegrityFlag.IdFor(record.Id, hit.Rule);
            if (!raised.Add(id)) continue;
            session.Events.StartStream<IntegrityFlag>(id, new RecordFlagged(id, hit.Rule, record.Id, record.VolunteerId, record.ElderId,
                facts.DistrictOf(record), hit.Detail, Instant.FromDateTimeOffset(at)));
        }
        await session.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The volunteers, elders, requests and same-day records of one page's records, read in one batch.</summary>
    private sealed class PageFacts
    {
        private readonly IReadOnlyDictionary<Guid, PersonFacts> _people;
        private readonly Dictionary<Guid, ServiceRequest> _requests;
        private readonly Dictionary<(Guid Volunteer, (long, long) Day), List<ServiceRecord>> _days;

        private PageFacts(IReadOnlyDictionary<Guid, PersonFacts> people, IEnumerable<ServiceRequest> requests, Dictionary<(Guid, (long, long)), List<ServiceRecord>> days)
        {
            _people = people;
            _requests = requests.ToDictionary(r => r.Id);
            _days = days;
        }

        public static async Task<PageFacts> ReadAsync(IDocumentSession session, KnownPeople known, IEnumerable<ServiceRecord> all,
            IReadOnlyList<ServiceRecord> checkedByRules, IReadOnlySet<Guid> reversedInPage, CancellationToken cancellation)
        {
            var people = await known.ReadAsync(session, all.Select(r => r.VolunteerId).Concat(checkedByRules.Select(r => r.ElderId)), cancellation);
            var batch = session.CreateBatchQuery();
            var requests = batch.LoadMany<ServiceRequest>().ByIdList(checkedByRules.Select(r => r.RequestId).OfType<Guid>().Distinct().ToList());
            var days = checkedByRules.GroupBy(LocalDay).Select(day =>
            {
                var (start, end) = day.Key;
                var servedThatDay = day.Select(r => r.VolunteerId).Distinct().ToArray();
                // The day's records of this page are taken as the page has them (credited unless reversed within it), not
                // read back. Naming only the day's keeps the list short (the database compares every row it reads with each)
                // and still reads a record of the page kept in another time zone whose day overlaps this one.
                var inPage = day.Select(r => r.Id).ToArray();
                return (Day: day.Key, Records: batch.Query<ServiceRecord>()
                    .Where(r => r.VolunteerId.IsOneOf(servedThatDay) && r.StartsAtUnixMs >= start && r.StartsAtUnixMs < end && r.Status == ServiceRecordStatus.Credited
                        && !r.Id.IsOneOf(inPage))
                    // Only what the day's rules read: a busy day holds many records, and whole documents cost the database dear.
                    .Select(r => new ServiceRecord { Id = r.Id, VolunteerId = r.VolunteerId, ElderId = r.ElderId, StartsAt = r.StartsAt, CreditedMinutes = r.CreditedMinutes })
                    .ToList());
            }).ToList();
            await batch.Execute(cancellation);

            // Keyed by the whole day: two zones' days may start together and differ in length (a daylight-saving change).
            var byDay = new Dictionary<(Guid, (long, long)), List<ServiceRecord>>();
            void Add(ServiceRecord record, (long, long) day)
            {
                if (!byDay.TryGetValue((record.VolunteerId, day), out var list)) byDay[(record.VolunteerId, day)] = list = [];
                list.Add(record);
            }
            foreach (var (day, records) in days)
            {
                foreach (var record in await records) Add(record, day);
            }
            foreach (var record in checkedByRules.Where(r => !reversedInPage.Contains(r.Id))) Add(record, LocalDay(record));
            return new PageFacts(people, await requests, byDay);
        }

        public RecordFacts For(ServiceRecord record)
        {
            var sameDay = _days.GetValueOrDefault((record.VolunteerId, LocalDay(record))) ?? [];
            // The day up to this service's start: the record that takes the day past a threshold is the one flagged, whatever
            // order the records were posted or reviewed in.
            return new RecordFacts(record, [.. sameDay.Where(r => r.Id != record.Id && r.StartsAt <= record.StartsAt), record],
                record.RequestId is { } requestId ? _requests.GetValueOrDefault(requestId) : null,
                Volunteer(record.VolunteerId)?.AddressHash, Elder(record.ElderId)?.AddressHash);
        }

        private PersonFacts? Volunteer(Guid id) => _people.GetValueOrDefault(id) is { IsVolunteer: true } volunteer ? volunteer : null;

        private PersonFacts? Elder(Guid id) => _people.GetValueOrDefault(id) is { IsVolunteer: false } elder ? elder : null;

        public string DistrictOf(ServiceRecord record) => Volunteer(record.VolunteerId)?.District ?? "";

        /// <summary>The record's local day in its own time zone, as Unix milliseconds [start, end).</summary>
        private static (long Start, long End) LocalDay(ServiceRecord record)
        {
            var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(record.TimeZone) ?? DateTimeZone.Utc;
            return LocalDays.UnixMillis(record.StartedAt.Date, record.StartedAt.Date, zone);
        }
    }
}

public static class IntegritySetup
{
    public static IServiceCollection AddIntegrity(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(IntegrityOptions.Section).Get<IntegrityOptions>() ?? new IntegrityOptions();
        services.AddSingleton(Options.Create(options));
        services.ConfigureMarten(opts =>
        {
            opts.InlineSnapshot<IntegrityFlag>();
        });
        return services.AddLedgerFold(new IntegrityReview(options));
    }
}
