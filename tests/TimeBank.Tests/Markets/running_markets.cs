using Alba;
using Shouldly;
using TimeBank.Access;
using TimeBank.Access.Issuing;
using TimeBank.Markets;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Markets;

public sealed class running_markets(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task admin_opens_a_market_and_others_may_not()
    {
        var result = await Host.PostAsync(Keys.Admin, "/api/markets", new { name = "劝业场爱心超市", district = "和平区", street = "劝业场街道", community = "新津社区" }, 201);
        var market = await result.Body<MarketView>();
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/markets/{market.Id}");
        (await Host.GetAsync<MarketView>(Keys.Auditor, $"/api/markets/{market.Id}")).Name.ShouldBe("劝业场爱心超市");

        await Host.PostAsync(Keys.Platform, "/api/markets", new { name = "x", district = "和平区", street = "劝业场街道", community = "新津社区" }, 403);
        await Host.PostAsync(Keys.Kiosk, "/api/markets", new { name = "x", district = "和平区", street = "劝业场街道", community = "新津社区" }, 403);
        var invalid = await Host.PostAsync(Keys.Admin, "/api/markets", new { name = "", district = "和平区" }, 400);
        var errors = (await invalid.Problem("urn:timebank:problem:validation")).GetProperty("errors");
        errors.EnumerateObject().Select(p => p.Name).ShouldBe(["name", "street", "community"], ignoreOrder: true);
        await Host.GetAsync<object>(Keys.Admin, $"/api/markets/{Guid.NewGuid()}", 404);
    }

    [Fact]
    public async Task items_are_listed_repriced_and_stocked_as_events_and_their_history_replays()
    {
        var market = await Fixture.OpenMarketAsync();
        await Fixture.ListItemAsync(market, "RICE-5KG", "大米", 30, 0, "袋");

        var same = await Host.SendAsync(Keys.Admin, "PUT", $"/api/markets/{market}/items/RICE-5KG", new { name = "大米", pointsPrice = 30, unit = "袋" });
        same.Status().ShouldBe(200);
        var repriced = await Host.SendAsync(Keys.Admin, "PUT", $"/api/markets/{market}/items/RICE-5KG", new { name = "东北大米", pointsPrice = 25, unit = "袋" });
        repriced.Status().ShouldBe(200);
        (await repriced.Body<ItemView>()).ShouldBe(new ItemView("RICE-5KG", "东北大米", "袋", 25, 0));

        await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/RICE-5KG/stock", new { quantity = 20, reason = "进货" }, 201, Guid.NewGuid().ToString());
        var writtenOff = await (await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/RICE-5KG/stock",
            new { quantity = -3, reason = "受潮" }, 201, Guid.NewGuid().ToString())).Body<ItemView>();
        writtenOff.Stock.ShouldBe(17);
        await Fixture.ListItemAsync(market, "OIL-1L", "食用油", 40, 5, "瓶");

        var items = await Host.GetAsync<List<ItemView>>(Keys.Platform, $"/api/markets/{market}/items");
        items.ShouldBe([new ItemView("OIL-1L", "食用油", "瓶", 40, 5), new ItemView("RICE-5KG", "东北大米", "袋", 25, 17)]);

        var history = await Host.GetAsync<List<ItemHistoryEntry>>(Keys.Auditor, $"/api/markets/{market}/items/RICE-5KG/history");
        history.Select(h => (h.Kind, h.StockChange, h.StockAfter, h.PointsPrice)).ShouldBe(
        [
            ("listed", 0, 0, 30), ("repriced", 0, 0, 25), ("renamed", 0, 0, 25), ("stock-received", 20, 20, 25), ("stock-written-off", -3, 17, 25)
        ]);
        history[^1].Reason.ShouldBe("受潮");
        await Host.GetAsync<object>(Keys.Auditor, $"/api/markets/{market}/items/NOPE/history", 404);
    }

    [Fact]
    public async Task stock_never_goes_below_zero_movements_are_idempotent_and_bad_input_is_refused_whole()
    {
        var market = await Fixture.OpenMarketAsync();
        await Fixture.ListItemAsync(market, "SOAP", "肥皂", 5, 4);

        var tooMuch = await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/SOAP/stock", new { quantity = -5, reason = "过期" }, 409, Guid.NewGuid().ToString());
        var shortItem = (await tooMuch.Problem("urn:timebank:problem:insufficient-stock")).GetProperty("shortItems")[0];
        (shortItem.GetProperty("available").GetInt32(), shortItem.GetProperty("shortfall").GetInt32()).ShouldBe((4, 1));

        var key = Guid.NewGuid().ToString();
        await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/SOAP/stock", new { quantity = 6, reason = "捐赠" }, 201, key);
        (await (await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/SOAP/stock", new { quantity = 6, reason = "捐赠" }, 200, key))
            .Body<ItemView>()).Stock.ShouldBe(10);
        await (await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/SOAP/stock", new { quantity = 7, reason = "捐赠" }, 409, key))
            .Problem("urn:timebank:problem:idempotency-key-reused");

        var invalid = await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/SOAP/stock", new { quantity = 0, reason = "" }, 400);
        (await invalid.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name)
            .ShouldBe(["Idempotency-Key", "quantity", "reason"], ignoreOrder: true);
        var badItem = await Host.SendAsync(Keys.Admin, "PUT", $"/api/markets/{market}/items/SOAP", new { name = "肥皂", pointsPrice = 0, unit = "" });
        badItem.Status().ShouldBe(400);
        (await badItem.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name)
            .ShouldBe(["pointsPrice", "unit"], ignoreOrder: true);
        (await Host.SendAsync(Keys.Admin, "PUT", $"/api/markets/{market}/items/bad%20sku", new { name = "x", pointsPrice = 1, unit = "件" })).Status().ShouldBe(400);
        await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/items/UNLISTED/stock", new { quantity = 1, reason = "进货" }, 404, Guid.NewGuid().ToString());
        (await Host.SendAsync(Keys.Admin, "PUT", $"/api/markets/{Guid.NewGuid()}/items/SOAP", new { name = "肥皂", pointsPrice = 5, unit = "块" })).Status().ShouldBe(404);

        (await Host.GetAsync<List<ItemView>>(Keys.Admin, $"/api/markets/{market}/items")).Single().Stock.ShouldBe(10);
    }

    [Fact]
    public async Task kiosk_keys_are_scoped_to_their_market()
    {
        var market = await Fixture.OpenMarketAsync();
        var other = await Fixture.OpenMarketAsync("别的超市");
        await Fixture.ListItemAsync(other, "TOWEL", "毛巾", 8, 3);
        var kiosk = await Fixture.KioskKeyAsync(market);

        var current = await Host.GetAsync<CurrentApiKey>(kiosk, "/api/api-keys/current");
        (current.Role, current.MarketId).ShouldBe(("kiosk", market));

        (await Host.SendAsync(kiosk, "GET", $"/api/markets/{market}/items")).Status().ShouldBe(200);
        (await Host.SendAsync(kiosk, "POST", $"/api/markets/{market}/items/TOWEL/stock", new { quantity = 1, reason = "进货" }, Guid.NewGuid().ToString()))
            .Status().ShouldBe(404);
        foreach (var (method, url, body) in new (string, string, object?)[]
                 {
                     ("GET", $"/api/markets/{other}", null),
                     ("GET", $"/api/markets/{other}/items", null),
                     ("GET", $"/api/markets/{other}/daily-summary", null),
                     ("POST", $"/api/markets/{other}/items/TOWEL/stock", new { quantity = 1, reason = "进货" }),
                     ("POST", $"/api/markets/{other}/orders", MarketScenarios.Order("23456789", ("TOWEL", 1))),
                     ("POST", $"/api/markets/{other}/orders/{Guid.NewGuid()}/refund", new { reason = "退货" })
                 })
        {
            var refused = await Host.SendAsync(kiosk, method, url, body, Guid.NewGuid().ToString());
            refused.Status().ShouldBe(403, $"{method} {url}");
            (await refused.Problem("urn:timebank:problem:forbidden")).GetProperty("detail").GetString()!.ShouldContain(market.ToString());
        }

        // The suite's kiosk key has no market: it reads accounts but acts on none.
        (await Host.SendAsync(Keys.Kiosk, "GET", $"/api/markets/{other}/items")).Status().ShouldBe(403);
        (await Host.SendAsync(kiosk, "PUT", $"/api/markets/{market}/items/NEW", new { name = "x", pointsPrice = 1, unit = "件" })).Status().ShouldBe(403);
        (await Host.GetAsync<List<ItemView>>(Keys.Admin, $"/api/markets/{other}/items")).Single().Stock.ShouldBe(3);
    }

    [Fact]
    public async Task the_kiosk_page_is_served_without_a_key_and_the_endpoints_are_documented()
    {
        var page = await Host.Scenario(s =>
        {
            s.Get.Url("/kiosk/");
            s.StatusCodeShouldBe(200);
        });
        var html = await page.ReadAsTextAsync();
        html.ShouldContain("积分兑换");
        html.ShouldContain("kiosk.js");
        html.ShouldNotContain("http://");
        html.ShouldNotContain("https://");
        await Host.Scenario(s =>
        {
            s.Get.Url("/kiosk/kiosk.js");
            s.StatusCodeShouldBe(200);
        });

        var swagger = await (await Host.Scenario(s =>
        {
            s.Get.Url("/swagger/v1/swagger.json");
            s.StatusCodeShouldBe(200);
        })).Json();
        var paths = swagger.GetProperty("paths");
        foreach (var (path, method) in new[]
                 {
                     ("/api/markets", "post"), ("/api/markets/{id}", "get"), ("/api/markets/{id}/items", "get"), ("/api/markets/{id}/items/{sku}", "put"),
                     ("/api/markets/{id}/items/{sku}/stock", "post"), ("/api/markets/{id}/items/{sku}/history", "get"),
                     ("/api/markets/{id}/orders", "post"), ("/api/markets/{id}/orders/{orderId}", "get"),
                     ("/api/markets/{id}/orders/{orderId}/refund", "post"), ("/api/markets/{id}/daily-summary", "get"),
                     ("/api/kiosk/members/{code}", "get"), ("/api/api-keys/current", "get")
                 })
        {
            paths.TryGetProperty(path, out var item).ShouldBeTrue(path);
            item.TryGetProperty(method, out _).ShouldBeTrue($"{method} {path}");
        }
    }

    [Fact]
    public async Task only_kiosk_keys_name_a_market_and_the_market_must_exist()
    {
        var market = await Fixture.OpenMarketAsync();
        var wrongRole = await Host.PostAsync(Keys.Admin, "/api/api-keys", new { name = "平台", role = "platform", marketId = market }, 400);
        (await wrongRole.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("marketId", out _).ShouldBeTrue();
        var unknown = await Host.PostAsync(Keys.Admin, "/api/api-keys", new { name = "柜台", role = "kiosk", marketId = Guid.NewGuid() }, 422);
        await unknown.Problem("urn:timebank:problem:unknown-reference");
        var issued = await (await Host.PostAsync(Keys.Admin, "/api/api-keys", new { name = "柜台", role = "kiosk", marketId = market }, 201)).Body<IssuedApiKey>();
        issued.MarketId.ShouldBe(market);
        var noMarket = await Host.PostAsync(Keys.Admin, "/api/api-keys", new { name = "柜台", role = "kiosk" }, 400);
        (await noMarket.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["marketId"]);
    }

    [Fact]
    public async Task a_kiosk_key_issued_without_a_market_looks_no_member_up()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(60);
        var code = await Fixture.MemberCodeOf(volunteer);
        // Kiosk keys could once be issued without a market; such a key is still stored as it was.
        var secret = ApiKey.NewSecret();
        await using (var session = Store.LightweightSession())
        {
            session.Store(new ApiKey(Guid.CreateVersion7(), "旧柜台", "kiosk", ApiKey.Hash(secret), AppFixture.StartedAt, "admin"));
            await session.SaveChangesAsync();
        }

        var refused = await Host.SendAsync(secret, "GET", $"/api/kiosk/members/{code}");
        refused.Status().ShouldBe(403);
        (await refused.Problem("urn:timebank:problem:forbidden")).GetProperty("title").GetString().ShouldBe("This kiosk key serves no market.");
        (await Host.SendAsync(Keys.Kiosk, "GET", $"/api/kiosk/members/{code}")).Status().ShouldBe(200);
    }
}
