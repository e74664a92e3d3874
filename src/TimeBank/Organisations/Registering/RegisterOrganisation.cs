using System.ComponentModel.DataAnnotations;
using Marten.Pagination;
using TimeBank.People;

namespace TimeBank.Organisations.Registering;

/// <summary>An organisation that publishes elders' needs or serves them.</summary>
public sealed record RegisterOrganisationRequest(
    [property: Required] string? Name,
    [property: Required] [property: OneOf<OrganisationKind>] string? Kind,
    [property: Required] string? District,
    [property: Required] string? Street,
    [property: Required] string? Community);

public sealed record RegisterOrganisation(Guid OrganisationId, string Name, OrganisationKind Kind, string District, string Street, string Community);

public static class RegisterOrganisationEndpoint
{
    public const int MaxName = 100;

    public static ProblemDetails Validate(RegisterOrganisationRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Name) || request.Name.Trim().Length > MaxName) errors["name"] = [$"A name of 1 to {MaxName} characters is required."];
        PersonFields.OneOf<OrganisationKind>(errors, "kind", request.Kind);
        PersonFields.AddressParts(errors, request.District, request.Street, request.Community);
        return Problems.Validate(errors);
    }

    /// <summary>Registers an organisation (admin): a community, social-work station, care home, school, volunteer team, company or other.</summary>
    [WolverinePost("/api/organisations", OperationId = "RegisterOrganisation")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<OrganisationView>(StatusCodes.Status201Created)]
    public static async Task<IResult> Post(RegisterOrganisationRequest request, IMessageBus bus, HttpContext context)
    {
        PersonFields.TryParse<OrganisationKind>(request.Kind, out var kind);
        var command = new RegisterOrganisation(Guid.CreateVersion7(), request.Name!.Trim(), kind,
            request.District!.Trim(), request.Street!.Trim(), request.Community!.Trim());
        var outcome = await bus.InvokeForRequestAsync(command, context);
        return outcome.ToResult<OrganisationView>(o => $"/api/organisations/{o.Id}");
    }
}

public static class RegisterOrganisationHandler
{
    public static Outcome Handle(RegisterOrganisation command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var registered = Decide(command, Scopes.CallerOf(envelope), clock.GetCurrentInstant());
        session.Events.StartStream<Organisation>(registered.OrganisationId, registered);
        return Outcome.New(OrganisationView.Of(new Organisation().Apply(registered)));
    }

    public static OrganisationRegistered Decide(RegisterOrganisation command, Caller caller, Instant now) =>
        new(command.OrganisationId, command.Name, command.Kind, command.District, command.Street, command.Community, caller.KeyId, now);
}

public static class GetOrganisationEndpoint
{
    /// <summary>An organisation with its members.</summary>
    [WolverineGet("/api/organisations/{id}", OperationId = "GetOrganisation")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<OrganisationView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var batch = session.CreateBatchQuery();
        var loaded = batch.Load<Organisation>(id);
        var rating = batch.Load<ServiceRecords.Rating.OrganisationRating>(id);
        await batch.Execute(cancellation);
        return await loaded is { } organisation ? Results.Ok(OrganisationView.Of(organisation, await rating)) : Problems.NotFound("Organisation", id).ToResult();
    }
}

public static class ListOrganisationsEndpoint
{
    /// <summary>Organisations, by name; kind and district narrow the list.</summary>
    /// <param name="kind">Only organisations of this kind.</param>
    /// <param name="district">Only organisations in this district (区).</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Organisations per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/organisations", OperationId = "ListOrganisations")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<Page<OrganisationView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, OneOf<OrganisationKind>] string? kind, [FromQuery] string? district, [FromQuery] int? page,
        [FromQuery] int? pageSize, IQuerySession session, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = PersonFields.OneOf<OrganisationKind>(errors, "kind", kind, required: false);
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var query = session.Query<Organisation>().AsQueryable();
        if (wanted is { } k) query = query.Where(o => o.Kind == k);
        if (!string.IsNullOrWhiteSpace(district)) query = query.Where(o => o.District == district.Trim());
        var found = await query.OrderBy(o => o.Name).ThenBy(o => o.Id).ToPagedListAsync(number, size, cancellation);
        var ratings = (await session.LoadManyAsync<ServiceRecords.Rating.OrganisationRating>(cancellation, found.Select(o => o.Id))).ToDictionary(r => r.Id);
        return Results.Ok(Page<OrganisationView>.Of(found, o => OrganisationView.Of(o, ratings.GetValueOrDefault(o.Id))));
    }
}
