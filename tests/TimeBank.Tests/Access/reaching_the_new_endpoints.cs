using System.Text.Json;
using Shouldly;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Access;

/// <summary>Every role outside an endpoint's list gets a 403 problem from the loop, complaint, integrity, grant, cluster and care endpoints.</summary>
public sealed class reaching_the_new_endpoints(AppFixture fixture) : ApiTest(fixture)
{
    private static string? _reviewer;
    private static string? _careWorker;
    private static string? _coordinator;
    private static string? _school;

    private async Task<string> SchoolKeyAsync()
    {
        var school = JsonDocument.Parse(await (await Host.PostAsync(Keys.Admin, "/api/organisations",
            new { name = "角色测试学校", kind = "school", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).ReadAsTextAsync())
            .RootElement.GetProperty("id").GetGuid();
        return (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "角色测试学校", role = "school", organisationId = school }, 201))
            .Body<TimeBank.Access.Issuing.IssuedApiKey>()).Key;
    }

    public static TheoryData<string, string, string> Endpoints()
    {
        var id = Guid.NewGuid();
        var data = new TheoryData<string, string, string>();
        foreach (var (method, url, roles) in new (string, string, string)[]
                 {
                     ("GET", "/api/cluster", "admin,auditor"),
                     ("POST", $"/api/people/{id}/grants", "admin,platform"),
                     ("DELETE", $"/api/people/{id}/grants/{id}", "admin,platform"),
                     ("GET", $"/api/people/{id}/grants", "admin,platform,auditor"),
                     ("POST", "/api/organisations", "admin"),
                     ("GET", "/api/organisations", "admin,platform,auditor"),
                     ("GET", $"/api/organisations/{id}", "admin,platform,auditor"),
                     ("POST", $"/api/organisations/{id}/members", "admin,platform"),
                     ("DELETE", $"/api/organisations/{id}/members/{id}", "admin,platform"),
                     ("POST", "/api/service-requests", "admin,platform"),
                     ("GET", "/api/service-requests", "admin,platform,auditor"),
                     ("GET", "/api/service-requests/unmet?month=2026-11", "admin,platform,auditor,coordinator"),
                     ("GET", $"/api/service-requests/{id}", "admin,platform,auditor"),
                     ("POST", $"/api/service-requests/{id}/claims", "admin,platform"),
                     ("DELETE", $"/api/service-requests/{id}/claims/{id}", "admin,platform"),
                     ("POST", $"/api/service-requests/{id}/completions", "admin,platform"),
                     ("POST", $"/api/service-records/{id}/rating", "admin,platform"),
                     ("POST", "/api/complaints", "admin,platform"),
                     ("GET", "/api/complaints", "admin,platform,auditor,reviewer"),
                     ("GET", $"/api/complaints/{id}", "admin,platform,auditor,reviewer"),
                     ("POST", $"/api/complaints/{id}/acknowledge", "admin,reviewer"),
                     ("POST", $"/api/complaints/{id}/resolve", "admin,reviewer"),
                     ("GET", "/api/integrity/flags", "admin,auditor,reviewer"),
                     ("POST", $"/api/integrity/flags/{id}/decision", "admin,reviewer"),
                     ("PUT", $"/api/elders/{id}/care-file", "admin,platform,care-worker"),
                     ("GET", $"/api/elders/{id}/care-file", "admin,platform,care-worker,auditor"),
                     ("GET", "/api/care/reviews-due", "admin,platform,care-worker,auditor"),
                     ("POST", $"/api/elders/{id}/visits", "admin,platform,care-worker"),
                     ("GET", $"/api/elders/{id}/visits", "admin,platform,care-worker,auditor"),
                     ("POST", $"/api/elders/{id}/care-actions", "admin,platform,care-worker"),
                     ("GET", $"/api/elders/{id}/care-actions", "admin,platform,care-worker,auditor"),
                     ("POST", "/api/care/heightened-periods", "admin"),
                     ("GET", "/api/care/heightened-periods", "admin,platform,care-worker,auditor"),
                     ("GET", "/api/care/coverage", "admin,platform,care-worker,auditor,coordinator"),
                     ("GET", "/api/care/overdue", "admin,platform,care-worker,auditor,coordinator"),
                     ("GET", "/api/care/alerts", "admin,platform,care-worker,auditor"),
                     ("POST", $"/api/care/alerts/{id}/acknowledge", "admin,platform,care-worker"),
                     ("POST", $"/api/care/alerts/{id}/close", "admin,platform,care-worker"),
                     ("GET", "/api/care/notifications/failed", "admin"),
                     ("POST", "/api/pairings", "admin,platform,care-worker"),
                     ("POST", $"/api/pairings/{id}/end", "admin,platform,care-worker"),
                     ("GET", $"/api/volunteers/{id}/pairings", "admin,platform,care-worker,auditor"),
                     ("GET", $"/api/elders/{id}/pairings", "admin,platform,care-worker,auditor"),
                     ("GET", $"/api/elders/{id}/register?year=2026", "admin,platform,care-worker,auditor"),
                     ("GET", "/api/statistics/monthly", "admin,auditor,coordinator"),
                     ("GET", "/api/statistics/targets", "admin,auditor,coordinator"),
                     ("GET", "/api/statistics/liability", "admin,auditor,coordinator"),
                     ("GET", "/api/reports/annual?year=2026", "admin,auditor,coordinator"),
                     ("POST", $"/api/volunteers/{id}/certificates", "admin,platform"),
                     ("GET", "/api/certificates/ZM20261124-ABCDEF", "admin,platform,auditor"),
                     ("GET", $"/api/organisations/{id}/practice-records?from=2026-01-01&to=2026-02-01", "admin,school")
                 })
        {
            foreach (var role in new[] { "admin", "platform", "kiosk", "auditor", "reviewer", "care-worker", "coordinator", "school" }.Where(r => !roles.Split(',').Contains(r)))
            {
                data.Add(method, url, role);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task a_role_outside_the_list_is_refused_with_a_problem(string method, string url, string role)
    {
        var key = role switch
        {
            "admin" => Keys.Admin,
            "platform" => Keys.Platform,
            "kiosk" => Keys.Kiosk,
            "auditor" => Keys.Auditor,
            "care-worker" => _careWorker ??= await Host.CareWorkerKeyAsync("和平区"),
            "school" => _school ??= await SchoolKeyAsync(),
            "coordinator" => _coordinator ??= (await (await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys",
                new { name = "协调员", role = "coordinator", districts = new[] { "和平区" } }, 201)).Body<TimeBank.Access.Issuing.IssuedApiKey>()).Key,
            _ => _reviewer ??= await ApiKeys.IssueAsync(Host, "reviewer", "Role check reviewer")
        };
        var answer = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", key);
            s.WithRequestHeader("Idempotency-Key", Guid.NewGuid().ToString());
            switch (method)
            {
                case "GET": s.Get.Url(url); break;
                case "DELETE": s.Delete.Url(url); break;
                case "PUT": s.Put.Json(new { }).ToUrl(url); break;
                default: s.Post.Json(new { }).ToUrl(url); break;
            }
            s.StatusCodeShouldBe(403);
        });
        JsonDocument.Parse(await answer.ReadAsTextAsync()).RootElement.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:forbidden");
    }
}
