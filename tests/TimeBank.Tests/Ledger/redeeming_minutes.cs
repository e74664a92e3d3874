using Alba;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NodaTime;
using Shouldly;
using TimeBank.Auditing.Chain;
using TimeBank.Hosting;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.Redeeming;
using Wolverine;
using Wolverine.Tracking;
using TimeBank.Tests.Auditing;

namespace TimeBank.Tests.Ledger;

public sealed class redeeming_minutes(AppFixture fixture) : ApiTest(fixture)
{
    private static object Body(Guid account, int minutes) =>
        new { accountId = account.ToString(), minutes, serviceType = "bathing", description = "每周助浴一次" };

    private async Task<RedemptionView> Hold(Guid account, int minutes, int status = 201, string? key = null) =>
        await (await Host.PostAsync(Keys.Platform, "/api/redemptions", Body(account, minutes), status, key ?? Guid.NewGuid().ToString()))
            .Body<RedemptionView>();

    [Fact]
    public async Task a_hold_reserves_minutes_and_settling_spends_them()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(200);

        var hold = await Hold(volunteer, 80);
        hold.Status.ShouldBe(RedemptionStatus.Held);
        hold.ExpiresAt.ShouldBe(Fixture.Clock.GetCurrentInstant() + Duration.FromDays(7));
        var during = await Host.AccountAsync(Keys.Platform, volunteer);
        (during.BalanceMinutes, during.HeldMinutes, during.AvailableMinutes).ShouldBe((200, 80, 120));

        var settled = await (await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200)).Body<RedemptionView>();
        settled.Status.ShouldBe(RedemptionStatus.Settled);
        var after = await Host.AccountAsync(Keys.Platform, volunteer);
        (after.BalanceMinutes, after.HeldMinutes, after.AvailableMinutes, after.ServedMinutes).ShouldBe((120, 0, 120, 200));

        // Settling again is a safe retry; cancelling a settled redemption is refused.
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 200);
        var cancel = await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/cancel", new { }, 409);
        await cancel.Problem("urn:timebank:problem:redemption-not-held");
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(120);

        var trial = await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance");
        trial.Currencies[0].SumOfBalances.ShouldBe(0);
    }

    [Fact]
    public async Task cancelling_releases_the_hold()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(60);
        var hold = await Hold(volunteer, 60);
        await Hold(volunteer, 1, 409);

        var cancelled = await (await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/cancel", new { }, 200)).Body<RedemptionView>();
        cancelled.Status.ShouldBe(RedemptionStatus.Cancelled);
        cancelled.AvailableMinutes.ShouldBe(60);

        var settle = await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 409);
        var notHeld = await settle.Problem("urn:timebank:problem:redemption-not-held");
        (notHeld.GetProperty("status").GetInt32(), notHeld.GetProperty("redemptionStatus").GetString()).ShouldBe((409, "cancelled"));
        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.BalanceMinutes, account.HeldMinutes).ShouldBe((60, 0));
        (await Host.GetAsync<RedemptionView>(Keys.Auditor, $"/api/redemptions/{hold.Id}")).Status.ShouldBe(RedemptionStatus.Cancelled);
    }

    [Fact]
    public async Task a_hold_is_idempotent_on_its_key()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(60);
        var key = Guid.NewGuid().ToString();
        var first = await Hold(volunteer, 20, 201, key);
        var again = await Hold(volunteer, 20, 200, key);
        again.ShouldBe(first);
        (await Host.AccountAsync(Keys.Platform, volunteer)).HeldMinutes.ShouldBe(20);

        var reused = await Host.PostAsync(Keys.Platform, "/api/redemptions", Body(volunteer, 21), 409, key);
        await reused.Problem("urn:timebank:problem:idempotency-key-reused");
    }

    [Fact]
    public async Task more_than_available_cannot_be_held()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        var result = await Host.PostAsync(Keys.Platform, "/api/redemptions", Body(volunteer, 31), 409, Guid.NewGuid().ToString());
        (await result.Problem("urn:timebank:problem:insufficient-balance")).GetProperty("shortfallMinutes").GetInt32().ShouldBe(1);
        (await Host.AccountAsync(Keys.Platform, volunteer)).HeldMinutes.ShouldBe(0);
    }

    [Fact]
    public async Task bad_redemption_requests_name_each_field()
    {
        var result = await Host.PostAsync(Keys.Platform, "/api/redemptions",
            new { accountId = "x", minutes = -5, serviceType = "spa", description = "" }, 400);
        var errors = (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors");
        foreach (var field in new[] { "Idempotency-Key", "accountId", "minutes", "serviceType", "description" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{Guid.NewGuid()}/settle", new { }, 404);
    }

    [Fact]
    public async Task parallel_holds_never_overdraw()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(100);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Platform);
                s.WithRequestHeader("Idempotency-Key", Guid.NewGuid().ToString());
                s.Post.Json(Body(volunteer, 25)).ToUrl("/api/redemptions");
                s.IgnoreStatusCode();
            });
            return result.Context.Response.StatusCode;
        }));

        statuses.Count(s => s == 201).ShouldBe(4);
        statuses.Count(s => s == 409).ShouldBe(6);
        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.HeldMinutes, account.AvailableMinutes).ShouldBe((100, 0));
    }

    [Fact]
    public async Task an_expiry_that_fails_for_good_is_logged_as_it_is_dead_lettered_not_per_attempt()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        var hold = await Hold(volunteer, 30);
        await using var connection = await Store.OpenAsync();
        // A failure that looks like a lost race, so it is retried, and that no retry mends; for this account's events only.
        await connection.ExecuteAsync(
            $"""
             create function {StoredEvents.Schema}.refuse_test_account() returns trigger language plpgsql as $$
             begin if new.stream_id = '{volunteer}' then raise exception 'refused for the test' using errcode = 'unique_violation'; end if; return new; end $$;
             create trigger refuse_test_account before insert on {StoredEvents.Schema}.mt_events for each row execute function {StoredEvents.Schema}.refuse_test_account();
             """);
        var before = Fixture.Logs.Entries.Count;
        List<LogCapture.Entry> logged;
        Fixture.Clock.AdvanceDays(8);
        try
        {
            // Through the durable local queue, as the scheduler delivers it: only a queued message is dead-lettered.
            using (var scope = Host.Services.CreateScope())
                await scope.ServiceProvider.GetRequiredService<IMessageBus>().PublishAsync(new ExpireRedemption(hold.Id, volunteer, hold.ExpiresAt));
            logged = await Polling.Eventually(() => Task.FromResult(Fixture.Logs.Entries.Skip(before).ToList()), l => l.Any(DeadLettered), seconds: 30);
        }
        finally
        {
            Fixture.Clock.AdvanceDays(-8);
            await connection.ExecuteAsync($"drop trigger refuse_test_account on {StoredEvents.Schema}.mt_events; drop function {StoredEvents.Schema}.refuse_test_account()");
        }

        logged.ShouldContain(e => DeadLettered(e) && e.Exception!.ToString().Contains("refused for the test"));
        // Not a line per failed attempt from Wolverine, nor Marten's, which would print the statement's parameters.
        logged.ShouldNotContain(e => e.Level >= LogLevel.Error && (e.Category == typeof(ExpireRedemption).FullName || e.Category == RepeatedErrorLines.MartenStatements));
        (await Host.GetAsync<RedemptionView>(Keys.Platform, $"/api/redemptions/{hold.Id}")).Status.ShouldBe(RedemptionStatus.Held);
    }

    private static Envelope ScheduledExpiry(ITrackedSession tracked, Guid redemptionId) =>
        tracked.Scheduled.Envelopes().Single(e => e.Message is ExpireRedemption expiry && expiry.RedemptionId == redemptionId);

    private static bool DeadLettered(LogCapture.Entry e) =>
        e.Category == RepeatedErrorLines.DeadLetters && e.Level == LogLevel.Error && e.Message.Contains("moved to the error queue") && e.Exception is not null;

    [Fact]
    public async Task an_unsettled_hold_expires_at_its_time()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(50);

        RedemptionView hold = null!;
        var placing = DateTimeOffset.UtcNow;
        var tracked = await Host.ExecuteAndWaitAsync(async () => hold = await Hold(volunteer, 50));
        var scheduled = ScheduledExpiry(tracked, hold.Id);
        scheduled.Message.ShouldBe(new ExpireRedemption(hold.Id, volunteer, hold.ExpiresAt));
        // Wolverine's scheduler goes by the wall clock, which is days past this suite's clock: due after the time left.
        var left = (hold.ExpiresAt - Fixture.Clock.GetCurrentInstant()).ToTimeSpan();
        left.ShouldBe(TimeSpan.FromDays(7));
        scheduled.ScheduledTime!.Value.ShouldBeInRange(placing + left, DateTimeOffset.UtcNow + left);

        // Delivered early by this clock: nothing changes, and it is put back for the time left, not for an instant the
        // wall clock has passed (which would deliver it again at once, and again).
        var deliveringEarly = DateTimeOffset.UtcNow;
        var early = await Host.InvokeMessageAndWaitAsync(new ExpireRedemption(hold.Id, volunteer, hold.ExpiresAt));
        ScheduledExpiry(early, hold.Id).ScheduledTime!.Value.ShouldBeInRange(deliveringEarly + left, DateTimeOffset.UtcNow + left);
        (await Host.GetAsync<RedemptionView>(Keys.Platform, $"/api/redemptions/{hold.Id}")).Status.ShouldBe(RedemptionStatus.Held);

        Fixture.Clock.AdvanceDays(8);
        try
        {
            await Host.InvokeMessageAndWaitAsync(new ExpireRedemption(hold.Id, volunteer, hold.ExpiresAt));
        }
        finally
        {
            Fixture.Clock.AdvanceDays(-8);
        }

        var expired = await Host.GetAsync<RedemptionView>(Keys.Platform, $"/api/redemptions/{hold.Id}");
        expired.Status.ShouldBe(RedemptionStatus.Expired);
        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        (account.BalanceMinutes, account.HeldMinutes, account.AvailableMinutes).ShouldBe((50, 0, 50));
        await Host.PostAsync(Keys.Platform, $"/api/redemptions/{hold.Id}/settle", new { }, 409);
    }

    [Fact]
    public async Task another_platform_can_neither_hold_a_persons_minutes_nor_settle_or_cancel_anothers_hold()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(60);
        await Host.PostAsync(Keys.OtherPlatform, "/api/redemptions", Body(volunteer, 10), 403, Guid.NewGuid().ToString());

        var hold = await Hold(volunteer, 20);
        await Host.PostAsync(Keys.OtherPlatform, $"/api/redemptions/{hold.Id}/settle", new { }, 403);
        await Host.PostAsync(Keys.OtherPlatform, $"/api/redemptions/{hold.Id}/cancel", new { }, 403);
        (await Host.AccountAsync(Keys.Platform, volunteer)).HeldMinutes.ShouldBe(20);

        var settled = await (await Host.PostAsync(Keys.Admin, $"/api/redemptions/{hold.Id}/settle", new { }, 200)).Body<RedemptionView>();
        settled.Status.ShouldBe(RedemptionStatus.Settled);
    }
}
