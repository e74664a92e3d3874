namespace TimeBank.ServiceRecords;

public sealed record ServiceRecordView(
    Guid Id,
    string PlatformRecordId,
    Guid VolunteerId,
    Guid ElderId,
    string ServiceType,
    LocalDateTime StartedAt,
    LocalDateTime EndedAt,
    string TimeZone,
    int CreditedMinutes,
    int CreditedPoints,
    ServiceRecordStatus Status,
    Instant RecordedAt,
    Instant? ReversedAt,
    string? ReversalReason,
    string? Note,
    Guid? RequestId)
{
    public static ServiceRecordView Of(ServiceRecord r) => new(r.Id, r.PlatformRecordId, r.VolunteerId, r.ElderId, r.ServiceType,
        r.StartedAt, r.EndedAt, r.TimeZone, r.CreditedMinutes, r.CreditedPoints, r.Status, r.RecordedAt, r.ReversedAt, r.ReversalReason, r.Note, r.RequestId);
}
