using Marten;
using Marten.Events.Projections;
using Marten.Patching;
using NodaTime;
using TimeBank.Ledger;

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
    Instant RecordedAt) : ILedgerEntry
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

/// <summary>Read model of one service record, kept inline from the volunteer's account stream.</summary>
public sealed record ServiceRecord
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
}

/// <summary>
/// Writes each record's read model without loading anything first: a new record's document cannot
/// exist yet, and a reversal is a patch of two fields. Keeps the deposit's commit to one round trip.
/// </summary>
public sealed partial class ServiceRecordProjection : EventProjection
{
    public ServiceRecord Create(ServiceRecorded e) => new()
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
        RecordedAt = e.RecordedAt
    };

    public void Project(ServiceRecordReversed e, IDocumentOperations operations) =>
        operations.Patch<ServiceRecord>(e.RecordId)
            .Set(r => r.Status, ServiceRecordStatus.Reversed)
            .Set(r => r.ReversedAt, e.ReversedAt)
            .Set(r => r.ReversalReason, e.Reason);
}

public static class ServiceRecordsSetup
{
    public static IServiceCollection AddServiceRecords(this IServiceCollection services)
    {
        services.AddOptions<PointsOptions>().BindConfiguration(PointsOptions.Section).ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<PointsOptions>, PointsOptionsValidation>();
        services.AddSingleton<Recording.DepositQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Recording.DepositQueue>());
        return services;
    }

    public static StoreOptions AddServiceRecords(this StoreOptions opts)
    {
        opts.Projections.Add<ServiceRecordProjection>(JasperFx.Events.Projections.ProjectionLifecycle.Inline);
        // The overlap check looks a volunteer's records up by start: a service lasts at most 12 hours, so
        // anything overlapping a period starts within 12 hours before it, a bounded range of one index.
        opts.Schema.For<ServiceRecord>()
            .Duplicate(r => r.StartsAtUnixMs)
            .Index([r => r.VolunteerId, r => r.StartsAtUnixMs]);
        return opts;
    }
}
