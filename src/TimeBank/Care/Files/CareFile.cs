using System.ComponentModel.DataAnnotations;
using TimeBank.People;

namespace TimeBank.Care.Files;

/// <summary>Ability per GB/T 42195-2022 (老年人能力评估规范); anything but intact is 失能.</summary>
public enum AbilityLevel { Intact, MildlyImpaired, ModeratelyImpaired, SeverelyImpaired, Lost }

public enum Sex { Male, Female }

/// <summary>The supporting unit kinds of annex 4 四 (帮扶单位).</summary>
public enum SupportKind
{
    /// <summary>党政机关、群团组织</summary>
    PartyOrGovernmentBody,

    /// <summary>街道（乡镇）、居（村）民委员会</summary>
    StreetOrResidentsCommittee,

    /// <summary>企业</summary>
    Enterprise,

    /// <summary>社会组织</summary>
    SocialOrganisation,

    /// <summary>专业社会工作者</summary>
    SocialWorker,

    /// <summary>志愿者</summary>
    Volunteer,

    Other
}

public sealed record DisabilityCertificate(string ProtectedNumber, int Grade);

public sealed record HouseholdMember(string FullName, Sex Sex, string ProtectedIdNumber, string RelationToHead, string Health, bool MinimumLivingAllowance,
    bool ExtremePoverty);

public sealed record LivingConditions(bool WaterSafe, bool ElectricitySafe, bool HousingSafe, int MonthlyIncomeYuan, int MonthlyBenefitsYuan);

public sealed record Support(SupportKind Kind, string ResponsiblePerson, string Measures);

public sealed record CareContact(string FullName, string ProtectedPhone, ContactRelation Relation);

/// <summary>Parts 一 to 四 of annex 4 as kept: every identity number and phone only as ciphertext.</summary>
public sealed record CareFileContent(
    bool LivesAtRegisteredAddress,
    AbilityLevel AbilityLevel,
    DisabilityCertificate? DisabilityCertificate,
    IReadOnlyList<HouseholdMember> HouseholdMembers,
    LivingConditions LivingConditions,
    IReadOnlyList<Support> Support,
    IReadOnlyList<CareContact> EmergencyContacts);

/// <summary>
/// The file replaced, reviewed by a named member of staff on a date. changed names the parts that differ from the file
/// before (all of them the first time); fingerprints are keyed hashes of each part, so the next change is found without
/// decrypting.
/// </summary>
public sealed record CareFileReplaced(Guid ElderId, CareFileContent File, IReadOnlyList<string> Changed, IReadOnlyDictionary<string, string> Fingerprints,
    string ReviewedBy, LocalDate ReviewedOn, string District, string Street, string Community, string RecordedBy, Instant RecordedAt);

/// <summary>An elder's care file (探访关爱服务台账 parts 一 to 四), folded inline from its own stream.</summary>
public sealed record CareFile
{
    public Guid Id { get; init; }
    public Guid ElderId { get; init; }
    public CareFileContent? File { get; init; }
    public IReadOnlyDictionary<string, string> Fingerprints { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> LastChanged { get; init; } = [];
    public string ReviewedBy { get; init; } = "";
    public LocalDate ReviewedOn { get; init; }
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public int Reviews { get; init; }
    public Instant RecordedAt { get; init; }
    public long Version { get; set; }

    public CareFile Apply(CareFileReplaced e) => this with
    {
        Id = IdFor(e.ElderId), ElderId = e.ElderId, File = e.File, Fingerprints = e.Fingerprints, LastChanged = e.Changed, ReviewedBy = e.ReviewedBy,
        ReviewedOn = e.ReviewedOn, District = e.District, Street = e.Street, Community = e.Community, Reviews = Reviews + 1, RecordedAt = e.RecordedAt
    };

    public static Guid IdFor(Guid elderId) => NameBasedIds.For($"care-file:{elderId:N}");

    public static bool IsImpaired(AbilityLevel level) => level != AbilityLevel.Intact;

    public const string FieldOfHouseholdIdNumber = "householdMembers.idNumber";
    public const string FieldOfCertificate = "disabilityCertificate.number";
    public const string FieldOfContactPhone = "emergencyContacts.phone";
}

public sealed record DisabilityCertificateView([property: Required] string Number, [property: Required] int Grade);

public sealed record HouseholdMemberView([property: Required] string FullName, [property: Required] Sex Sex, [property: Required] string IdNumber,
    [property: Required] string RelationToHead, [property: Required] string Health, [property: Required] bool MinimumLivingAllowance,
    [property: Required] bool ExtremePoverty);

public sealed record CareContactView([property: Required] string FullName, [property: Required] string Phone, [property: Required] ContactRelation Relation);

/// <param name="Impaired">Whether abilityLevel is anything but intact (失能): a home visit a month and community help a quarter.</param>
/// <param name="Changed">The parts the last replacement changed.</param>
/// <param name="ReviewDueOn">When the next review (每半年动态更新) is due.</param>
public sealed record CareFileView(
    [property: Required] Guid ElderId,
    [property: Required] bool LivesAtRegisteredAddress,
    [property: Required] AbilityLevel AbilityLevel,
    [property: Required] bool Impaired,
    DisabilityCertificateView? DisabilityCertificate,
    [property: Required] IReadOnlyList<HouseholdMemberView> HouseholdMembers,
    [property: Required] LivingConditions LivingConditions,
    [property: Required] IReadOnlyList<Support> Support,
    [property: Required] IReadOnlyList<CareContactView> EmergencyContacts,
    [property: Required] string ReviewedBy,
    [property: Required] LocalDate ReviewedOn,
    [property: Required] LocalDate ReviewDueOn,
    [property: Required] IReadOnlyList<string> Changed,
    [property: Required] int Reviews,
    [property: Required] Instant RecordedAt)
{
    public static CareFileView Of(CareFile f, PersonalData personalData, bool inFull, int reviewEveryMonths)
    {
        var file = f.File!;
        string Reveal(string value, string field, Func<string, string> mask)
        {
            var plain = personalData.Reveal(value, PersonalData.Field(f.ElderId, field));
            return inFull ? plain : mask(plain);
        }
        return new CareFileView(f.ElderId, file.LivesAtRegisteredAddress, file.AbilityLevel, CareFile.IsImpaired(file.AbilityLevel),
            file.DisabilityCertificate is { } c ? new DisabilityCertificateView(Reveal(c.ProtectedNumber, CareFile.FieldOfCertificate, Masking.IdNumber), c.Grade) : null,
            file.HouseholdMembers.Select(m => new HouseholdMemberView(m.FullName, m.Sex,
                Reveal(m.ProtectedIdNumber, CareFile.FieldOfHouseholdIdNumber, Masking.IdNumber), m.RelationToHead, m.Health, m.MinimumLivingAllowance,
                m.ExtremePoverty)).ToList(),
            file.LivingConditions, file.Support,
            file.EmergencyContacts.Select(c => new CareContactView(c.FullName, Reveal(c.ProtectedPhone, CareFile.FieldOfContactPhone, Masking.Phone), c.Relation)).ToList(),
            f.ReviewedBy, f.ReviewedOn, f.ReviewedOn.PlusMonths(reviewEveryMonths), f.LastChanged, f.Reviews, f.RecordedAt);
    }
}
