using System.ComponentModel.DataAnnotations;
using TimeBank.People;

namespace TimeBank.Care.Alerts;

public enum AlertStatus { Open, Acknowledged, Closed }

/// <summary>Someone the service tells of an alert, in calling order; the community last (its phone is the community's own).</summary>
/// <param name="PhoneField">The field the phone's ciphertext is bound to.</param>
public sealed record AlertRecipient(int Order, string FullName, string? ProtectedPhone, string? PhoneField, ContactRelation Relation);

/// <summary>
/// A visit found an emergency, an unsafe home or a serious illness (seed 004 三.(三).三; annex 2 二.10). reasons are codes:
/// emergency, gas-unsafe, water-heating-unsafe, electricity-unsafe, fire-unsafe, serious-illness.
/// </summary>
public sealed record AlertOpened(Guid AlertId, Guid ElderId, Guid VisitId, IReadOnlyList<string> Reasons, string? Description,
    IReadOnlyList<AlertRecipient> Recipients, string District, string Street, string Community, string OpenedBy, Instant OpenedAt);

public sealed record AlertAcknowledged(Guid AlertId, string AcknowledgedBy, Instant AcknowledgedAt);

/// <summary>事后做好处置情况记录归档: what was done, by whom, recorded by which key.</summary>
public sealed record AlertClosed(Guid AlertId, string Handling, string HandledBy, string ClosedBy, Instant ClosedAt);

public sealed record CareAlert
{
    public Guid Id { get; init; }
    public Guid ElderId { get; init; }
    public Guid VisitId { get; init; }
    public IReadOnlyList<string> Reasons { get; init; } = [];
    public string? Description { get; init; }
    public IReadOnlyList<AlertRecipient> Recipients { get; init; } = [];
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public AlertStatus Status { get; init; }
    public string OpenedBy { get; init; } = "";
    public Instant OpenedAt { get; init; }
    public long OpenedAtUnixMs { get; init; }
    public string? AcknowledgedBy { get; init; }
    public Instant? AcknowledgedAt { get; init; }
    public string? Handling { get; init; }
    public string? HandledBy { get; init; }
    public string? ClosedBy { get; init; }
    public Instant? ClosedAt { get; init; }
    public long Version { get; set; }

    public CareAlert Apply(AlertOpened e) => this with
    {
        Id = e.AlertId, ElderId = e.ElderId, VisitId = e.VisitId, Reasons = e.Reasons, Description = e.Description, Recipients = e.Recipients,
        District = e.District, Street = e.Street, Community = e.Community, Status = AlertStatus.Open, OpenedBy = e.OpenedBy, OpenedAt = e.OpenedAt,
        OpenedAtUnixMs = e.OpenedAt.ToUnixTimeMilliseconds()
    };

    public CareAlert Apply(AlertAcknowledged e) => this with { Status = AlertStatus.Acknowledged, AcknowledgedBy = e.AcknowledgedBy, AcknowledgedAt = e.AcknowledgedAt };

    public CareAlert Apply(AlertClosed e) => this with
    {
        Status = AlertStatus.Closed, AcknowledgedAt = AcknowledgedAt ?? e.ClosedAt, AcknowledgedBy = AcknowledgedBy ?? e.ClosedBy, Handling = e.Handling,
        HandledBy = e.HandledBy, ClosedBy = e.ClosedBy, ClosedAt = e.ClosedAt
    };
}

public sealed record AlertRecipientView([property: Required] int Order, [property: Required] string FullName, string? Phone, [property: Required] ContactRelation Relation);

public sealed record AlertView(
    [property: Required] Guid Id,
    [property: Required] Guid ElderId,
    [property: Required] Guid VisitId,
    [property: Required] AlertStatus Status,
    [property: Required] IReadOnlyList<string> Reasons,
    string? Description,
    [property: Required] IReadOnlyList<AlertRecipientView> Contacts,
    [property: Required] string District,
    [property: Required] string Street,
    [property: Required] string Community,
    [property: Required] Instant OpenedAt,
    Instant? AcknowledgedAt,
    string? AcknowledgedBy,
    string? Handling,
    string? HandledBy,
    Instant? ClosedAt)
{
    /// <summary>Staff phone the contacts from this list, so a care worker sees the phones in full; other roles masked but admin.</summary>
    public static AlertView Of(CareAlert a, PersonalData personalData, bool phonesInFull) => new(a.Id, a.ElderId, a.VisitId, a.Status, a.Reasons, a.Description,
        a.Recipients.Select(r => new AlertRecipientView(r.Order, r.FullName, r is { ProtectedPhone: { } p, PhoneField: { } f }
            ? phonesInFull ? personalData.Reveal(p, f) : Masking.Phone(personalData.Reveal(p, f))
            : null, r.Relation)).ToList(),
        a.District, a.Street, a.Community, a.OpenedAt, a.AcknowledgedAt, a.AcknowledgedBy, a.Handling, a.HandledBy, a.ClosedAt);
}
