using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using Microsoft.Extensions.Options;
using TimeBank.Organisations;
using TimeBank.People;
using TimeBank.ServiceRecords;

namespace TimeBank.Complaints.Filing;

/// <param name="ServiceRecordId">A service record complained about.</param>
/// <param name="VolunteerId">Or a volunteer.</param>
/// <param name="OrganisationId">Or an organisation.</param>
public sealed record ComplaintSubjectRequest(Guid? ServiceRecordId, Guid? VolunteerId, Guid? OrganisationId);

/// <param name="Relation">How the complainant relates to the elder (本人, 子女, 邻居, …).</param>
public sealed record ComplainantRequest([property: Required] string? Name, [property: Required] string? Phone, [property: Required] string? Relation);

/// <param name="About">Exactly one of serviceRecordId, volunteerId, organisationId.</param>
public sealed record FileComplaintRequest(
    [property: Required] ComplaintSubjectRequest? About,
    [property: Required] [property: OneOf<ComplaintCategory>] string? Category,
    [property: Required] string? Description,
    [property: Required] ComplainantRequest? FiledBy);

public sealed record FileComplaint(ComplaintSubject About, ComplaintCategory Category, string Description, string Name, string Phone, string Relation)
    : IKeyedCommand;

public static class FileComplaintEndpoint
{
    public const int MaxDescription = 1000;
    public const int MaxName = 50;
    public const int MaxRelation = 20;

    public static ProblemDetails Validate(FileComplaintRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        var named = new[] { request.About?.ServiceRecordId, request.About?.VolunteerId, request.About?.OrganisationId }.Count(id => id is not null && id != Guid.Empty);
        if (named != 1) errors["about"] = ["Name exactly one of serviceRecordId, volunteerId, organisationId."];
        PersonFields.OneOf<ComplaintCategory>(errors, "category", request.Category);
        if (string.IsNullOrWhiteSpace(request.Description) || request.Description.Trim().Length > MaxDescription)
            errors["description"] = [$"A description of 1 to {MaxDescription} characters is required."];
        if (string.IsNullOrWhiteSpace(request.FiledBy?.Name) || request.FiledBy.Name.Trim().Length > MaxName)
            errors["filedBy.name"] = [$"The complainant's name, 1 to {MaxName} characters, is required."];
        PersonFields.Phone(errors, "filedBy.phone", request.FiledBy?.Phone);
        if (string.IsNullOrWhiteSpace(request.FiledBy?.Relation) || request.FiledBy.Relation.Trim().Length > MaxRelation)
            errors["filedBy.relation"] = [$"How the complainant relates to the elder, 1 to {MaxRelation} characters, is required."];
        return Problems.Validate(errors);
    }

    /// <summary>Files a complaint (投诉): 201, status open, with a reference number. Idempotent on the Idempotency-Key header.</summary>
    [WolverinePost("/api/complaints", OperationId = "FileComplaint")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ComplaintView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(FileComplaintRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        static Guid? Named(Guid? id) => id == Guid.Empty ? null : id;
        PersonFields.TryParse<ComplaintCategory>(request.Category, out var category);
        var about = new ComplaintSubject(Named(request.About!.ServiceRecordId), Named(request.About.VolunteerId), Named(request.About.OrganisationId));
        var command = new FileComplaint(about, category, request.Description!.Trim(), request.FiledBy!.Name!.Trim(), request.FiledBy.Phone!.Trim(),
            request.FiledBy.Relation!.Trim());
        return (await bus.InvokeForRequestAsync(command, context)).ToResult<ComplaintView>(c => $"/api/complaints/{c.Id}");
    }
}

public static class FileComplaintHandler
{
    public static async Task<Outcome> Handle(FileComplaint command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData)
    {
        var about = command.About;
        var exists = about switch
        {
            { ServiceRecordId: { } record } => await session.LoadAsync<ServiceRecord>(record) is not null,
            { VolunteerId: { } volunteer } => await session.LoadAsync<Volunteer>(volunteer) is not null,
            { OrganisationId: { } organisation } => await session.LoadAsync<Organisation>(organisation) is not null,
            _ => false
        };
        var id = Guid.CreateVersion7();
        var protectedPhone = personalData.Protect(command.Phone, PersonalData.Field(id, Complaint.FieldOfPhone));
        var caller = Scopes.CallerOf(envelope);
        var decision = Decide(command, id, exists, protectedPhone, caller, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        session.Events.StartStream<Complaint>(id, decision.Events);
        return Outcome.New(ComplaintView.Of(new Complaint().Apply(decision.Events), personalData, caller.Role == Roles.Admin));
    }

    public static Decision<ComplaintFiled> Decide(FileComplaint command, Guid id, bool subjectExists, string protectedPhone, Caller caller, Instant now)
    {
        if (!subjectExists)
        {
            var field = command.About.ServiceRecordId is not null ? "about.serviceRecordId" : command.About.VolunteerId is not null ? "about.volunteerId" : "about.organisationId";
            return new UnknownReferences("The complaint is about something that is not registered.", $"{field} names nothing known.",
                new Dictionary<string, string[]> { [field] = ["Unknown."] });
        }
        return new ComplaintFiled(id, ReferenceOf(id, now), command.About, command.Category, command.Description, command.Name, protectedPhone,
            command.Relation, caller.KeyId, now);
    }

    /// <summary>TS, the filing date in Shanghai, and six characters of the id: TS20261124-3F9A1C.</summary>
    public static string ReferenceOf(Guid id, Instant filedAt) =>
        $"TS{filedAt.InZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).Date:yyyyMMdd}-{id.ToString("N")[^6..].ToUpperInvariant()}";
}

public static class GetComplaintEndpoint
{
    /// <summary>One complaint (admin, reviewer, auditor; a platform the complaints it filed). The complainant is masked for all but admin.</summary>
    [WolverineGet("/api/complaints/{id}", OperationId = "GetComplaint")]
    [Authorize(Roles = Roles.ComplaintReaders)]
    [ProducesResponseType<ComplaintView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, HttpContext context, CancellationToken cancellation)
    {
        var complaint = await session.LoadAsync<Complaint>(id, cancellation);
        var caller = context.Caller();
        if (complaint is null || (caller.Role == Roles.Platform && complaint.FiledByKey != caller.KeyId)) return Problems.NotFound("Complaint", id).ToResult();
        return Results.Ok(ComplaintView.Of(complaint, personalData, caller.Role == Roles.Admin));
    }
}

public static class ListComplaintsEndpoint
{
    /// <summary>Complaints, oldest first (a platform: those it filed). overdue=true keeps the open ones not acknowledged in time (TimeBank__Complaints__AcknowledgeWithin, 3 days).</summary>
    /// <param name="status">open, acknowledged or resolved.</param>
    /// <param name="overdue">true: only open complaints waiting longer than allowed for acknowledgement.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Complaints per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/complaints", OperationId = "ListComplaints")]
    [Authorize(Roles = Roles.ComplaintReaders)]
    [ProducesResponseType<Page<ComplaintView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, OneOf<ComplaintStatus>] string? status, [FromQuery] bool? overdue, [FromQuery] int? page,
        [FromQuery] int? pageSize, IQuerySession session, PersonalData personalData, IClock clock, IOptions<ComplaintOptions> options,
        HttpContext context, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = PersonFields.OneOf<ComplaintStatus>(errors, "status", status, required: false);
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var caller = context.Caller();
        var query = session.Query<Complaint>().AsQueryable();
        if (caller.Role == Roles.Platform) query = query.Where(c => c.FiledByKey == caller.KeyId);
        if (wanted is { } s) query = query.Where(c => c.Status == s);
        if (overdue == true)
        {
            var filedBefore = (clock.GetCurrentInstant() - Duration.FromTimeSpan(options.Value.AcknowledgeWithin)).ToUnixTimeMilliseconds();
            query = query.Where(c => c.Status == ComplaintStatus.Open && c.FiledAtUnixMs < filedBefore);
        }
        var found = await query.OrderBy(c => c.FiledAtUnixMs).ThenBy(c => c.Id).ToPagedListAsync(number, size, cancellation);
        return Results.Ok(Page<ComplaintView>.Of(found, c => ComplaintView.Of(c, personalData, caller.Role == Roles.Admin)));
    }
}
