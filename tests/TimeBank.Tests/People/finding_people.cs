using System.Text.Json;
using Shouldly;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.People;

public sealed class finding_people(AppFixture fixture) : ApiTest(fixture)
{
    /// <summary>A community of its own, so the suite's other people never match.</summary>
    private static string NewCommunity() => $"测试{Guid.NewGuid():N}"[..20];

    private async Task<Guid> Register(string url, Dictionary<string, object?> body, string? key = null) =>
        (await Host.PostAsync(key ?? Keys.Platform, url, body, 201)).GetProperty("id").GetGuid();

    private async Task<JsonElement> Find(string url, string? key = null, int status = 200) =>
        await Host.GetAsync(key ?? Keys.Platform, url, status);

    [Fact]
    public async Task volunteers_are_found_by_area_name_prefix_and_member_code_masked_and_newest_first()
    {
        var community = NewCommunity();
        var first = await Register("/api/volunteers", PeopleRequests.Volunteer().With("community", community).With("fullName", "欧阳明"));
        var second = await Register("/api/volunteers", PeopleRequests.Volunteer().With("community", community).With("fullName", "欧阳华"));
        await Register("/api/volunteers", PeopleRequests.Volunteer().With("community", community).With("fullName", "司马光"));

        var area = await Find($"/api/volunteers?district=河西区&street=友谊路街道&community={community}");
        area.GetProperty("totalItems").GetInt64().ShouldBe(3);
        var byName = await Find($"/api/volunteers?community={community}&namePrefix=欧阳");
        byName.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ShouldBe([second, first]);
        var item = byName.GetProperty("items")[0];
        item.GetProperty("idNumber").GetString()!.ShouldContain("*");
        item.GetProperty("phone").GetString()!.ShouldContain("*");

        var code = await Fixture.MemberCodeOf(first);
        var byCode = await Find($"/api/volunteers?memberCode={code.ToLowerInvariant()}");
        byCode.GetProperty("items").EnumerateArray().Select(v => v.GetProperty("id").GetGuid()).ShouldBe([first]);
        byCode.GetProperty("items")[0].GetProperty("memberCode").GetString().ShouldBe(code);
    }

    [Fact]
    public async Task lists_are_paged()
    {
        var community = NewCommunity();
        for (var i = 0; i < 3; i++) await Register("/api/elders", PeopleRequests.Elder().With("community", community));

        var page = await Find($"/api/elders?community={community}&page=2&pageSize=2");
        (page.GetProperty("pageNumber").GetInt32(), page.GetProperty("pageSize").GetInt32()).ShouldBe((2, 2));
        (page.GetProperty("totalItems").GetInt64(), page.GetProperty("totalPages").GetInt64()).ShouldBe((3, 2));
        page.GetProperty("items").GetArrayLength().ShouldBe(1);
        (await Find($"/api/elders?community={community}&page=9")).GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task a_platform_finds_only_the_people_it_registered_while_auditors_and_admin_find_all()
    {
        var community = NewCommunity();
        var mine = await Register("/api/elders", PeopleRequests.Elder().With("community", community));
        var theirs = await Register("/api/elders", PeopleRequests.Elder().With("community", community), Keys.OtherPlatform);

        Ids(await Find($"/api/elders?community={community}")).ShouldBe([mine]);
        Ids(await Find($"/api/elders?community={community}", Keys.OtherPlatform)).ShouldBe([theirs]);
        Ids(await Find($"/api/elders?community={community}", Keys.Auditor)).ShouldBe([theirs, mine]);
        var admin = await Find($"/api/elders?community={community}", Keys.Admin);
        admin.GetProperty("items")[0].GetProperty("idNumber").GetString()!.ShouldNotContain("*");
        await Find("/api/elders", Keys.Kiosk, 403);
        await Find("/api/volunteers", Keys.Kiosk, 403);
    }

    private static IEnumerable<Guid> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("id").GetGuid());

    [Theory]
    [InlineData("/api/volunteers?page=0", "page")]
    [InlineData("/api/volunteers?pageSize=1000", "pageSize")]
    [InlineData("/api/volunteers?memberCode=ABC", "memberCode")]
    [InlineData("/api/elders?namePrefix=%25", "namePrefix")]
    [InlineData("/api/elders?district=%00", "district")]
    [InlineData("/api/elders?community=", "community")]
    public async Task bad_search_parameters_are_named(string url, string field)
    {
        var problem = await Find(url, status: 400);
        problem.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }
}
