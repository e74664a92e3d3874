using Alba;
using JasperFx.Events.Daemon;
using Marten;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.GettingAccount;
using TimeBank.Ledger.ListingEntries;
using TimeBank.Ledger.Redeeming;
using TimeBank.ServiceRecords;
using TimeBank.Tests.Auditing;

namespace TimeBank.Tests.Ledger;

public sealed class reading_accounts(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task unknown_accounts_are_404_problems()
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/accounts/{Guid.NewGuid()}");
            s.StatusCodeShouldBe(404);
        });
        await result.Problem("urn:timebank:problem:not-found");
        await Host.GetAsync<object>(Keys.Platform, "/api/accounts/not-an-id", 404);
    }

    [Fact]
    public async Task as_of_answers_for_instants_between_events()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(100);
        var afterDeposit = Fixture.Clock.GetCurrentInstant();

        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 30, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        var afterTransfer = Fixture.Clock.GetCurrentInstant();

        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = volunteer.ToString(), minutes = 20, serviceType = "cleaning", description = "打扫" }, 201, Guid.NewGuid().ToString());
        Fixture.Clock.Advance(Duration.FromMinutes(10));

        async Task<AccountView> At(Instant instant) =>
            await Host.GetAsync<AccountView>(Keys.Auditor, $"/api/accounts/{volunteer}?asOf={InstantPattern.ExtendedIso.Format(instant)}");

        var beforeAnything = await At(afterDeposit - Duration.FromDays(400));
        (beforeAnything.BalanceMinutes, beforeAnything.ServedMinutes).ShouldBe((0, 0));

        var betweenDepositAndTransfer = await At(afterDeposit + Duration.FromMinutes(5));
        (betweenDepositAndTransfer.BalanceMinutes, betweenDepositAndTransfer.AvailableMinutes).ShouldBe((100, 100));

        var betweenTransferAndHold = await At(afterTransfer + Duration.FromMinutes(5));
        (betweenTransferAndHold.BalanceMinutes, betweenTransferAndHold.HeldMinutes).ShouldBe((70, 0));

        var now = await At(Fixture.Clock.GetCurrentInstant());
        var current = await Host.AccountAsync(Keys.Auditor, volunteer);
        (now.BalanceMinutes, now.HeldMinutes, now.AvailableMinutes, now.ServedMinutes)
            .ShouldBe((current.BalanceMinutes, current.HeldMinutes, current.AvailableMinutes, current.ServedMinutes));
        (current.BalanceMinutes, current.HeldMinutes, current.AvailableMinutes).ShouldBe((70, 20, 50));

        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url($"/api/accounts/{volunteer}?asOf=yesterday");
            s.StatusCodeShouldBe(400);
        });
        await bad.Problem("urn:timebank:problem:validation");
    }

    [Fact]
    public async Task entries_come_newest_first_with_the_balance_after_each_and_page()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(1500); // three deposits of 600, 600, 300
        for (var i = 0; i < 3; i++)
        {
            await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 100, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        }

        var firstPage = await Host.GetAsync<EntriesPage>(Keys.Platform, $"/api/accounts/{volunteer}/entries?page=1&pageSize=4");
        firstPage.TotalItems.ShouldBe(6);
        firstPage.TotalPages.ShouldBe(2);
        firstPage.Items.Select(e => e.BalanceAfterMinutes).ShouldBe([1200, 1300, 1400, 1500]);
        firstPage.Items.Select(e => e.Sequence).ShouldBeInOrder(SortDirection.Descending);

        var secondPage = await Host.GetAsync<EntriesPage>(Keys.Platform, $"/api/accounts/{volunteer}/entries?page=2&pageSize=4");
        secondPage.Items.Select(e => (e.Kind, e.AmountMinutes, e.BalanceAfterMinutes))
            .ShouldBe([("service-credit", 600, 1200), ("service-credit", 600, 600)]);
        secondPage.Items.ShouldAllBe(e => e.Counterparty == SystemAccounts.IssuanceName);

        // Far past the last page is empty, up to the last page any list allows.
        var farPage = await Host.GetAsync<EntriesPage>(Keys.Platform, $"/api/accounts/{volunteer}/entries?page={TimeBank.Hosting.Paging.MaxPage}&pageSize=500");
        farPage.Items.ShouldBeEmpty();

        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/accounts/{volunteer}/entries?pageSize=5000");
            s.StatusCodeShouldBe(400);
        });
        (await bad.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("pageSize", out _).ShouldBeTrue();

        var unparseable = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/accounts/{volunteer}/entries?page=first");
            s.StatusCodeShouldBe(400);
        });
        await unparseable.Problem("urn:timebank:problem:validation");
    }

    [Fact]
    public async Task the_trial_balance_is_for_ledger_readers_and_sums_to_zero()
    {
        await Fixture.VolunteerWithBalance(75);
        var trial = await Host.GetAsync<TrialBalance>(Keys.Admin, "/api/ledger/trial-balance");
        var minutes = trial.Currencies.Single(c => c.Currency == "minutes");
        minutes.SumOfBalances.ShouldBe(0);
        minutes.Issued.ShouldBeGreaterThanOrEqualTo(75);
        (minutes.PersonBalances + minutes.PublicPool).ShouldBe(minutes.Issued - minutes.Redeemed);
        minutes.SystemAccountBalances[SystemAccounts.IssuanceName].ShouldBe(-minutes.Issued);

        await Host.GetAsync<object>(Keys.Kiosk, "/api/ledger/trial-balance", 403);
        await Host.GetAsync<object>(Keys.Platform, "/api/ledger/trial-balance", 403);
    }

    [Fact]
    public async Task projections_rebuilt_from_the_events_give_the_same_result()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(300);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 40, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        var hold = await (await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = volunteer.ToString(), minutes = 60, serviceType = "cleaning", description = "打扫" }, 201, Guid.NewGuid().ToString())).Body<RedemptionView>();
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200);

        async Task<(List<Account>, List<ServiceRecord>, List<Redemption>)> Snapshot()
        {
            await using var session = Store.QuerySession();
            return ((await session.Query<Account>().OrderBy(a => a.Id).ToListAsync()).ToList(),
                (await session.Query<ServiceRecord>().OrderBy(r => r.Id).ToListAsync()).ToList(),
                (await session.Query<Redemption>().OrderBy(r => r.Id).ToListAsync()).ToList());
        }

        await using var connection = await Store.OpenAsync();
        var highestBefore = await connection.LastEventAsync();
        var (accounts, records, redemptions) = await Snapshot();

        using var daemon = await Store.BuildProjectionDaemonAsync();
        await daemon.RebuildProjectionAsync<Account>(CancellationToken.None);
        await daemon.RebuildProjectionAsync<ServiceRecordProjection>(CancellationToken.None);
        await daemon.RebuildProjectionAsync<RedemptionProjection>(CancellationToken.None);

        var (rebuiltAccounts, rebuiltRecords, rebuiltRedemptions) = await Snapshot();
        // Nothing else should write meanwhile; if something did, its accounts were read at two different moments.
        var writtenMeanwhile = (await connection.StreamsWrittenAfterAsync(highestBefore)).ToHashSet();
        writtenMeanwhile.ShouldNotContain(volunteer);
        var seen = $"events up to {highestBefore} when read, rebuilt up to {daemon.Tracker.HighWaterMark}; streams written meanwhile, their documents not compared: [{string.Join(", ", writtenMeanwhile)}]";
        var json = Store.Options.Serializer();
        Differences(accounts, rebuiltAccounts, a => a.Id, a => a.Id, SameAccount, writtenMeanwhile, json.ToJson).ShouldBeEmpty(seen);
        Differences(records, rebuiltRecords, r => r.Id, r => r.VolunteerId, (a, b) => a == b, writtenMeanwhile, json.ToJson).ShouldBeEmpty(seen);
        Differences(redemptions, rebuiltRedemptions, r => r.Id, r => r.AccountId, (a, b) => a == b, writtenMeanwhile, json.ToJson).ShouldBeEmpty(seen);
        rebuiltAccounts.Single(a => a.Id == volunteer).BalanceMinutes.ShouldBe(200);
    }

    private static bool SameAccount(Account live, Account rebuilt) =>
        live with { OpenHolds = live.OpenHolds.Clear() } == rebuilt with { OpenHolds = rebuilt.OpenHolds.Clear() }
        && live.OpenHolds.Count == rebuilt.OpenHolds.Count
        && live.OpenHolds.All(hold => rebuilt.OpenHolds.TryGetValue(hold.Key, out var minutes) && minutes == hold.Value);

    /// <summary>
    /// The documents that are missing, extra or unequal after a rebuild, each shown as stored before and after; those of
    /// an account in <paramref name="skipped"/> are left out.
    /// </summary>
    private static List<string> Differences<T>(List<T> live, List<T> rebuilt, Func<T, Guid> id, Func<T, Guid> account, Func<T, T, bool> same,
        IReadOnlySet<Guid> skipped, Func<object, string> show)
    {
        live = [.. live.Where(l => !skipped.Contains(account(l)))];
        rebuilt = [.. rebuilt.Where(r => !skipped.Contains(account(r)))];
        var rebuiltById = rebuilt.ToDictionary(id);
        var liveIds = live.Select(id).ToHashSet();
        return
        [
            .. live.Where(l => !rebuiltById.TryGetValue(id(l), out var r) || !same(l, r))
                .Select(l => $"{id(l)}: live {show(l!)}, rebuilt {(rebuiltById.TryGetValue(id(l), out var r) ? show(r!) : "missing")}"),
            .. rebuilt.Where(r => !liveIds.Contains(id(r))).Select(r => $"{id(r)}: only rebuilt {show(r!)}")
        ];
    }
}
