using System.Text.Json;
using Alba;
using TimeBank.Access.Issuing;
using TimeBank.Markets;
using TimeBank.People.GettingDetails;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Markets;

/// <summary>Love-market state built through the HTTP API.</summary>
public static class MarketScenarios
{
    public static async Task<Guid> OpenMarketAsync(this AppFixture fixture, string name = "新津社区爱心超市") =>
        (await (await fixture.Host.PostAsync(fixture.Keys.Admin, "/api/markets",
            new { name, district = "和平区", street = "劝业场街道", community = "新津社区" }, 201)).Body<MarketView>()).Id;

    public static async Task<string> KioskKeyAsync(this AppFixture fixture, Guid marketId) =>
        (await (await fixture.Host.PostAsync(fixture.Keys.Admin, "/api/api-keys",
            new { name = "柜台平板", role = "kiosk", marketId }, 201)).Body<IssuedApiKey>()).Key;

    public static async Task<ItemView> ListItemAsync(this AppFixture fixture, Guid marketId, string sku, string name, int price, int stock,
        string unit = "件")
    {
        var item = await (await fixture.Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", fixture.Keys.Admin);
            s.Put.Json(new { name, pointsPrice = price, unit }).ToUrl($"/api/markets/{marketId}/items/{sku}");
            s.StatusCodeShouldBe(201);
        })).Body<ItemView>();
        if (stock == 0) return item;
        return await (await fixture.Host.PostAsync(fixture.Keys.Admin, $"/api/markets/{marketId}/items/{sku}/stock",
            new { quantity = stock, reason = "进货" }, 201, Guid.NewGuid().ToString())).Body<ItemView>();
    }

    /// <summary>A volunteer holding exactly the given points (10 an hour: 6 minutes a point) and their member code.</summary>
    public static async Task<(Guid Person, string Code)> MemberWithPoints(this AppFixture fixture, int points)
    {
        var (volunteer, _) = await fixture.VolunteerWithBalance(points * 6);
        return (volunteer, await fixture.MemberCodeOf(volunteer));
    }

    public static async Task<string> MemberCodeOf(this AppFixture fixture, Guid volunteer) =>
        (await fixture.Host.GetAsync<VolunteerView>(fixture.Keys.Admin, $"/api/volunteers/{volunteer}")).MemberCode!;

    public static object Order(string code, params (string Sku, int Quantity)[] lines) =>
        new { memberCode = code, lines = lines.Select(l => new { sku = l.Sku, quantity = l.Quantity }).ToArray() };

    public static async Task<IScenarioResult> SendAsync(this IAlbaHost host, string apiKey, string method, string url, object? body = null,
        string? idempotencyKey = null)
    {
        return await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            if (idempotencyKey is not null) s.WithRequestHeader("Idempotency-Key", idempotencyKey);
            switch (method)
            {
                case "GET": s.Get.Url(url); break;
                case "PUT": s.Put.Json(body!).ToUrl(url); break;
                case "DELETE": s.Delete.Url(url); break;
                default: s.Post.Json(body!).ToUrl(url); break;
            }
            s.IgnoreStatusCode();
        });
    }

    public static int Status(this IScenarioResult result) => result.Context.Response.StatusCode;

    public static async Task<JsonElement> Json(this IScenarioResult result) => JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
}
