using System.Linq.Expressions;
using System.Text.Json.Serialization;
using Marten.Linq;
using Marten.Events.Projections;
using Marten.Patching;
using Marten.Services;
using TimeBank.Ledger;
using TimeBank.ServiceRecords.Depositing;

namespace TimeBank.ServiceRecords;

/// <summary>
/// One verified service session: the deposit. Appended to the volunteer's account stream, it credits
/// the volunteer and debits issuance by the same minutes, and by the points the service earned.
/// </summary>
public sealed record ServiceRecorded(
    Guid RecordId,
    Guid VolunteerId,
    Guid ElderId,
    string ServiceType,
    LocalDateTime StartedAt,
    LocalDateTime EndedAt,
    string TimeZone,
    Instant StartsAt,
    Instant EndsAt,
    int Minutes,
    int Points,
    string PlatformKeyId,
    string PlatformRecordId,
    string? Note,
    Instant RecordedAt,
    string RequestFingerprint,
    int BalanceMinutesAfter,
    int PointsBalanceAfter,
    Guid? RequestId = null) : ILedgerEntry
{
    string ILedgerEntry.Kind => "service-credit";
    int ILedgerEntry.BalanceChange => Minutes;
    int ILedgerEntry.ServedChange => Minutes;
    int ILedgerEntry.PointsChange => Points;
    string ILedgerEntry.Counterparty => SystemAccounts.IssuanceName;
    string ILedgerEntry.Reference => $"service-record:{RecordId}";
    Instant ILedgerEntry.At => RecordedAt;
}

/// <summary>The compensating entry for a credited record: debits the volunteer, credits issuance, minutes and points alike.</summary>
public sealed record ServiceRecordReversed(Guid RecordId, Guid VolunteerId, int Minutes, int Points, string Reason, string ReversedBy,
    Instant ReversedAt) : ILedgerEntry
{
    string ILedgerEntry.Kind => "service-reversal";
    int ILedgerEntry.BalanceChange => -Minutes;
    int ILedgerEntry.ServedChange => -Minutes;
    int ILedgerEntry.PointsChange => -Points;
    string ILedgerEntry.Counterparty => SystemAccounts.IssuanceName;
    string ILedgerEntry.Reference => $"service-record:{RecordId}";
    Instant ILedgerEntry.At => ReversedAt;
}

public enum ServiceRecordStatus
{
    Credited,
    Reversed
}

/// <summary>
/// Read model of one service record, kept inline from the volunteer's account stream. It is also the
/// deposit's idempotency claim: its id follows from the platform key and platformRecordId, and it keeps
/// the request's fingerprint and the first answer's balances.
/// </summary>
public sealed record ServiceRecord : IClaim
{
    public Guid Id { get; init; }
    public string PlatformKeyId { get; init; } = "";
    public string PlatformRecordId { get; init; } = "";
    public Guid VolunteerId { get; init; }
    public Guid ElderId { get; init; }
    public string ServiceType { get; init; } = "";
    public LocalDateTime StartedAt { get; init; }
    public LocalDateTime EndedAt { get; init; }
    public string TimeZone { get; init; } = "";
    public Instant StartsAt { get; init; }
    public Instant EndsAt { get; init; }

    // Instants as numbers so the overlap check is a plain range query.
    public long StartsAtUnixMs { get; init; }
    public long EndsAtUnixMs { get; init; }
    public int CreditedMinutes { get; init; }
    public int CreditedPoints { get; init; }
    public string? Note { get; init; }
    public ServiceRecordStatus Status { get; init; }
    public Instant RecordedAt { get; init; }
    public Instant? ReversedAt { get; init; }
    public string? ReversalReason { get; init; }
    public string? RequestFingerprint { get; init; }
    public int BalanceMinutesAfter { get; init; }
    public int PointsBalanceAfter { get; init; }

    /// <summary>The service request this record completes, when it came through the request loop.</summary>
    public Guid? RequestId { get; init; }

    string? IClaim.Fingerprint => RequestFingerprint;
    object IClaim.FirstAnswer => FirstResult;

    /// <summary>The answer the deposit was first given, for a retry of the same request.</summary>
    [JsonIgnore]
    public ServiceRecordResult FirstResult => new(Id, "credited", CreditedMinutes, BalanceMinutesAfter, CreditedPoints, PointsBalanceAfter);

    /// <summary>The record a platform's record id maps to: a name-based id (RFC 9562 version 8, SHA-256).</summary>
    public static Guid IdFor(string platformKeyId, string platformRecordId) => NameBasedIds.For($"service-record:{platformKeyId}:{platformRecordId}");
}

/// <summary>
/// Writes each record's read model without loading anything first: a new record is inserted (a second
/// deposit under the same platform record id fails on the key and is re-run, finding the first), and a
/// reversal is a patch of three fields. Keeps the deposit's commit to one round trip.
/// </summary>
public sealed partial class ServiceRecordProjection : EventProjection
{
    public ServiceRecordProjection()
    {
        // Inserts, unlike upserts, need an empty table when the projection is rebuilt.
        Options.DeleteViewTypeOnTeardown<ServiceRecord>();
    }

    public void Project(ServiceRecorded e, IDocumentOperations operations) => operations.Insert(RecordOf(e));

    public static ServiceRecord RecordOf(ServiceRecorded e) => new()
    {
        Id = e.RecordId,
        PlatformKeyId = e.PlatformKeyId,
        PlatformRecordId = e.PlatformRecordId,
        VolunteerId = e.VolunteerId,
        ElderId = e.ElderId,
        ServiceType = e.ServiceType,
        StartedAt = e.StartedAt,
        EndedAt = e.EndedAt,
        TimeZone = e.TimeZone,
        StartsAt = e.StartsAt,
        EndsAt = e.EndsAt,
        StartsAtUnixMs = e.StartsAt.ToUnixTimeMilliseconds(),
        EndsAtUnixMs = e.EndsAt.ToUnixTimeMilliseconds(),
        CreditedMinutes = e.Minutes,
        CreditedPoints = e.Points,
        Note = e.Note,
        Status = ServiceRecordStatus.Credited,
        RecordedAt = e.RecordedAt,
        RequestFingerprint = e.RequestFingerprint,
        BalanceMinutesAfter = e.BalanceMinutesAfter,
        PointsBalanceAfter = e.PointsBalanceAfter,
        RequestId = e.RequestId
    };

    public void Project(ServiceRecordReversed e, IDocumentOperations operations) =>
        operations.Patch<ServiceRecord>(e.RecordId)
            .Set(r => r.Status, ServiceRecordStatus.Reversed)
            .Set(r => r.ReversedAt, e.ReversedAt)
            .Set(r => r.ReversalReason, e.Reason);
}

/// <summary>
/// Volunteers' credited services that may overlap the period [from, to). A service lasts at most 12 hours, so anything
/// overlapping starts within 12 hours before the period: a bounded range of the (volunteer, start) index for each
/// volunteer. Compiled, so a look-up parses no LINQ and reuses one prepared statement.
/// </summary>
public sealed class CreditedOverlapping : ICompiledListQuery<ServiceRecord>
{
    /// <summary>How far apart the services of one look-up may lie: a batch's services of one day share a statement.</summary>
    public static readonly Duration SharedSpan = Duration.FromDays(1);

    public Guid[] VolunteerIds { get; set; } = [];
    public long StartsAfter { get; set; }
    public long StartsBefore { get; set; }
    public long EndsAfter { get; set; }

    public Expression<Func<IMartenQueryable<ServiceRecord>, IEnumerable<ServiceRecord>>> QueryIs() =>
        records => records.Where(r => r.VolunteerId.IsOneOf(VolunteerIds) && r.StartsAtUnixMs > StartsAfter && r.StartsAtUnixMs < StartsBefore
                                      && r.EndsAtUnixMs > EndsAfter && r.Status == ServiceRecordStatus.Credited);

    public static CreditedOverlapping Period(Guid volunteerId, Instant from, Instant to) => Period([volunteerId], from, to);

    private static CreditedOverlapping Period(Guid[] volunteerIds, Instant from, Instant to) => new()
    {
        VolunteerIds = volunteerIds,
        StartsAfter = (from - ServicePeriod.Longest).ToUnixTimeMilliseconds(),
        StartsBefore = to.ToUnixTimeMilliseconds(),
        EndsAfter = from.ToUnixTimeMilliseconds()
    };

    /// <summary>
    /// The look-ups a batch of services needs: each volunteer's period spans that volunteer's own services, and volunteers
    /// whose periods fit together within <see cref="SharedSpan"/> share one look-up, however far apart the others lie.
    /// </summary>
    public static IReadOnlyList<CreditedOverlapping> Services(IEnumerable<RecordService> services)
    {
        var periods = services.GroupBy(s => s.VolunteerId)
            .Select(g => (Volunteer: g.Key, From: g.Min(s => s.StartsAt), To: g.Max(s => s.EndsAt)))
            .OrderBy(p => p.From);
        var lookUps = new List<CreditedOverlapping>();
        var volunteers = new List<Guid>();
        Instant from = default, to = default;
        foreach (var period in periods)
        {
            if (volunteers.Count > 0 && Instant.Max(to, period.To) - from > SharedSpan)
            {
                lookUps.Add(Period([.. volunteers], from, to));
                volunteers.Clear();
            }
            if (volunteers.Count == 0) (from, to) = (period.From, period.To);
            else to = Instant.Max(to, period.To);
            volunteers.Add(period.Volunteer);
        }
        if (volunteers.Count > 0) lookUps.Add(Period([.. volunteers], from, to));
        return lookUps;
    }
}

public static class ServiceRecordsSetup
{
    public static IServiceCollection AddServiceRecords(this IServiceCollection services)
    {
        services.AddOptions<PointsOptions>().BindConfiguration(PointsOptions.Section);
        services.AddSingleton<DepositQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<DepositQueue>());
        return services;
    }

    public static StoreOptions AddServiceRecords(this StoreOptions opts)
    {
        opts.Projections.Add<ServiceRecordProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        opts.Listeners.Add(new CreditedServicesCount());
        // CreditedOverlapping reads one bounded range of this index per volunteer.
        opts.Schema.For<ServiceRecord>()
            .Index([r => r.VolunteerId, r => r.StartsAtUnixMs]);
        return opts;
    }
}

/// <summary>
/// Counts the service records each commit credited (<c>timebank_deposits_credited</c>, <c>timebank_minutes_credited</c>),
/// whichever write made them: deposits, completions and visits alike, once committed, and never a replayed retry.
/// </summary>
public sealed class CreditedServicesCount : DocumentSessionListenerBase
{
    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var e in commit.GetEvents())
        {
            if (e.Data is ServiceRecorded recorded) Telemetry.Credited(recorded.Minutes);
        }
        return Task.CompletedTask;
    }
}
