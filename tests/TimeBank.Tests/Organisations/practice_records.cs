using System.Text;
using System.Text.Json;
using Alba;
using MiniExcelLibs;
using NodaTime;
using Shouldly;
using TimeBank.Access.Issuing;
using TimeBank.Organisations;
using TimeBank.Organisations.PracticeRecords;
using TimeBank.ServiceRecords;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Organisations;

/// <summary>A school's practice records (综合素质评价, 实践学分): its students' hours by service type, as CSV and XLSX, for the school's own key.</summary>
public sealed class practice_records(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<string> SchoolKey(Guid school) =>
        (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "新华中学", role = "school", organisationId = school }, 201))
            .Body<IssuedApiKey>()).Key;

    private async Task<byte[]> Download(string key, string url)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", key);
            s.Get.Url(url);
            s.StatusCodeShouldBe(200);
        });
        using var buffer = new MemoryStream();
        await result.Context.Response.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    [Fact]
    public void a_member_without_service_is_listed_with_nothing_and_formula_cells_are_defused()
    {
        var (a, b) = (Guid.NewGuid(), Guid.NewGuid());
        var rows = PracticeSheet.Of([(a, "=HYPERLINK(1)", "1201**"), (b, "王小明", "1201**")],
            [new ServiceRecord { VolunteerId = a, ServiceType = "home-visit", CreditedMinutes = 90 }]);
        rows.Select(r => r.TotalMinutes).ShouldBe([90, 0]);
        var csv = PracticeSheet.Csv(rows).Split("\r\n".ToCharArray(), StringSplitOptions.RemoveEmptyEntries);
        csv[0].ShouldBe("姓名,居民身份证号码,上门探访（小时）,合计（小时）");
        csv[1].ShouldStartWith("'=HYPERLINK(1)");
        csv.ShouldContain("王小明,1201**,0,0");
    }

    [Fact]
    public async Task a_school_downloads_its_students_hours_by_service_type_as_csv_and_xlsx()
    {
        var school = (await (await Host.PostAsync(Keys.Admin, "/api/organisations",
            new { name = "新华中学", kind = "school", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).Body<OrganisationView>()).Id;
        var today = Fixture.ShanghaiNow().Date;
        var first = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, "和平区", today.PlusYears(-16), programme: "youth");
        var second = await CareRequests.RegisterVolunteerAsync(Host, Keys.Platform, "和平区", today.PlusYears(-17), programme: "youth");
        foreach (var student in new[] { first, second })
            await Host.PostAsync(Keys.Platform, $"/api/organisations/{school}/members", new { volunteerId = student, role = "member" }, 200);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var day = today.PlusDays(-3).At(new LocalTime(9, 0));
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(first, elder, day, 90), 201);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(first, elder, day.PlusHours(3), 30, serviceType: "companionship"), 201);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(second, elder, day.PlusHours(5), 60), 201);
        var key = await SchoolKey(school);
        var period = $"from={today.PlusDays(-30):yyyy-MM-dd}&to={today:yyyy-MM-dd}";

        var csv = Encoding.UTF8.GetString(await Download(key, $"/api/organisations/{school}/practice-records?{period}&format=csv"));
        csv[0].ShouldBe('\uFEFF', "a BOM, so spreadsheets read the Chinese right");
        var lines = csv.TrimStart('\uFEFF').Split("\r\n".ToCharArray(), StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldBe("姓名,居民身份证号码,上门探访（小时）,陪伴聊天（小时）,合计（小时）");
        lines.Length.ShouldBe(3);
        lines.Skip(1).Select(l => l.Split(',')[^1]).Order().ShouldBe(["1", "2"]);
        lines.Skip(1).ShouldAllBe(l => l.Split(',')[1].Contains("****"));

        var xlsx = await Download(key, $"/api/organisations/{school}/practice-records?{period}&format=xlsx");
        var rows = new MemoryStream(xlsx).Query(useHeaderRow: true).Cast<IDictionary<string, object>>().ToList();
        rows.Count.ShouldBe(2);
        rows.Select(r => Convert.ToDouble(r["合计（小时）"])).Order().ShouldBe([1.0, 2.0]);
        rows.Single(r => Convert.ToDouble(r["合计（小时）"]) == 2.0)["陪伴聊天（小时）"].ShouldBe(0.5);

        var otherSchool = (await (await Host.PostAsync(Keys.Admin, "/api/organisations",
            new { name = "育才小学", kind = "school", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).Body<OrganisationView>()).Id;
        await Host.GetAsync<JsonElement>(await SchoolKey(otherSchool), $"/api/organisations/{school}/practice-records?{period}", 403);
        await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/organisations/{school}/practice-records?{period}", 403);
        await Host.GetAsync<JsonElement>(key, $"/api/organisations/{school}/practice-records?{period}&format=pdf", 400);
        await Host.GetAsync<JsonElement>(key, $"/api/organisations/{school}/practice-records?from=2026-12-01&to=2026-01-01", 400);
        (await Download(Keys.Admin, $"/api/organisations/{school}/practice-records?{period}")).Length.ShouldBeGreaterThan(10);

        var team = (await (await Host.PostAsync(Keys.Admin, "/api/organisations",
            new { name = "志愿服务队", kind = "volunteer-team", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).Body<OrganisationView>()).Id;
        await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "不是学校", role = "school", organisationId = team }, 422);
        await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "没有学校", role = "school" }, 400);
    }
}
