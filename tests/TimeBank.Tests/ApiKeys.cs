using Alba;
using TimeBank.Access.Issuing;
using TimeBank.Markets;

namespace TimeBank.Tests;

/// <summary>The suite's keys; <see cref="Kiosk"/> serves the counter of <see cref="KioskMarket"/>.</summary>
public sealed record ApiKeys(string Admin, string Platform, string Kiosk, string Auditor, string OtherPlatform, Guid KioskMarket)
{
    public static async Task<ApiKeys> IssueAsync(IAlbaHost host)
    {
        var market = await OpenMarketAsync(host);
        return new(
            AppFixture.AdminKey,
            await IssueAsync(host, "platform", "Test volunteer platform"),
            await IssueAsync(host, new { name = "Test kiosk", role = "kiosk", marketId = market }),
            await IssueAsync(host, "auditor", "Test auditor"),
            await IssueAsync(host, "platform", "Second platform"),
            market);
    }

    public static Task<string> IssueAsync(IAlbaHost host, string role, string name) => IssueAsync(host, new { name, role });

    private static async Task<string> IssueAsync(IAlbaHost host, object request)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", AppFixture.AdminKey);
            s.Post.Json(request).ToUrl("/api/api-keys");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<IssuedApiKey>())!.Key;
    }

    private static async Task<Guid> OpenMarketAsync(IAlbaHost host)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", AppFixture.AdminKey);
            s.Post.Json(new { name = "测试爱心超市", district = "和平区", street = "劝业场街道", community = "新津社区" }).ToUrl("/api/markets");
            s.StatusCodeShouldBe(201);
        });
        return (await result.ReadAsJsonAsync<MarketView>())!.Id;
    }
}
