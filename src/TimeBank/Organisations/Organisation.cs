using System.ComponentModel.DataAnnotations;
using JasperFx.Events.Projections;

namespace TimeBank.Organisations;

/// <summary>What an organisation is (社区, 社工站, 养老机构, 学校, 志愿服务组织, 企业): who publishes needs and who serves them.</summary>
public enum OrganisationKind { Community, SocialWorkStation, CareHome, School, VolunteerTeam, Company, Other }

public enum MemberRole { Member, Leader }

public sealed record OrganisationRegistered(Guid OrganisationId, string Name, OrganisationKind Kind, string District, string Street, string Community,
    string RegisteredBy, Instant RegisteredAt);

public sealed record MemberJoined(Guid OrganisationId, Guid VolunteerId, MemberRole Role, string AddedBy, Instant JoinedAt);

public sealed record MemberLeft(Guid OrganisationId, Guid VolunteerId, string RemovedBy, Instant LeftAt);

public sealed record Membership(Guid VolunteerId, MemberRole Role, Instant JoinedAt);

/// <summary>An organisation folded inline from its stream, with its current members.</summary>
public sealed record Organisation
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public OrganisationKind Kind { get; init; }
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public Instant RegisteredAt { get; init; }
    public IReadOnlyList<Membership> Members { get; init; } = [];
    public long Version { get; set; }

    public Organisation Apply(OrganisationRegistered e) => this with
    {
        Id = e.OrganisationId, Name = e.Name, Kind = e.Kind, District = e.District, Street = e.Street, Community = e.Community,
        RegisteredAt = e.RegisteredAt
    };

    public Organisation Apply(MemberJoined e) => this with
    {
        Members = [.. Members.Where(m => m.VolunteerId != e.VolunteerId), new Membership(e.VolunteerId, e.Role, e.JoinedAt)]
    };

    public Organisation Apply(MemberLeft e) => this with { Members = [.. Members.Where(m => m.VolunteerId != e.VolunteerId)] };

    public Membership? MemberOf(Guid volunteer) => Members.FirstOrDefault(m => m.VolunteerId == volunteer);
}

/// <param name="Members">Current members, in the order they joined.</param>
/// <param name="Rating">Ratings of the services its members completed on claims made for it.</param>
public sealed record OrganisationView(
    [property: Required] Guid Id,
    [property: Required] string Name,
    [property: Required] OrganisationKind Kind,
    [property: Required] string District,
    [property: Required] string Street,
    [property: Required] string Community,
    [property: Required] Instant RegisteredAt,
    [property: Required] IReadOnlyList<Membership> Members,
    [property: Required] ServiceRecords.Rating.RatingSummary Rating)
{
    public static OrganisationView Of(Organisation o, ServiceRecords.Rating.OrganisationRating? rating = null) =>
        new(o.Id, o.Name, o.Kind, o.District, o.Street, o.Community, o.RegisteredAt, o.Members, ServiceRecords.Rating.RatingSummary.Of(rating));
}

public static class OrganisationsSetup
{
    public static StoreOptions AddOrganisations(this StoreOptions opts)
    {
        opts.InlineSnapshot<Organisation>();
        return opts;
    }
}
