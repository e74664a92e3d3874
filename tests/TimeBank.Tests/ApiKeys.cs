using Alba;
using TimeBank.Access.Issuing;
using TimeBank.Markets;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests;

/// <summary>The suite's keys; <see cref="Kiosk"/> serves the counter of <see cref="KioskMarket"/>.</summary>
public sealed record ApiKeys(string Admin, string Platform, string Kiosk, string Auditor, string OtherPlatform, Guid KioskMarket)
{
    public static async Task<ApiKeys> IssueAsync(IAlbaHost host)
    {
        var market = (await (await host.PostAsync(AppFixture.AdminKey, "/api/markets",
            new { name = "测试爱心超市", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).Body<MarketView>()).Id;
        return new(
            AppFixture.AdminKey,
            await IssueAsync(host, "platform", "Test volunteer platform"),
            await IssueAsync(host, new { name = "Test kiosk", role = "kiosk", marketId = market }),
            await IssueAsync(host, "auditor", "Test auditor"),
            await IssueAsync(host, "platform", "Second platform"),
            market);
    }

    public static Task<string> IssueAsync(IAlbaHost host, string role, string name) => IssueAsync(host, new { name, role });

    private static async Task<string> IssueAsync(IAlbaHost host, object request) =>
        (await (await host.PostAsync(AppFixture.AdminKey, "/api/api-keys", request, 201)).Body<IssuedApiKey>()).Key;
}
