using Alba;
using Shouldly;
using TimeBank.Ledger.CheckingTrialBalance;
using TimeBank.Ledger.ListingEntries;
using TimeBank.Ledger.Transferring;

namespace TimeBank.Tests.Ledger;

public sealed class transferring_minutes(AppFixture fixture) : ApiTest(fixture)
{
    private static object Body(object from, object to, int minutes, string reason = "给母亲的时间") =>
        new { from = from.ToString(), to = to.ToString(), minutes, reason };

    private async Task AssertTrialBalanceIsZero()
    {
        var trial = await Host.GetAsync<TrialBalance>(Keys.Auditor, "/api/ledger/trial-balance");
        trial.Currencies.Single(c => c.Currency == "minutes").SumOfBalances.ShouldBe(0);
    }

    [Fact]
    public async Task a_transfer_moves_available_minutes_between_two_accounts()
    {
        var (giver, _) = await Fixture.VolunteerWithBalance(120);
        var receiver = await Host.RegisterElderAsync(Keys.Platform);

        var result = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, receiver, 50), 201, Guid.NewGuid().ToString());
        var transfer = await result.Body<TransferResult>();
        transfer.Minutes.ShouldBe(50);
        transfer.FromBalanceMinutes.ShouldBe(70);

        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(70);
        var received = await Host.AccountAsync(Keys.Platform, receiver);
        received.BalanceMinutes.ShouldBe(50);
        received.ServedMinutes.ShouldBe(0);
        (await Host.AccountAsync(Keys.Platform, giver)).ServedMinutes.ShouldBe(120);

        var giverEntries = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{giver}/entries");
        var newest = giverEntries.Items[0];
        newest.Kind.ShouldBe("transfer-out");
        newest.AmountMinutes.ShouldBe(-50);
        newest.BalanceAfterMinutes.ShouldBe(70);
        newest.Counterparty.ShouldBe(receiver.ToString());
        newest.Reference.ShouldBe($"transfer:{transfer.Id}");

        var receiverEntries = await Host.GetAsync<EntriesPage>(Keys.Auditor, $"/api/accounts/{receiver}/entries");
        receiverEntries.Items.Single().Reference.ShouldBe($"transfer:{transfer.Id}");
        await AssertTrialBalanceIsZero();
    }

    [Fact]
    public async Task more_than_available_is_refused_naming_the_shortfall_and_nothing_moves()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(40);

        var result = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, elder, 55), 409, Guid.NewGuid().ToString());
        var problem = await result.Problem("urn:timebank:problem:insufficient-balance");
        problem.GetProperty("shortfallMinutes").GetInt32().ShouldBe(15);
        problem.GetProperty("availableMinutes").GetInt32().ShouldBe(40);

        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(40);
        (await Host.AccountAsync(Keys.Platform, elder)).BalanceMinutes.ShouldBe(0);
    }

    [Fact]
    public async Task a_retry_with_the_same_key_returns_the_first_result_and_moves_nothing_again()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(100);
        var key = Guid.NewGuid().ToString();

        var first = await (await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, elder, 30), 201, key)).Body<TransferResult>();
        var retry = await (await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, elder, 30), 200, key)).Body<TransferResult>();
        retry.ShouldBe(first);
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(70);

        var reused = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, elder, 31), 409, key);
        await reused.Problem("urn:timebank:problem:idempotency-key-reused");
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(70);
    }

    [Fact]
    public async Task a_transfer_without_an_idempotency_key_or_with_bad_fields_is_refused()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(30);

        var noKey = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, elder, 10), 400);
        (await noKey.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("Idempotency-Key", out _).ShouldBeTrue();

        var bad = await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = "nobody", to = giver.ToString(), minutes = 0, reason = "" }, 400, "k-" + Guid.NewGuid());
        var errors = (await bad.Problem("urn:timebank:problem:validation")).GetProperty("errors");
        foreach (var field in new[] { "from", "minutes", "reason" }) errors.TryGetProperty(field, out _).ShouldBeTrue(field);

        var self = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, giver, 10), 400, "k-" + Guid.NewGuid());
        (await self.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();

        // The same account written another way (upper case, braces) is still the same account.
        var selfAgain = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, giver.ToString("B").ToUpperInvariant(), 10), 400,
            "k-" + Guid.NewGuid());
        (await selfAgain.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("to", out _).ShouldBeTrue();

        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(30);
    }

    [Fact]
    public async Task an_unknown_account_is_refused()
    {
        var (giver, _) = await Fixture.VolunteerWithBalance(30);
        var result = await Host.PostAsync(Keys.Platform, "/api/transfers", Body(giver, Guid.NewGuid(), 10), 422, Guid.NewGuid().ToString());
        await result.Problem("urn:timebank:problem:unknown-reference");
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(30);
    }

    [Fact]
    public async Task minutes_can_be_donated_to_and_granted_from_the_public_pool()
    {
        var (donor, _) = await Fixture.VolunteerWithBalance(90);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var poolBefore = (await Host.GetAsync<TimeBank.Ledger.GettingAccount.AccountView>(Keys.Platform, "/api/accounts/public-pool")).BalanceMinutes;

        await Host.PostAsync(Keys.Platform, "/api/transfers", Body(donor, "public-pool", 60, "捐入公益时间池"), 201, Guid.NewGuid().ToString());
        (await Host.GetAsync<TimeBank.Ledger.GettingAccount.AccountView>(Keys.Platform, "/api/accounts/public-pool")).BalanceMinutes.ShouldBe(poolBefore + 60);

        await Host.PostAsync(Keys.Admin, "/api/transfers", Body("public-pool", elder, 60, "为困难老人划拨"), 201, Guid.NewGuid().ToString());
        (await Host.AccountAsync(Keys.Platform, elder)).BalanceMinutes.ShouldBe(60);
        (await Host.GetAsync<TimeBank.Ledger.GettingAccount.AccountView>(Keys.Platform, "/api/accounts/public-pool")).BalanceMinutes.ShouldBe(poolBefore);
        await AssertTrialBalanceIsZero();
    }

    [Fact]
    public async Task parallel_transfers_never_overdraw()
    {
        var (giver, _) = await Fixture.VolunteerWithBalance(100);
        var receivers = new List<Guid>();
        for (var i = 0; i < 4; i++) receivers.Add(await Host.RegisterElderAsync(Keys.Platform));

        var statuses = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Platform);
                s.WithRequestHeader("Idempotency-Key", Guid.NewGuid().ToString());
                s.Post.Json(Body(giver, receivers[i % receivers.Count], 30)).ToUrl("/api/transfers");
                s.IgnoreStatusCode();
            });
            return result.Context.Response.StatusCode;
        }));

        statuses.Count(s => s == 201).ShouldBe(3);
        statuses.Count(s => s == 409).ShouldBe(9);
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(10);
        var received = 0;
        foreach (var r in receivers) received += (await Host.AccountAsync(Keys.Platform, r)).BalanceMinutes;
        received.ShouldBe(90);
        await AssertTrialBalanceIsZero();
    }

    [Fact]
    public async Task only_writers_transfer()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(30);
        foreach (var key in new[] { Keys.Kiosk, Keys.Auditor })
        {
            await Host.PostAsync(key, "/api/transfers", Body(giver, elder, 10), 403, Guid.NewGuid().ToString());
        }
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(30);
    }

    [Fact]
    public async Task another_platform_cannot_move_minutes_out_of_a_person_it_did_not_register()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(30);

        var refused = await Host.PostAsync(Keys.OtherPlatform, "/api/transfers", Body(giver, elder, 10), 403, Guid.NewGuid().ToString());
        await refused.Problem("urn:timebank:problem:forbidden");
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(30);

        await Host.PostAsync(Keys.Admin, "/api/transfers", Body(giver, elder, 10), 201, Guid.NewGuid().ToString());
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(20);
    }

    [Fact]
    public async Task only_an_admin_moves_minutes_out_of_the_public_pool()
    {
        var (giver, elder) = await Fixture.VolunteerWithBalance(30);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = giver.ToString(), to = "public-pool", minutes = 20, reason = "捐赠" }, 201,
            Guid.NewGuid().ToString());
        var fromPool = new { from = "public-pool", to = elder.ToString(), minutes = 5, reason = "公益时间" };

        await Host.PostAsync(Keys.Platform, "/api/transfers", fromPool, 403, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.Admin, "/api/transfers", fromPool, 201, Guid.NewGuid().ToString());
        (await Host.AccountAsync(Keys.Platform, elder)).BalanceMinutes.ShouldBe(5);
    }

    [Fact]
    public async Task a_kiosk_reads_no_accounts_statements_or_redemptions()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        await Host.GetAsync<object>(Keys.Kiosk, $"/api/accounts/{volunteer}", 403);
        await Host.GetAsync<object>(Keys.Kiosk, $"/api/accounts/{volunteer}/entries", 403);
        await Host.GetAsync<object>(Keys.Kiosk, $"/api/redemptions/{Guid.NewGuid()}", 403);
    }
}
