using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.GettingAccount;
using TimeBank.Ledger.ListingEntries;
using TimeBank.Markets;
using TimeBank.Markets.Ordering;
using TimeBank.Markets.Summarizing;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;
using Wolverine;

namespace TimeBank.Tests.Markets;

public sealed class redeeming_points(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<(Guid Market, string Kiosk)> Market(params (string Sku, string Name, int Price, int Stock)[] items)
    {
        var market = await Fixture.OpenMarketAsync();
        foreach (var (sku, name, price, stock) in items) await Fixture.ListItemAsync(market, sku, name, price, stock);
        return (market, await Fixture.KioskKeyAsync(market));
    }

    private async Task<int> Stock(Guid market, string sku) =>
        (await Host.GetAsync<List<ItemView>>(Keys.Admin, $"/api/markets/{market}/items")).Single(i => i.Sku == sku).Stock;

    private async Task<int> OrdersOf(Guid person)
    {
        await using var session = Store.QuerySession();
        return await session.Query<MarketOrder>().CountAsync(o => o.AccountId == person);
    }

    [Fact]
    public async Task an_order_spends_points_takes_stock_and_returns_a_receipt()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 30, 10), ("OIL", "食用油", 25, 4));
        var (person, code) = await Fixture.MemberWithPoints(100);

        var result = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2), ("OIL", 1)), 201, Guid.NewGuid().ToString());
        var receipt = await result.Body<OrderReceipt>();
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/markets/{market}/orders/{receipt.OrderId}");
        (receipt.PointsSpent, receipt.PointsBalance, receipt.PersonId, receipt.Status).ShouldBe((85, 15, person, OrderStatus.Placed));
        receipt.Lines.ShouldBe([new OrderLine("RICE", "大米", "件", 2, 30, 60), new OrderLine("OIL", "食用油", "件", 1, 25, 25)]);

        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(15);
        (await Stock(market, "RICE"), await Stock(market, "OIL")).ShouldBe((8, 3));
        (await Host.GetAsync<OrderReceipt>(Keys.Auditor, $"/api/markets/{market}/orders/{receipt.OrderId}")).Lines.Count.ShouldBe(2);

        var entries = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{person}/entries?currency=points");
        var newest = entries.Items[0];
        (newest.Kind, newest.AmountPoints, newest.PointsBalanceAfter, newest.Counterparty, newest.Reference)
            .ShouldBe(("market-order", -85, 15, "system:market-sink", $"order:{receipt.OrderId}"));
        (await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{person}/entries?currency=minutes")).Items.ShouldAllBe(e => e.Kind != "market-order");

        var points = (await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance")).Currencies.Single(c => c.Currency == "points");
        points.SumOfBalances.ShouldBe(0);
        points.Redeemed.ShouldBeGreaterThanOrEqualTo(85);
        points.SystemAccountBalances["system:market-sink"].ShouldBe(points.Redeemed);
    }

    [Fact]
    public async Task short_of_points_is_refused_with_the_shortfall_and_nothing_is_written()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 30, 10));
        var (person, code) = await Fixture.MemberWithPoints(50);

        var result = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2)), 409, Guid.NewGuid().ToString());
        var problem = await result.Problem("urn:timebank:problem:insufficient-points");
        (problem.GetProperty("requestedPoints").GetInt32(), problem.GetProperty("availablePoints").GetInt32(), problem.GetProperty("shortfallPoints").GetInt32())
            .ShouldBe((60, 50, 10));

        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(50);
        (await Stock(market, "RICE")).ShouldBe(10);
        (await OrdersOf(person)).ShouldBe(0);
    }

    [Fact]
    public async Task short_of_stock_names_each_short_item_and_nothing_is_written()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 10, 1), ("OIL", "食用油", 10, 5), ("SOAP", "肥皂", 10, 0));
        var (person, code) = await Fixture.MemberWithPoints(40);

        var result = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2), ("OIL", 1), ("SOAP", 3)), 409,
            Guid.NewGuid().ToString());
        var problem = await result.Problem("urn:timebank:problem:insufficient-stock");
        problem.GetProperty("shortItems").EnumerateArray().Select(i => (i.GetProperty("sku").GetString(), i.GetProperty("shortfall").GetInt32()))
            .ShouldBe([("RICE", 1), ("SOAP", 3)]);
        problem.GetProperty("shortfallPoints").GetInt32().ShouldBe(20);
        problem.GetProperty("detail").GetString()!.ShouldContain("大米");

        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(40);
        (await Stock(market, "RICE"), await Stock(market, "OIL")).ShouldBe((1, 5));
        (await OrdersOf(person)).ShouldBe(0);
    }

    [Fact]
    public async Task unknown_items_and_members_and_bad_lines_are_refused()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 10, 5));
        var (person, code) = await Fixture.MemberWithPoints(40);
        var typo = code[..7] + MemberCodes().First(c => c != code[7]);

        var unknownItem = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 1), ("CAKE", 1)), 422, Guid.NewGuid().ToString());
        (await unknownItem.Problem("urn:timebank:problem:unknown-reference")).GetProperty("errors").TryGetProperty("lines[1].sku", out _).ShouldBeTrue();
        var mistyped = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(typo, ("RICE", 1)), 422, Guid.NewGuid().ToString());
        (await mistyped.Problem("urn:timebank:problem:mistyped-member-code")).GetProperty("detail").GetString()!.ShouldContain("check character");

        var invalid = await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", new { memberCode = "", lines = new object[] { new { sku = "RICE", quantity = 0 }, new { sku = "RICE", quantity = 1 } } }, 400);
        (await invalid.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name)
            .ShouldBe(["Idempotency-Key", "memberCode", "lines[0].quantity", "lines[1].sku"], ignoreOrder: true);
        await Host.PostAsync(Keys.Platform, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 1)), 403, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.Auditor, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 1)), 403, Guid.NewGuid().ToString());

        (await Stock(market, "RICE")).ShouldBe(5);
        (await OrdersOf(person)).ShouldBe(0);
    }

    private static string MemberCodes() => TimeBank.People.MemberCodes.Alphabet;

    [Fact]
    public async Task a_retry_with_the_same_key_returns_the_first_order_and_spends_once()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 10, 5));
        var (person, code) = await Fixture.MemberWithPoints(40);
        var key = Guid.NewGuid().ToString();

        var first = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2)), 201, key)).Body<OrderReceipt>();
        var again = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2)), 200, key)).Body<OrderReceipt>();
        (again with { Lines = first.Lines }).ShouldBe(first);
        again.Lines.ShouldBe(first.Lines);
        await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 3)), 409, key))
            .Problem("urn:timebank:problem:idempotency-key-reused");

        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(20);
        (await Stock(market, "RICE")).ShouldBe(3);
        (await OrdersOf(person)).ShouldBe(1);
    }

    [Fact]
    public async Task concurrent_orders_for_the_last_unit_sell_it_once()
    {
        var (market, kiosk) = await Market(("LAST", "最后一件", 10, 1));
        var members = new List<string>();
        for (var i = 0; i < 6; i++) members.Add((await Fixture.MemberWithPoints(10)).Code);

        var statuses = await Task.WhenAll(members.Select(async code =>
            (await Host.SendAsync(kiosk, "POST", $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("LAST", 1)), Guid.NewGuid().ToString())).Status()));

        statuses.Count(s => s == 201).ShouldBe(1);
        statuses.Where(s => s != 201).ShouldAllBe(s => s == 409);
        (await Stock(market, "LAST")).ShouldBe(0);
    }

    [Fact]
    public async Task without_the_in_process_queue_the_version_checks_alone_prevent_overselling_stock_and_points()
    {
        var (market, _) = await Market(("LAST", "最后两件", 10, 2), ("PLENTY", "很多", 10, 1000));
        var buyers = new List<Guid>();
        for (var i = 0; i < 5; i++) buyers.Add((await Fixture.MemberWithPoints(10)).Person);
        var (rich, _) = await Fixture.MemberWithPoints(30);

        // As if each request arrived on a different API node: straight to the handler, no AccountLocks.
        async Task<Outcome> Place(Guid account, string sku)
        {
            await using var scope = Host.Services.CreateAsyncScope();
            var bus = scope.ServiceProvider.GetRequiredService<IMessageBus>();
            return await bus.InvokeAsync<Outcome>(new PlaceOrder(market, account, [new WantedLine(sku, 1)]));
        }

        var lastUnits = await Task.WhenAll(buyers.Select(b => Place(b, "LAST")));
        lastUnits.Count(o => o.Created).ShouldBe(2);
        lastUnits.Where(o => !o.Created).ShouldAllBe(o => o.Refusal is NotEnoughStock);
        (await Stock(market, "LAST")).ShouldBe(0);

        var lastPoints = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Place(rich, "PLENTY")));
        lastPoints.Count(o => o.Created).ShouldBe(3);
        lastPoints.Where(o => !o.Created).ShouldAllBe(o => o.Refusal is NotEnoughPoints);
        (await Host.AccountAsync(Keys.Platform, rich)).PointsBalance.ShouldBe(0);
        (await Stock(market, "PLENTY")).ShouldBe(997);

        await using var session = Store.QuerySession();
        var projected = await session.LoadAsync<Account>(rich);
        var replayed = AccountHistory.From(await session.Events.FetchStreamAsync(rich), null).Figures;
        projected!.PointsBalance.ShouldBe(replayed.PointsBalance);
    }

    [Fact]
    public async Task concurrent_orders_on_the_last_points_spend_them_once()
    {
        var (market, kiosk) = await Market(("TEN", "十分", 10, 100));
        var (person, code) = await Fixture.MemberWithPoints(30);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
            (await Host.SendAsync(kiosk, "POST", $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("TEN", 1)), Guid.NewGuid().ToString())).Status()));

        statuses.Count(s => s == 201).ShouldBe(3);
        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(0);
        (await Stock(market, "TEN")).ShouldBe(97);
    }

    [Fact]
    public async Task a_refund_returns_the_points_and_restocks_once()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 10, 5), ("OIL", "食用油", 5, 5));
        var (person, code) = await Fixture.MemberWithPoints(50);
        var order = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2), ("OIL", 2)), 201,
            Guid.NewGuid().ToString())).Body<OrderReceipt>();

        var refunded = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders/{order.OrderId}/refund", new { reason = "商品破损" }, 200)).Body<OrderReceipt>();
        (refunded.Status, refunded.PointsBalance, refunded.RefundReason).ShouldBe((OrderStatus.Refunded, 50, "商品破损"));
        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(50);
        (await Stock(market, "RICE"), await Stock(market, "OIL")).ShouldBe((5, 5));

        var again = await (await Host.PostAsync(Keys.Admin, $"/api/markets/{market}/orders/{order.OrderId}/refund", new { reason = "再退" }, 200)).Body<OrderReceipt>();
        (again.Status, again.PointsBalance, again.RefundReason).ShouldBe((OrderStatus.Refunded, 50, "商品破损"));
        (await Stock(market, "RICE")).ShouldBe(5);

        var history = await Host.GetAsync<List<ItemHistoryEntry>>(Keys.Auditor, $"/api/markets/{market}/items/RICE/history");
        history.TakeLast(2).Select(h => (h.Kind, h.StockChange, h.OrderId)).ShouldBe([("sold", -2, order.OrderId), ("returned", 2, order.OrderId)]);

        await Host.PostAsync(kiosk, $"/api/markets/{market}/orders/{Guid.NewGuid()}/refund", new { reason = "x" }, 404);
        await Host.PostAsync(kiosk, $"/api/markets/{market}/orders/{order.OrderId}/refund", new { reason = "" }, 400);
    }

    [Fact]
    public async Task points_already_spent_stop_a_reversal_and_the_shortfall_is_named()
    {
        var (market, kiosk) = await Market(("RICE", "大米", 7, 5));
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var record = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-1).At(new LocalTime(9, 0)), 60), 201)).Body<ServiceRecordResult>();
        await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(await Fixture.MemberCodeOf(volunteer), ("RICE", 1)), 201,
            Guid.NewGuid().ToString());

        var refused = await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = "核查不实" }, 409);
        var problem = await refused.Problem("urn:timebank:problem:insufficient-points");
        (problem.GetProperty("shortfallPoints").GetInt32(), problem.GetProperty("availablePoints").GetInt32()).ShouldBe((7, 3));
        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.BalanceMinutes, account.PointsBalance).ShouldBe((60, 3));
    }

    [Fact]
    public async Task the_daily_summary_counts_a_local_date_and_as_of_reads_points_between_orders()
    {
        var resume = Fixture.Clock.GetCurrentInstant();
        var (market, kiosk) = await Market(("RICE", "大米", 10, 50), ("OIL", "食用油", 5, 50));
        var (person, code) = await Fixture.MemberWithPoints(100);
        try
        {
            // 23:30 on 1 Dec in Shanghai is 15:30 UTC; half an hour later it is 2 Dec there.
            Fixture.Clock.Reset(Instant.FromUtc(2026, 12, 1, 15, 30));
            var late = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 1), ("OIL", 2)), 201,
                Guid.NewGuid().ToString())).Body<OrderReceipt>();
            var afterLate = Fixture.Clock.GetCurrentInstant();
            Fixture.Clock.Advance(Duration.FromMinutes(45));
            await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 3)), 201, Guid.NewGuid().ToString());
            await Host.PostAsync(kiosk, $"/api/markets/{market}/orders/{late.OrderId}/refund", new { reason = "退货" }, 200);

            var first = await Host.GetAsync<DailySummary>(kiosk, $"/api/markets/{market}/daily-summary?date=2026-12-01");
            (first.Orders, first.PointsSpent, first.Refunds, first.PointsRefunded, first.TimeZone).ShouldBe((1, 20, 0, 0, "Asia/Shanghai"));
            first.Items.Select(i => (i.Sku, i.UnitsSold)).ShouldBe([("OIL", 2), ("RICE", 1)]);

            var second = await Host.GetAsync<DailySummary>(Keys.Auditor, $"/api/markets/{market}/daily-summary?date=2026-12-02");
            (second.Orders, second.PointsSpent, second.Refunds, second.PointsRefunded, second.NetPoints).ShouldBe((1, 30, 1, 20, 10));
            second.Items.Single(i => i.Sku == "RICE").ShouldBe(new ItemDaySummary("RICE", "大米", 3, 1, 30, 10));
            (await Host.GetAsync<DailySummary>(kiosk, $"/api/markets/{market}/daily-summary")).Date.ShouldBe(new LocalDate(2026, 12, 2));

            var between = await Host.GetAsync<AccountView>(Keys.Auditor, $"/api/accounts/{person}?asOf={InstantPattern.ExtendedIso.Format(afterLate + Duration.FromMinutes(1))}");
            between.PointsBalance.ShouldBe(80);
            (await Host.AccountAsync(Keys.Auditor, person)).PointsBalance.ShouldBe(70);

            await Host.GetAsync<object>(Keys.Platform, $"/api/markets/{market}/daily-summary?date=2026-12-01", 403);
            await (await Host.SendAsync(kiosk, "GET", $"/api/markets/{market}/daily-summary?date=1.12.2026")).Problem("urn:timebank:problem:validation");
        }
        finally
        {
            Fixture.Clock.Reset(resume);
        }
    }
}
