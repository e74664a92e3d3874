using System.ComponentModel.DataAnnotations;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten.Subscriptions;
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
/// Runs the integrity rules over every credited record and every rating, off the write path (the async daemon, on the
/// node the leader chose): a platform's honest data flows at once, and what looks wrong waits in the reviewer's queue.
/// </summary>
public sealed class IntegrityReview : SubscriptionBase
{
    public const string SubscriptionName = "IntegrityReview";
    private readonly IntegrityOptions _options;

    public IntegrityReview(IntegrityOptions options)
    {
        _options = options;
        Name = SubscriptionName;
        IncludeType<ServiceRecorded>();
        IncludeType<ServiceRated>();
        Options.BatchSize = 500;
    }

    public override async Task<IChangeListener> ProcessEventsAsync(EventRange page, ISubscriptionController controller, IDocumentOperations operations,
        CancellationToken cancellationToken)
    {
        await using var session = operations.DocumentStore.LightweightSession();
        foreach (var e in page.Events)
        {
            var (recordId, rated) = e.Data switch
            {
                ServiceRecorded recorded => (recorded.RecordId, null),
                ServiceRated r => (r.RecordId, IntegrityRules.RatedLow(r.Stars, _options)),
                _ => (Guid.Empty, null)
            };
            if (e.Data is ServiceRated && rated is null) continue;
            var record = await session.LoadAsync<ServiceRecord>(recordId, cancellationToken);
            if (record is null) continue;
            var volunteer = await session.LoadAsync<Volunteer>(record.VolunteerId, cancellationToken);
            var hits = rated is not null ? [rated] : await HitsAsync(session, record, volunteer, cancellationToken);
            foreach (var hit in hits) await FlagAsync(session, record, volunteer?.District ?? "", hit, e.Timestamp, cancellationToken);
        }
        await session.SaveChangesAsync(cancellationToken);
        return NullChangeListener.Instance;
    }

    private async Task<IReadOnlyList<RuleHit>> HitsAsync(IDocumentSession session, ServiceRecord record, Volunteer? volunteer, CancellationToken cancellation)
    {
        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(record.TimeZone) ?? DateTimeZone.Utc;
        var dayStart = record.StartedAt.Date.AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds();
        var dayEnd = record.StartedAt.Date.PlusDays(1).AtStartOfDayInZone(zone).ToInstant().ToUnixTimeMilliseconds();
        var sameDay = await session.Query<ServiceRecord>()
            .Where(r => r.VolunteerId == record.VolunteerId && r.StartsAtUnixMs >= dayStart && r.StartsAtUnixMs < dayEnd && r.Status == ServiceRecordStatus.Credited)
            .ToListAsync(cancellation);
        // The day up to this service's start: the record that takes the day past a threshold is the one flagged, whatever
        // order the records were posted or reviewed in.
        sameDay = [.. sameDay.Where(r => r.Id != record.Id && r.StartsAt <= record.StartsAt), record];
        var request = record.RequestId is { } requestId ? await session.LoadAsync<ServiceRequest>(requestId, cancellation) : null;
        var elder = await session.LoadAsync<Elder>(record.ElderId, cancellation);
        return IntegrityRules.Check(new RecordFacts(record, sameDay, request, volunteer?.AddressHash, elder?.AddressHash), _options).ToList();
    }

    private static async Task FlagAsync(IDocumentSession session, ServiceRecord record, string district, RuleHit hit, DateTimeOffset at,
        CancellationToken cancellation)
    {
        var id = IntegrityFlag.IdFor(record.Id, hit.Rule);
        if (await session.Events.FetchStreamStateAsync(id, cancellation) is not null) return;
        session.Events.StartStream<IntegrityFlag>(id,
            new RecordFlagged(id, hit.Rule, record.Id, record.VolunteerId, record.ElderId, district, hit.Detail, Instant.FromDateTimeOffset(at)));
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
            opts.Projections.Snapshot<IntegrityFlag>(SnapshotLifecycle.Inline);
            opts.Events.Subscribe(new IntegrityReview(options));
        });
        return services;
    }
}
