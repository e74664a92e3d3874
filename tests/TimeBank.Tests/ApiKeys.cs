using Alba;
using TimeBank.Access.Issuing;

namespace TimeBank.Tests;

public sealed record ApiKeys(string Admin, string Platform, string Kiosk, string Auditor, string OtherPlatform)
{
    public static async Task<ApiKeys> IssueAsync(IAlbaHost host) => new(
        AppFixture.AdminKey,
        await IssueAsync(host, "platform", "Test volunteer platform"),
        await IssueAsync(host, "kiosk", "Test kiosk"),
        await IssueAsync(host, "auditor", "Test auditor"),
        await IssueAsync(host, "platform", "Second platform"));

    public static async Task<string> IssueAsync(IAlbaHost host, string role, string name)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", AppFixture.AdminKey);
            s.Post.Json(new { name, role }).ToUrl("/api/api-keys");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IssuedApiKey>())!.Key;
    }
}
