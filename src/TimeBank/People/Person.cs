namespace TimeBank.People;

/// <summary>What the ledger needs to know of a registered person.</summary>
public interface IPerson
{
    Guid Id { get; }

    string FullName { get; }

    /// <summary>Keyed hash of the identity-card number: equal for the same person, useless to a reader.</summary>
    string IdNumberHash { get; }

    string District { get; }
    string Street { get; }
    string Community { get; }

    /// <summary>The API key that registered the person.</summary>
    string RegisteredBy { get; }
}

/// <summary>
/// A registered volunteer (实名注册). Identity-card number and phones are held only as
/// <see cref="PersonalData"/> ciphertext. District, street and community stay readable because every
/// report rolls up by them; they name an area of thousands of households, not a door.
/// </summary>
public sealed record Volunteer(Guid Id, string IdNumberHash) : IPerson
{
    public string FullName { get; init; } = "";
    public string ProtectedIdNumber { get; init; } = "";
    public LocalDate BirthDate { get; init; }
    public string ProtectedPhone { get; init; } = "";
    public Programme Programme { get; init; }
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public Guardian? Guardian { get; init; }
    public Instant RegisteredAt { get; init; }
    public string RegisteredBy { get; init; } = "";

    /// <summary>Keyed hash of the address line, when one was given; the address itself is not kept.</summary>
    public string? AddressHash { get; init; }
}

/// <summary>An elder in special difficulty (特殊困难老年人), the beneficiary of services and visits.</summary>
public sealed record Elder(Guid Id, string IdNumberHash) : IPerson
{
    public string FullName { get; init; } = "";
    public string ProtectedIdNumber { get; init; } = "";
    public LocalDate BirthDate { get; init; }
    public string? ProtectedPhone { get; init; }
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public IReadOnlyList<ElderCategory> Categories { get; init; } = [];
    public DisabilityGrade? DisabilityGrade { get; init; }
    public EmergencyContact EmergencyContact { get; init; } = EmergencyContact.Unknown;
    public Instant RegisteredAt { get; init; }
    public string RegisteredBy { get; init; } = "";

    /// <summary>Keyed hash of the address line, when one was given; the address itself is not kept.</summary>
    public string? AddressHash { get; init; }
}

/// <summary>The adult who consents for a volunteer under 18.</summary>
public sealed record Guardian(string FullName, string ProtectedPhone);

/// <summary>紧急联系人: first a child; failing that a relative; failing that the community.</summary>
public sealed record EmergencyContact(string FullName, string ProtectedPhone, ContactRelation Relation)
{
    public static readonly EmergencyContact Unknown = new("", "", ContactRelation.Other);
}

public enum Programme
{
    /// <summary>寸草心: students and young people serving elders.</summary>
    Youth,

    /// <summary>手足情: healthy younger seniors serving older ones.</summary>
    Senior,

    General
}

/// <summary>The categories of seed 004, annex 1, plus the two that services are commonly targeted by.</summary>
public enum ElderCategory
{
    /// <summary>孤寡: no spouse, no children, no one to care for them.</summary>
    Solitary,

    /// <summary>独居</summary>
    LivingAlone,

    /// <summary>空巢</summary>
    EmptyNest,

    /// <summary>留守</summary>
    LeftBehind,

    /// <summary>失能: requires a <see cref="People.DisabilityGrade"/>.</summary>
    Disabled,

    /// <summary>重残: disability certificate of grade 1 or 2.</summary>
    SeverelyDisabled,

    /// <summary>计划生育特殊家庭: the only child died or was disabled.</summary>
    BereavedSingleChildFamily,

    LowIncome,
    AdvancedAge
}

/// <summary>Loss of self-care ability per GB/T 42195-2022 (老年人能力评估规范).</summary>
public enum DisabilityGrade
{
    Mild,
    Moderate,
    Severe,
    Total
}

public enum ContactRelation
{
    Child,
    Relative,
    Community,
    Other
}
