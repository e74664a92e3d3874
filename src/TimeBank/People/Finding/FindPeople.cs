using Marten.Pagination;
using Microsoft.Extensions.Options;
using TimeBank.People.GettingDetails;

namespace TimeBank.People.Finding;

/// <summary>What a list of volunteers or elders is narrowed by; every criterion given must match.</summary>
public sealed record PeopleSearch(string? District, string? Street, string? Community, string? NamePrefix, string? MemberCode, int Page, int PageSize)
{
    public const int MaxText = 50;

    public static PeopleSearch Read(string? district, string? street, string? community, string? namePrefix, string? memberCode,
        int? page, int? pageSize, IDictionary<string, string[]> errors)
    {
        Text(errors, "district", district);
        Text(errors, "street", street);
        Text(errors, "community", community);
        if (Text(errors, "namePrefix", namePrefix) && namePrefix!.IndexOfAny(['%', '_', '\\']) >= 0)
            errors["namePrefix"] = ["namePrefix is the start of a name, without % _ or \\."];
        string? code = null;
        if (memberCode is not null)
        {
            var reading = MemberCodes.Read(memberCode);
            if (reading.Code is null) errors["memberCode"] = [reading.Problem!];
            code = reading.Code;
        }
        var (number, size) = Paging.Read(page, pageSize, errors);
        return new(district?.Trim(), street?.Trim(), community?.Trim(), namePrefix?.Trim(), code, number, size);
    }

    private static bool Text(IDictionary<string, string[]> errors, string field, string? value)
    {
        if (value is null) return false;
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > MaxText)
        {
            errors[field] = [$"{field} is 1 to {MaxText} characters."];
            return false;
        }
        return true;
    }

    /// <summary>
    /// People matching every criterion, newest first, with their member codes. A platform sees only the people it
    /// registered or that granted it access; admin and auditors see everyone.
    /// </summary>
    public async Task<(IPagedList<T> People, IReadOnlyDictionary<Guid, string> Codes)> RunAsync<T>(IQuerySession session,
        MemberDirectory members, Caller caller, CancellationToken cancellation) where T : IPerson
    {
        var query = session.Query<T>().AsQueryable();
        if (caller.Role == Roles.Platform)
        {
            var granted = await session.Query<Granting.AccessGrant>().Where(g => g.ApiKeyId == caller.KeyId && g.Active)
                .Select(g => g.PersonId).ToListAsync(cancellation);
            query = query.Where(PersonQueries.ActedForBy<T>(caller.KeyId, [.. granted]));
        }
        if (District is not null) query = query.Where(PersonQueries.Is<T>(nameof(IPerson.District), District));
        if (Street is not null) query = query.Where(PersonQueries.Is<T>(nameof(IPerson.Street), Street));
        if (Community is not null) query = query.Where(PersonQueries.Is<T>(nameof(IPerson.Community), Community));
        if (NamePrefix is not null) query = query.Where(PersonQueries.StartsWith<T>(nameof(IPerson.FullName), NamePrefix));
        if (MemberCode is not null)
        {
            var card = await members.FindAsync(MemberCode, cancellation);
            query = query.Where(PersonQueries.Is<T>(nameof(IPerson.Id), card?.PersonId ?? Guid.Empty));
        }

        var people = await query.OrderByDescending(PersonQueries.Member<T, Guid>(nameof(IPerson.Id))).ToPagedListAsync(Page, PageSize, cancellation);
        var ids = people.Select(p => p.Id).ToArray();
        var cards = await session.Query<MemberCard>().Where(c => ids.Contains(c.PersonId)).ToListAsync(cancellation);
        return (people, cards.ToDictionary(c => c.PersonId, c => c.Id));
    }
}

public static class FindPeopleEndpoints
{
    /// <summary>
    /// Finds volunteers, newest first: by district, street and community, the start of the name, or the member code.
    /// idNumber and phones are masked for every role but admin. A platform key lists only the volunteers it registered or that granted it access.
    /// </summary>
    /// <param name="district">The district (区), exactly as registered.</param>
    /// <param name="street">The street (街道), exactly as registered.</param>
    /// <param name="community">The community (社区), exactly as registered.</param>
    /// <param name="namePrefix">The first characters of the full name, e.g. 张.</param>
    /// <param name="memberCode">The 8-character code on the member card.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">People per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/volunteers", OperationId = "FindVolunteers")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<Page<VolunteerView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Volunteers([FromQuery] string? district, [FromQuery] string? street, [FromQuery] string? community,
        [FromQuery] string? namePrefix, [FromQuery] string? memberCode, [FromQuery] int? page, [FromQuery] int? pageSize,
        IQuerySession session, MemberDirectory members, PersonalData personalData, IClock clock, IOptions<TimeBankOptions> options,
        HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var search = PeopleSearch.Read(district, street, community, namePrefix, memberCode, page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var (people, codes) = await search.RunAsync<Volunteer>(session, members, context.Caller(), context.RequestAborted);
        var disclosure = Disclosure.For(context.User, personalData);
        var today = PersonFields.Today(clock, options.Value);
        var ratings = (await session.LoadManyAsync<ServiceRecords.Rating.VolunteerRating>(context.RequestAborted, people.Select(v => v.Id)))
            .ToDictionary(r => r.Id);
        return Results.Ok(Page<VolunteerView>.Of(people, v => VolunteerView.Of(v, codes.GetValueOrDefault(v.Id), disclosure, today, ratings.GetValueOrDefault(v.Id))));
    }

    /// <summary>
    /// Finds elders, newest first: by district, street and community, the start of the name, or the member code.
    /// idNumber and phones are masked for every role but admin. A platform key lists only the elders it registered or that granted it access.
    /// </summary>
    /// <param name="district">The district (区), exactly as registered.</param>
    /// <param name="street">The street (街道), exactly as registered.</param>
    /// <param name="community">The community (社区), exactly as registered.</param>
    /// <param name="namePrefix">The first characters of the full name, e.g. 王.</param>
    /// <param name="memberCode">The 8-character code on the member card.</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">People per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/elders", OperationId = "FindElders")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<Page<ElderView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Elders([FromQuery] string? district, [FromQuery] string? street, [FromQuery] string? community,
        [FromQuery] string? namePrefix, [FromQuery] string? memberCode, [FromQuery] int? page, [FromQuery] int? pageSize,
        IQuerySession session, MemberDirectory members, PersonalData personalData, IClock clock, IOptions<TimeBankOptions> options,
        HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var search = PeopleSearch.Read(district, street, community, namePrefix, memberCode, page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        var (people, codes) = await search.RunAsync<Elder>(session, members, context.Caller(), context.RequestAborted);
        var disclosure = Disclosure.For(context.User, personalData);
        var today = PersonFields.Today(clock, options.Value);
        return Results.Ok(Page<ElderView>.Of(people, e => ElderView.Of(e, codes.GetValueOrDefault(e.Id), disclosure, today)));
    }
}
