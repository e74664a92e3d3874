using Alba;
using NodaTime;
using Shouldly;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Ledger.ListingEntries;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.ServiceRecords;

public sealed class reversing_service(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<(Guid Volunteer, Guid Elder, ServiceRecordResult Record)> Credited(int minutes, string? platformKey = null)
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var start = Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(14, 0));
        var result = await Host.PostAsync(platformKey ?? Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, start, minutes), 201);
        return (volunteer, elder, await result.Body<ServiceRecordResult>());
    }

    [Fact]
    public async Task a_reversal_appends_a_compensating_entry()
    {
        var (volunteer, _, record) = await Credited(90);

        var reversed = await (await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = "重复录入" }, 200))
            .Body<ServiceRecordView>();
        reversed.Status.ShouldBe(ServiceRecordStatus.Reversed);
        reversed.ReversalReason.ShouldBe("重复录入");

        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.BalanceMinutes, account.ServedMinutes).ShouldBe((0, 0));
        (await Host.GetAsync<ServiceRecordView>(Keys.Auditor, $"/api/service-records/{record.Id}")).Status.ShouldBe(ServiceRecordStatus.Reversed);

        var entries = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{volunteer}/entries");
        entries.Items.Select(e => (e.Kind, e.AmountMinutes, e.BalanceAfterMinutes))
            .ShouldBe([("service-reversal", -90, 0), ("service-credit", 90, 90)]);
        entries.Items.ShouldAllBe(e => e.Reference == $"service-record:{record.Id}");
    }

    [Fact]
    public async Task a_record_is_reversed_only_once()
    {
        var (volunteer, _, record) = await Credited(60);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = "录错老人" }, 200);

        var again = await Host.PostAsync(Keys.Admin, $"/api/service-records/{record.Id}/reversal", new { reason = "再次撤销" }, 409);
        await again.Problem("urn:timebank:problem:already-reversed");
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(0);
    }

    [Fact]
    public async Task minutes_already_spent_cannot_be_reversed_and_the_shortfall_is_named()
    {
        var (volunteer, elder, record) = await Credited(60);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 45, reason = "赠与" }, 201, Guid.NewGuid().ToString());

        var result = await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = "核查不实" }, 409);
        var problem = await result.Problem("urn:timebank:problem:insufficient-balance");
        problem.GetProperty("shortfallMinutes").GetInt32().ShouldBe(45);

        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(15);
        (await Host.GetAsync<ServiceRecordView>(Keys.Auditor, $"/api/service-records/{record.Id}")).Status.ShouldBe(ServiceRecordStatus.Credited);
    }

    [Fact]
    public async Task a_reversal_needs_a_reason_and_a_known_record()
    {
        var (volunteer, _, record) = await Credited(30);
        var noReason = await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = " " }, 400);
        (await noReason.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();

        var unknown = await Host.PostAsync(Keys.Platform, $"/api/service-records/{Guid.NewGuid()}/reversal", new { reason = "x" }, 404);
        await unknown.Problem("urn:timebank:problem:not-found");
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(30);
    }

    [Fact]
    public async Task only_the_posting_platform_or_an_admin_reverses()
    {
        var (volunteer, _, record) = await Credited(30);
        var other = await Host.PostAsync(Keys.OtherPlatform, $"/api/service-records/{record.Id}/reversal", new { reason = "不是我的" }, 403);
        await other.Problem("urn:timebank:problem:forbidden");
        await Host.PostAsync(Keys.Kiosk, $"/api/service-records/{record.Id}/reversal", new { reason = "x" }, 403);
        await Host.PostAsync(Keys.Auditor, $"/api/service-records/{record.Id}/reversal", new { reason = "x" }, 403);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(30);

        await Host.PostAsync(Keys.Admin, $"/api/service-records/{record.Id}/reversal", new { reason = "管理员撤销" }, 200);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(0);
    }

    [Fact]
    public async Task a_reversed_period_can_be_recorded_again()
    {
        var (volunteer, elder, record) = await Credited(60);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record.Id}/reversal", new { reason = "时间录错" }, 200);
        var start = Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(14, 0));
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, start, 50), 201);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(50);
    }
}
