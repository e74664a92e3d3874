using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Complaints;
using TimeBank.Complaints.Deciding;
using TimeBank.Hosting;
using TimeBank.Integrity;
using TimeBank.Integrity.Reviewing;
using TimeBank.Ledger;
using TimeBank.Ledger.Redeeming;
using TimeBank.Markets;
using TimeBank.Markets.Refunding;
using TimeBank.Markets.Ordering;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.ServiceRecords.Reversing;
using TimeBank.Tests.Integrity;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Ledger;

/// <summary>
/// A decision on an account that also reads a document the account's own events change (a record's status, an order's
/// refund, a hold's closing), with another writer committing the same change between the handler's reads: the handler
/// runs on a session whose logger lets the other writer commit as soon as the document was first read.
/// </summary>
public sealed class racing_account_documents(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task two_reversals_of_one_record_at_once_take_its_minutes_back_once()
    {
        var (volunteer, record) = await TwoCreditedRecords();
        var race = Race.AfterReading(Store, "mt_doc_servicerecord",
            () => Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/reversal", new { reason = "先到的撤销" }, 200));
        await using var session = race.Session;

        var outcome = await ReverseServiceRecordHandler.Handle(new ReverseServiceRecord(record, "后到的撤销"), session, Fixture.Clock, race.As(Roles.Admin));
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeOfType<AlreadyReversed>();
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
    }

    [Fact]
    public async Task an_upheld_complaint_reversing_a_record_another_reversal_just_took_back_reverses_nothing_more()
    {
        var (volunteer, record) = await TwoCreditedRecords();
        var complaint = await (await Host.PostAsync(Keys.Platform, "/api/complaints", new
        {
            about = new { serviceRecordId = record }, category = "false-record", description = "老人说那天没人来",
            filedBy = new { name = "王小红", phone = "13912345678", relation = "女儿" }
        }, 201, Guid.NewGuid().ToString())).Body<ComplaintView>();
        var race = Race.AfterReading(Store, "mt_doc_servicerecord",
            () => Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/reversal", new { reason = "平台自查撤销" }, 200));
        await using var session = race.Session;

        var outcome = await ResolveComplaintHandler.Handle(new ResolveComplaint(complaint.Id, ComplaintOutcome.Upheld, "确认未服务", true), session,
            Fixture.Clock, race.As(Roles.Reviewer), Host.Services.GetRequiredService<PersonalData>());
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeOfType<AlreadyReversed>();
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
    }

    [Fact]
    public async Task a_fraudulent_decision_on_a_record_another_reversal_just_took_back_reverses_nothing_more()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(60);
        var night = Fixture.LocalNow().Date.PlusDays(-6).At(new LocalTime(2, 0));
        var record = (await (await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, night, 30), 201))
            .Body<ServiceRecordResult>()).Id;
        var flag = (await Fixture.FlagsOf(record)).Single(f => f.Rule == IntegrityRules.ServedAtNight);
        var race = Race.AfterReading(Store, "mt_doc_servicerecord",
            () => Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/reversal", new { reason = "平台自查撤销" }, 200));
        await using var session = race.Session;

        var outcome = await DecideFlagHandler.Handle(new DecideFlag(flag.Id, FlagStatus.Fraudulent, "夜间无服务"), session, Fixture.Clock,
            race.As(Roles.Reviewer));
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeNull();
        var decided = (FlagView)outcome.Value!;
        (decided.Status, decided.RecordReversed).ShouldBe((FlagStatus.Fraudulent, false));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
    }

    [Fact]
    public async Task two_refunds_of_one_order_at_once_return_its_points_and_stock_once()
    {
        var market = await Fixture.OpenMarketAsync("竞态退货超市");
        var kiosk = await Fixture.KioskKeyAsync(market);
        await Fixture.ListItemAsync(market, "RICE", "大米", 10, 5);
        var (person, code) = await Fixture.MemberWithPoints(50);
        var order = await (await Host.PostAsync(kiosk, $"/api/markets/{market}/orders", MarketScenarios.Order(code, ("RICE", 2)), 201,
            Guid.NewGuid().ToString())).Body<OrderReceipt>();
        var race = Race.AfterReading(Store, "mt_doc_marketorder",
            () => Host.PostAsync(kiosk, $"/api/markets/{market}/orders/{order.OrderId}/refund", new { reason = "先到的退货" }, 200));
        await using var session = race.Session;

        var outcome = await RefundOrderHandler.Handle(new RefundOrder(market, order.OrderId, "后到的退货"), session, Fixture.Clock);
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeNull();
        ((OrderReceipt)outcome.Value!).RefundReason.ShouldBe("先到的退货");
        (await Host.AccountAsync(Keys.Platform, person)).PointsBalance.ShouldBe(50);
        (await Host.GetAsync<List<ItemView>>(Keys.Admin, $"/api/markets/{market}/items")).Single(i => i.Sku == "RICE").Stock.ShouldBe(5);
    }

    [Fact]
    public async Task settling_a_hold_another_request_just_settled_answers_the_settled_hold()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(120);
        var hold = await (await Host.PostAsync(Keys.Platform, "/api/redemptions",
                new { accountId = volunteer.ToString(), minutes = 30, serviceType = "bathing", description = "助浴" }, 201, Guid.NewGuid().ToString()))
            .Body<RedemptionView>();
        var race = Race.AfterReading(Store, "mt_doc_redemption",
            () => Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200));
        await using var session = race.Session;

        var outcome = await CloseRedemptionHandler.Handle(new CloseRedemption(hold.Id, Closing.Settle), session, Fixture.Clock, race.As(Roles.Admin));
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeNull();
        ((RedemptionView)outcome.Value!).Status.ShouldBe(RedemptionStatus.Settled);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(90);
    }

    [Fact]
    public async Task a_batch_of_deposits_reads_its_accounts_before_the_records_they_guard()
    {
        // Statements of one round trip cannot be raced from here; what makes the overlap check sound is their order.
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        var batches = new List<NpgsqlBatch>();
        await using var session = Store.LightweightSession();
        session.Logger = new Race.SessionLogger(onBatch: batches.Add);
        var start = Fixture.LocalNow().Date.PlusDays(-1).At(new LocalTime(9, 0));
        var command = new RecordService(Scopes.SystemKeyId, "order-of-reads", volunteer, elder, "companionship", start, start.PlusMinutes(30),
            "Asia/Shanghai", null);

        await RecordServicesHandler.Handle(new RecordServices([new PendingDeposit(command, GroupCommits.SystemStamp())]), session,
            Host.Services.GetRequiredService<KnownPeople>(), Fixture.Clock, Host.Services.GetRequiredService<IOptions<PointsOptions>>(),
            CancellationToken.None);

        var reads = batches.First(b => b.BatchCommands.Cast<NpgsqlBatchCommand>().Any(c => c.CommandText.Contains("mt_doc_servicerecord"))).BatchCommands.Cast<NpgsqlBatchCommand>()
            .Select(c => c.CommandText).ToList();
        reads.FindIndex(sql => sql.Contains("mt_doc_account")).ShouldBe(0);
        reads.Skip(1).ShouldAllBe(sql => !sql.Contains("mt_doc_account"));
    }

    private async Task<(Guid Volunteer, Guid Record)> TwoCreditedRecords()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(60);
        var created = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(15, 0)), 60), 201);
        return (volunteer, (await created.Body<ServiceRecordResult>()).Id);
    }
}
