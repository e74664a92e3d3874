using System.ComponentModel.DataAnnotations;
using JasperFx.Events;
using Marten.Events.Projections;

namespace TimeBank.Care.Pairing;

/// <summary>就近就便: how near the volunteer lives to the elder.</summary>
public enum Nearness { SameCommunity, SameStreet, Farther }

public sealed record GuardianConsent([property: Required] string GuardianName, [property: Required] LocalDate ConsentedOn);

/// <summary>
/// A standing pair (结对) and its linkage agreement (联动助老协议) signed with the grid worker, whose phone is kept only as
/// ciphertext. Appended to the volunteer's roster stream, so the limit on active pairs holds across nodes.
/// </summary>
public sealed record PairingFormed(Guid PairingId, Guid VolunteerId, string VolunteerName, Guid ElderId, string ElderName, People.Programme Programme,
    string GridWorkerName, string ProtectedGridWorkerPhone, LocalDate SignedOn, LocalDate StartsOn, LocalDate? EndsOn, Nearness Nearness, string? Reason,
    GuardianConsent? GuardianConsent, string ElderDistrict, string RecordedBy, Instant RecordedAt);

public sealed record PairingEnded(Guid PairingId, Guid VolunteerId, string Reason, LocalDate EndedOn, string EndedBy, Instant EndedAt);

/// <summary>One volunteer's pairings, folded inline from the roster stream.</summary>
public sealed record PairingRoster
{
    public Guid Id { get; init; }
    public IReadOnlyList<PairingFormed> Pairs { get; init; } = [];
    public IReadOnlyDictionary<Guid, LocalDate> Ended { get; init; } = new Dictionary<Guid, LocalDate>();
    public long Version { get; set; }

    public PairingRoster Apply(PairingFormed e) => this with { Id = IdFor(e.VolunteerId), Pairs = [.. Pairs, e] };

    public PairingRoster Apply(PairingEnded e) => this with { Ended = new Dictionary<Guid, LocalDate>(Ended) { [e.PairingId] = e.EndedOn } };

    /// <summary>Pairs neither ended nor past their end date.</summary>
    public IReadOnlyList<PairingFormed> ActiveOn(LocalDate today) =>
        Pairs.Where(p => !Ended.ContainsKey(p.PairingId) && (p.EndsOn is null || p.EndsOn >= today)).ToList();

    public static Guid IdFor(Guid volunteerId) => NameBasedIds.For($"pairing-roster:{volunteerId:N}");
}

/// <summary>A pairing as a document, for the volunteer's, the elder's and the overdue lists.</summary>
public sealed class Pairing
{
    public Guid Id { get; set; }
    public Guid VolunteerId { get; set; }
    public string VolunteerName { get; set; } = "";
    public Guid ElderId { get; set; }
    public string ElderName { get; set; } = "";
    public string ElderDistrict { get; set; } = "";
    public People.Programme Programme { get; set; }
    public string GridWorkerName { get; set; } = "";
    public string ProtectedGridWorkerPhone { get; set; } = "";
    public LocalDate SignedOn { get; set; }
    public LocalDate StartsOn { get; set; }
    public LocalDate? EndsOn { get; set; }
    public Nearness Nearness { get; set; }
    public string? Reason { get; set; }
    public GuardianConsent? GuardianConsent { get; set; }
    public LocalDate? EndedOn { get; set; }
    public string? EndReason { get; set; }
    public Instant RecordedAt { get; set; }

    public const string FieldOfGridWorkerPhone = "gridWorker.phone";
}

public sealed class PairingProjection : ScreenedMultiStreamProjection<Pairing>
{
    public PairingProjection()
    {
        Identity<PairingFormed>(e => e.PairingId);
        Identity<PairingEnded>(e => e.PairingId);
    }

    public void Apply(PairingFormed e, Pairing p)
    {
        p.Id = e.PairingId;
        p.VolunteerId = e.VolunteerId;
        p.VolunteerName = e.VolunteerName;
        p.ElderId = e.ElderId;
        p.ElderName = e.ElderName;
        p.ElderDistrict = e.ElderDistrict;
        p.Programme = e.Programme;
        p.GridWorkerName = e.GridWorkerName;
        p.ProtectedGridWorkerPhone = e.ProtectedGridWorkerPhone;
        p.SignedOn = e.SignedOn;
        p.StartsOn = e.StartsOn;
        p.EndsOn = e.EndsOn;
        p.Nearness = e.Nearness;
        p.Reason = e.Reason;
        p.GuardianConsent = e.GuardianConsent;
        p.RecordedAt = e.RecordedAt;
    }

    public void Apply(PairingEnded e, Pairing p)
    {
        p.EndedOn = e.EndedOn;
        p.EndReason = e.Reason;
    }
}

public sealed record GridWorkerView([property: Required] string Name, [property: Required] string Phone);

/// <param name="Status">active, ended (ended early, or past endsOn) or upcoming.</param>
public sealed record PairingView(
    [property: Required] Guid Id,
    [property: Required] Guid VolunteerId,
    [property: Required] string VolunteerName,
    [property: Required] Guid ElderId,
    [property: Required] string ElderName,
    [property: Required] People.Programme Programme,
    [property: Required] GridWorkerView GridWorker,
    [property: Required] LocalDate SignedOn,
    [property: Required] LocalDate StartsOn,
    LocalDate? EndsOn,
    [property: Required] Nearness Nearness,
    string? Reason,
    GuardianConsent? GuardianConsent,
    [property: Required] string Status,
    LocalDate? EndedOn,
    string? EndReason)
{
    public static PairingView Of(Pairing p, People.PersonalData personalData, bool inFull, LocalDate today)
    {
        var phone = personalData.Reveal(p.ProtectedGridWorkerPhone, People.PersonalData.Field(p.Id, Pairing.FieldOfGridWorkerPhone));
        var status = p.EndedOn is not null || p.EndsOn < today ? "ended" : p.StartsOn > today ? "upcoming" : "active";
        return new PairingView(p.Id, p.VolunteerId, p.VolunteerName, p.ElderId, p.ElderName, p.Programme,
            new GridWorkerView(p.GridWorkerName, inFull ? phone : People.Masking.Phone(phone)), p.SignedOn, p.StartsOn, p.EndsOn, p.Nearness, p.Reason,
            p.GuardianConsent, status, p.EndedOn ?? (p.EndsOn < today ? p.EndsOn : null), p.EndReason);
    }
}
