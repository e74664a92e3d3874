using System.ComponentModel.DataAnnotations;

namespace TimeBank.Care.Visits;

/// <summary>探访方式: 电话问候, 上门探访, 互联网音（视）频探访, 其他.</summary>
public enum VisitMode { Phone, Home, Video, Other }

/// <summary>The working forces of annex 3.</summary>
public enum VisitorRole { Volunteer, GridWorker, SocialWorker, FamilyDoctor, CareWorker, PropertyStaff, Relative, Neighbour, Other }

/// <summary>无变化 / 较好 / 较差.</summary>
public enum Trend { Unchanged, Better, Worse }

/// <summary>无变化 / 严重 / 转好.</summary>
public enum IllnessTrend { Unchanged, Serious, Improved }

/// <summary>安全 / 较安全 / 不安全.</summary>
public enum Safety { Safe, FairlySafe, Unsafe }

/// <summary>家庭人口: 无变化 / 增加 / 减少.</summary>
public enum HouseholdChangeKind { None, Increased, Decreased }

public enum EmergencyKind { Fall, SuddenIllness, Fire, GasLeak, Missing, Other }

public sealed record HouseholdChange([property: Required] HouseholdChangeKind Kind, [property: Required] int Count);

/// <summary>Every item of annex 4 五, with the form's own answers.</summary>
public sealed record VisitFindings(
    [property: Required] HouseholdChange HouseholdChange,
    [property: Required] Trend Expression,
    [property: Required] Trend Mobility,
    [property: Required] IllnessTrend Illness,
    string? IllnessName,
    [property: Required] Trend Mood,
    [property: Required] Safety GasSafety,
    [property: Required] Safety WaterHeatingSafety,
    [property: Required] Safety ElectricitySafety,
    [property: Required] Safety FireSafety,
    [property: Required] Trend PersonalHygiene,
    [property: Required] Trend HomeHygiene,
    [property: Required] Trend IndoorEnvironment);

public sealed record Visitor([property: Required] VisitorRole Role, Guid? VolunteerId, [property: Required] string Name);

/// <param name="CalledEmergencyNumber">Whether the visitor called 110/119/120 (第一时间协助拨打紧急求助电话).</param>
public sealed record Emergency([property: Required] EmergencyKind Kind, [property: Required] string Description, [property: Required] bool CalledEmergencyNumber);

/// <summary>
/// One visit as recorded. countsFor is its date in the programme's zone (the month and quarter it counts in);
/// the elder's area is copied so the coverage projection needs nothing else.
/// </summary>
public sealed record ElderVisited(Guid VisitId, Guid ElderId, string PlatformVisitId, Instant VisitedAt, LocalDateTime VisitedAtLocal, string TimeZone,
    LocalDate CountsFor, VisitMode Mode, Visitor Visitor, VisitFindings Findings, string? Needs, string? Suggestions, Emergency? Emergency,
    Guid? ServiceRecordId, Guid? AlertId, string District, string Street, string Community, string RecordedBy, Instant RecordedAt, string Fingerprint);

/// <param name="ServiceRecordId">The service record that credited the visiting volunteer, when the visit gave its times.</param>
/// <param name="AlertId">The alert the visit opened, if its findings or an emergency called for one.</param>
public sealed record VisitResult([property: Required] Guid Id, Guid? ServiceRecordId, Guid? AlertId);

public sealed record CareVisit : IClaim
{
    public Guid Id { get; init; }
    public Guid ElderId { get; init; }
    public string PlatformVisitId { get; init; } = "";
    public Instant VisitedAt { get; init; }
    public long VisitedAtUnixMs { get; init; }
    public LocalDateTime VisitedAtLocal { get; init; }
    public string TimeZone { get; init; } = "";
    public LocalDate CountsFor { get; init; }
    public VisitMode Mode { get; init; }
    public Visitor Visitor { get; init; } = new(VisitorRole.Other, null, "");
    public VisitFindings? Findings { get; init; }
    public string? Needs { get; init; }
    public string? Suggestions { get; init; }
    public Emergency? Emergency { get; init; }
    public Guid? ServiceRecordId { get; init; }
    public Guid? AlertId { get; init; }
    public string RecordedBy { get; init; } = "";
    public Instant RecordedAt { get; init; }
    public string? Fingerprint { get; init; }
    public long Version { get; set; }

    public object FirstAnswer => new VisitResult(Id, ServiceRecordId, AlertId);

    public CareVisit Apply(ElderVisited e) => this with
    {
        Id = e.VisitId, ElderId = e.ElderId, PlatformVisitId = e.PlatformVisitId, VisitedAt = e.VisitedAt, VisitedAtUnixMs = e.VisitedAt.ToUnixTimeMilliseconds(),
        VisitedAtLocal = e.VisitedAtLocal, TimeZone = e.TimeZone, CountsFor = e.CountsFor, Mode = e.Mode, Visitor = e.Visitor, Findings = e.Findings,
        Needs = e.Needs, Suggestions = e.Suggestions, Emergency = e.Emergency, ServiceRecordId = e.ServiceRecordId, AlertId = e.AlertId,
        RecordedBy = e.RecordedBy, RecordedAt = e.RecordedAt, Fingerprint = e.Fingerprint
    };

    /// <summary>A platform's visit ids are its own: the same id from another key is another visit.</summary>
    public static Guid IdFor(string keyId, string platformVisitId) => NameBasedIds.For($"care-visit:{keyId}:{platformVisitId}");
}

public sealed record VisitView(
    [property: Required] Guid Id,
    [property: Required] Guid ElderId,
    [property: Required] string PlatformVisitId,
    [property: Required] Instant VisitedAt,
    [property: Required] LocalDateTime VisitedAtLocal,
    [property: Required] string TimeZone,
    [property: Required] VisitMode Mode,
    [property: Required] Visitor Visitor,
    [property: Required] VisitFindings Findings,
    string? Needs,
    string? Suggestions,
    Emergency? Emergency,
    Guid? ServiceRecordId,
    Guid? AlertId,
    [property: Required] Instant RecordedAt)
{
    public static VisitView Of(CareVisit v) => new(v.Id, v.ElderId, v.PlatformVisitId, v.VisitedAt, v.VisitedAtLocal, v.TimeZone, v.Mode, v.Visitor, v.Findings!,
        v.Needs, v.Suggestions, v.Emergency, v.ServiceRecordId, v.AlertId, v.RecordedAt);
}
