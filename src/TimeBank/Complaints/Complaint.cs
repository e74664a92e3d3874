using System.ComponentModel.DataAnnotations;
using JasperFx.Events.Projections;
using TimeBank.People;

namespace TimeBank.Complaints;

public enum ComplaintCategory { NoShow, PoorQuality, Misconduct, FalseRecord, Other }

public enum ComplaintStatus { Open, Acknowledged, Resolved }

public enum ComplaintOutcome { Upheld, Dismissed }

/// <summary>What a complaint is about: one service record, one volunteer or one organisation.</summary>
public sealed record ComplaintSubject(Guid? ServiceRecordId, Guid? VolunteerId, Guid? OrganisationId);

/// <summary>A complaint (投诉) as filed. The complainant's phone is kept only as ciphertext, like a person's.</summary>
public sealed record ComplaintFiled(Guid ComplaintId, string Reference, ComplaintSubject About, ComplaintCategory Category, string Description,
    string FiledByName, string ProtectedFiledByPhone, string FiledByRelation, string FiledByKey, Instant FiledAt);

public sealed record ComplaintAcknowledged(Guid ComplaintId, string AcknowledgedBy, Instant AcknowledgedAt);

/// <summary>The decision; an upheld complaint about a record may reverse it in the same transaction.</summary>
public sealed record ComplaintResolved(Guid ComplaintId, ComplaintOutcome Outcome, string Note, Guid? ReversedRecordId, string ResolvedBy, Instant ResolvedAt);

public sealed record Complaint
{
    public Guid Id { get; init; }
    public string Reference { get; init; } = "";
    public ComplaintSubject About { get; init; } = new(null, null, null);
    public ComplaintCategory Category { get; init; }
    public string Description { get; init; } = "";
    public string FiledByName { get; init; } = "";
    public string ProtectedFiledByPhone { get; init; } = "";
    public string FiledByRelation { get; init; } = "";
    public string FiledByKey { get; init; } = "";
    public Instant FiledAt { get; init; }

    // For the overdue list: a plain comparison in SQL.
    public long FiledAtUnixMs { get; init; }
    public ComplaintStatus Status { get; init; }
    public Instant? AcknowledgedAt { get; init; }
    public ComplaintOutcome? Outcome { get; init; }
    public string? ResolutionNote { get; init; }
    public Guid? ReversedRecordId { get; init; }
    public Instant? ResolvedAt { get; init; }
    public string? ResolvedBy { get; init; }
    public long Version { get; set; }

    public Complaint Apply(ComplaintFiled e) => this with
    {
        Id = e.ComplaintId, Reference = e.Reference, About = e.About, Category = e.Category, Description = e.Description, FiledByName = e.FiledByName,
        ProtectedFiledByPhone = e.ProtectedFiledByPhone, FiledByRelation = e.FiledByRelation, FiledByKey = e.FiledByKey, FiledAt = e.FiledAt,
        FiledAtUnixMs = e.FiledAt.ToUnixTimeMilliseconds(), Status = ComplaintStatus.Open
    };

    public Complaint Apply(ComplaintAcknowledged e) => this with { Status = ComplaintStatus.Acknowledged, AcknowledgedAt = e.AcknowledgedAt };

    public Complaint Apply(ComplaintResolved e) => this with
    {
        Status = ComplaintStatus.Resolved, AcknowledgedAt = AcknowledgedAt ?? e.ResolvedAt, Outcome = e.Outcome, ResolutionNote = e.Note,
        ReversedRecordId = e.ReversedRecordId, ResolvedAt = e.ResolvedAt, ResolvedBy = e.ResolvedBy
    };

    public static string FieldOfPhone => "filedBy.phone";
}

public sealed record ComplainantView([property: Required] string Name, [property: Required] string Phone, [property: Required] string Relation);

/// <param name="Reference">The number given to the complainant (投诉编号).</param>
/// <param name="FiledBy">The complainant: name and phone in full for admins, masked for every other role.</param>
public sealed record ComplaintView(
    [property: Required] Guid Id,
    [property: Required] string Reference,
    [property: Required] ComplaintSubject About,
    [property: Required] ComplaintCategory Category,
    [property: Required] string Description,
    [property: Required] ComplainantView FiledBy,
    [property: Required] ComplaintStatus Status,
    [property: Required] Instant FiledAt,
    Instant? AcknowledgedAt,
    ComplaintOutcome? Outcome,
    string? ResolutionNote,
    Guid? ReversedRecordId,
    Instant? ResolvedAt)
{
    public static ComplaintView Of(Complaint c, PersonalData personalData, bool inFull)
    {
        var phone = personalData.Reveal(c.ProtectedFiledByPhone, PersonalData.Field(c.Id, Complaint.FieldOfPhone));
        var filedBy = inFull ? new ComplainantView(c.FiledByName, phone, c.FiledByRelation)
            : new ComplainantView(Masking.Name(c.FiledByName), Masking.Phone(phone), c.FiledByRelation);
        return new ComplaintView(c.Id, c.Reference, c.About, c.Category, c.Description, filedBy, c.Status, c.FiledAt, c.AcknowledgedAt, c.Outcome,
            c.ResolutionNote, c.ReversedRecordId, c.ResolvedAt);
    }
}

public sealed class ComplaintOptions
{
    public const string Section = "TimeBank:Complaints";

    /// <summary>How long a complaint may wait for acknowledgement before it is overdue.</summary>
    public TimeSpan AcknowledgeWithin { get; set; } = TimeSpan.FromDays(3);

    public IEnumerable<string> Problems() =>
        Settings.Found(Settings.Between($"{Section}:AcknowledgeWithin", AcknowledgeWithin, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365)));
}

public static class ComplaintsSetup
{
    public static IServiceCollection AddComplaints(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ComplaintOptions>(configuration.GetSection(ComplaintOptions.Section));
        return services;
    }

    public static StoreOptions AddComplaints(this StoreOptions opts)
    {
        opts.InlineSnapshot<Complaint>();
        return opts;
    }
}
