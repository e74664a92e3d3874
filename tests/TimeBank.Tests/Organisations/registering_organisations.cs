using System.Text.Json;
using Alba;
using Shouldly;
using TimeBank.Organisations;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Organisations;

/// <summary>Organisations that publish needs or serve them, and the volunteers who belong to them.</summary>
public sealed class registering_organisations(AppFixture fixture) : ApiTest(fixture)
{
    public static object Body(string kind = "volunteer-team", string district = "和平区", string? name = null) =>
        new { name = name ?? $"和平区志愿服务队{Guid.NewGuid():N}"[..20], kind, district, street = "劝业场街道", community = "新津社区" };

    private async Task<OrganisationView> Register(object? body = null) =>
        await (await Host.PostAsync(Keys.Admin, "/api/organisations", body ?? Body(), 201)).Body<OrganisationView>();

    private Task<IScenarioResult> Delete(string key, string url, int status) => Host.Scenario(s =>
    {
        s.WithRequestHeader("X-Api-Key", key);
        s.Delete.Url(url);
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task an_admin_registers_an_organisation_that_everyone_but_kiosks_can_read()
    {
        var created = await Host.PostAsync(Keys.Admin, "/api/organisations", Body("social-work-station"), 201);
        var organisation = await created.Body<OrganisationView>();
        created.Context.Response.Headers.Location.ToString().ShouldBe($"/api/organisations/{organisation.Id}");
        organisation.Kind.ShouldBe(OrganisationKind.SocialWorkStation);
        (organisation.Rating.Count, organisation.Rating.Average).ShouldBe((0, (decimal?)null));
        (await created.ReadAsTextAsync()).ShouldContain("\"kind\":\"social-work-station\"");

        foreach (var key in new[] { Keys.Admin, Keys.Platform, Keys.Auditor })
        {
            (await Host.GetAsync<OrganisationView>(key, $"/api/organisations/{organisation.Id}")).Name.ShouldBe(organisation.Name);
        }
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/organisations/{organisation.Id}", 403);
        await Host.GetAsync<JsonElement>(Keys.Admin, $"/api/organisations/{Guid.NewGuid()}", 404);
    }

    [Fact]
    public async Task only_an_admin_registers_and_a_bad_organisation_is_refused_naming_the_field()
    {
        await Host.PostAsync(Keys.Platform, "/api/organisations", Body(), 403);
        var problem = await (await Host.PostAsync(Keys.Admin, "/api/organisations", Body(kind: "club"), 400)).ReadAsTextAsync();
        problem.ShouldContain("\"kind\"");
        await Host.PostAsync(Keys.Admin, "/api/organisations", new { name = "", kind = "school", district = "和平区", street = "x", community = "y" }, 400);
    }

    [Fact]
    public async Task organisations_are_listed_by_kind_and_district()
    {
        var district = $"区{Guid.NewGuid():N}"[..10];
        var school = await Register(Body("school", district));
        var team = await Register(Body("volunteer-team", district));
        var page = await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/organisations?district={district}&kind=school");
        page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ShouldBe([school.Id]);
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/organisations?district={district}")).GetProperty("totalItems").GetInt32().ShouldBe(2);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/organisations?kind=club", 400);
        team.Kind.ShouldBe(OrganisationKind.VolunteerTeam);
    }

    [Fact]
    public async Task a_volunteer_joins_several_organisations_changes_role_and_leaves()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var school = await Register(Body("school"));
        var team = await Register(Body("volunteer-team"));

        var joined = await (await Host.PostAsync(Keys.Platform, $"/api/organisations/{school.Id}/members", new { volunteerId = volunteer, role = "member" }, 200))
            .Body<OrganisationView>();
        joined.Members.ShouldHaveSingleItem().ShouldBe(new Membership(volunteer, MemberRole.Member, joined.Members[0].JoinedAt));
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{team.Id}/members", new { volunteerId = volunteer, role = "leader" }, 200);
        var again = await (await Host.PostAsync(Keys.Platform, $"/api/organisations/{school.Id}/members", new { volunteerId = volunteer, role = "member" }, 200))
            .Body<OrganisationView>();
        again.Members.ShouldHaveSingleItem();
        var promoted = await (await Host.PostAsync(Keys.Admin, $"/api/organisations/{school.Id}/members", new { volunteerId = volunteer, role = "leader" }, 200))
            .Body<OrganisationView>();
        promoted.Members.ShouldHaveSingleItem().Role.ShouldBe(MemberRole.Leader);

        await Delete(Keys.OtherPlatform, $"/api/organisations/{school.Id}/members/{volunteer}", 403);
        var left = await (await Delete(Keys.Platform, $"/api/organisations/{school.Id}/members/{volunteer}", 200)).Body<OrganisationView>();
        left.Members.ShouldBeEmpty();
        await Delete(Keys.Platform, $"/api/organisations/{school.Id}/members/{volunteer}", 404);
        (await Host.GetAsync<OrganisationView>(Keys.Auditor, $"/api/organisations/{team.Id}")).Members.ShouldHaveSingleItem().Role.ShouldBe(MemberRole.Leader);
    }

    [Fact]
    public async Task members_are_registered_volunteers_the_caller_acts_for()
    {
        var organisation = await Register();
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Host.PostAsync(Keys.OtherPlatform, $"/api/organisations/{organisation.Id}/members", new { volunteerId = volunteer, role = "member" }, 403);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{organisation.Id}/members", new { volunteerId = Guid.NewGuid(), role = "member" }, 422);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{organisation.Id}/members", new { volunteerId = await Host.RegisterElderAsync(Keys.Platform), role = "member" }, 422);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{Guid.NewGuid()}/members", new { volunteerId = volunteer, role = "member" }, 404);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{organisation.Id}/members", new { volunteerId = volunteer, role = "boss" }, 400);
        await Host.PostAsync(Keys.Kiosk, $"/api/organisations/{organisation.Id}/members", new { volunteerId = volunteer, role = "member" }, 403);
        (await Host.GetAsync<OrganisationView>(Keys.Admin, $"/api/organisations/{organisation.Id}")).Members.ShouldBeEmpty();
    }
}
