using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Auditing.Chain;
using TimeBank.Auditing.Digests;
using TimeBank.Auditing.Proving;
using TimeBank.Auditing.ReplayingAccounts;
using TimeBank.Ledger.GettingAccount;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

public sealed class reading_the_audit_trail(AppFixture fixture) : ApiTest(fixture)
{
    private static readonly string[] CanonicalMembers =
        ["causationId", "correlationId", "data", "headers", "id", "recordedAt", "sequence", "streamId", "type", "userName", "version"];

    private async Task<JsonElement> Page(string query, string? key = null)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", key ?? Keys.Auditor);
            s.Get.Url($"/api/audit/events{query}");
            s.StatusCodeShouldBe(200);
        });
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone();
    }

    /// <summary>What an auditor's script does with a feed item: rebuild the canonical form and hash it onto prevHash.</summary>
    private static string Recompute(JsonElement item)
    {
        var canonical = "{" + string.Join(",", CanonicalMembers.Select(m => JsonSerializer.Serialize(m) + ":" + item.GetProperty(m).GetRawText())) + "}";
        var bytes = Convert.FromHexString(item.GetProperty("prevHash").GetString()!).Concat(Encoding.UTF8.GetBytes(canonical)).ToArray();
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    [Fact]
    public async Task the_feed_pages_through_every_chained_event_in_order_with_hashes_an_auditor_can_recompute()
    {
        await using var connection = await Store.OpenAsync();
        var before = await connection.LastEventAsync();
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(700);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 25, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        await Fixture.WaitForChainAsync();

        var items = new List<JsonElement>();
        long? after = before;
        while (after is { } cursor)
        {
            var page = await Page($"?after={cursor}&limit=2");
            var pageItems = page.GetProperty("items").EnumerateArray().ToList();
            pageItems.Count.ShouldBeLessThanOrEqualTo(2);
            items.AddRange(pageItems);
            after = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetInt64();
        }

        var sequences = items.Select(i => i.GetProperty("sequence").GetInt64()).ToList();
        sequences.ShouldBeInOrder(SortDirection.Ascending);
        sequences.Distinct().Count().ShouldBe(sequences.Count);
        var mine = items.Where(i => i.GetProperty("streamId").GetString() == volunteer.ToString()).ToList();
        mine.Select(i => i.GetProperty("type").GetString()).ShouldBe(["account_opened", "service_recorded", "service_recorded", "transfer_sent"]);
        mine[0].GetProperty("streamKind").GetString().ShouldBe("account");
        mine[1].GetProperty("data").GetProperty("minutes").GetInt32().ShouldBe(600);
        mine[1].GetProperty("actor").GetProperty("role").GetString().ShouldBe("platform");
        mine[1].GetProperty("correlationId").GetString().ShouldNotBeNullOrEmpty();

        foreach (var item in items) Recompute(item).ShouldBe(item.GetProperty("hash").GetString());
        for (var i = 1; i < items.Count; i++) items[i].GetProperty("prevHash").GetString().ShouldBe(items[i - 1].GetProperty("hash").GetString());
    }

    [Fact]
    public async Task the_feed_filters_by_type_stream_and_recorded_instant()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(1300);
        await Fixture.WaitForChainAsync();

        var deposits = (await Page($"?stream={volunteer}&type=service_recorded")).GetProperty("items").EnumerateArray().ToList();
        deposits.Select(d => d.GetProperty("data").GetProperty("minutes").GetInt32()).ShouldBe([600, 600, 100]);

        var recorded = deposits.Select(d => InstantPattern.ExtendedIso.Parse(d.GetProperty("recordedAt").GetString()!).Value).ToList();
        var fromSecond = (await Page($"?stream={volunteer}&from={InstantPattern.ExtendedIso.Format(recorded[1])}&to={InstantPattern.ExtendedIso.Format(recorded[2])}"))
            .GetProperty("items").EnumerateArray().ToList();
        fromSecond.Select(d => d.GetProperty("sequence").GetInt64()).ShouldBe([deposits[1].GetProperty("sequence").GetInt64()]);
    }

    [Fact]
    public async Task bad_feed_queries_are_refused_whole()
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url("/api/audit/events?limit=5001&stream=not-a-stream&from=yesterday");
            s.StatusCodeShouldBe(400);
        });
        var errors = (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors");
        errors.EnumerateObject().Select(e => e.Name).ShouldBe(["limit", "stream", "from"], ignoreOrder: true);
        await Host.GetAsync<object>(Keys.Auditor, "/api/audit/events?after=-1", 400);
        await Host.GetAsync<object>(Keys.Auditor, "/api/audit/events?limit=0", 400);
    }

    [Fact]
    public async Task a_proof_over_a_damaged_digest_table_is_a_chain_broken_problem()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(35);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var deposit = (await connection.SequencesOfAsync(volunteer))[1];
        var day = (await ChainStore.FindLinkAsync(connection, deposit, CancellationToken.None))!.Day.ToDateOnly();

        await connection.ExecuteAsync($"create temp table saved_digest as select * from {ChainStore.DigestTable} where day = $1", day);
        try
        {
            // Admin reads add no events, but another test's scheduled work (a hold expiring, say) may append one, and the
            // chain then rewrites the day's row: damage it again until a proof is read over the damaged table.
            for (var attempt = 1; ; attempt++)
            {
                await connection.ExecuteAsync($"delete from {ChainStore.DigestTable} where day = $1", day);
                var result = await Host.Scenario(s =>
                {
                    s.WithRequestHeader("X-Api-Key", Keys.Admin);
                    s.Get.Url($"/api/audit/events/{deposit}/proof");
                    s.IgnoreStatusCode();
                });
                if (result.Context.Response.StatusCode == 409)
                {
                    await result.Problem("urn:timebank:problem:chain-broken");
                    break;
                }
                result.Context.Response.StatusCode.ShouldBe(200);
                (await connection.ScalarAsync<long>($"select count(*) from {ChainStore.DigestTable} where day = $1", day))
                    .ShouldBe(1, "a proof was answered over a damaged digest table the chain had not rewritten");
                attempt.ShouldBeLessThan(5, "the chain rewrote the day's digest during every attempt");
            }
        }
        finally
        {
            await connection.ExecuteAsync($"insert into {ChainStore.DigestTable} select * from saved_digest on conflict do nothing");
        }
    }

    [Fact]
    public async Task a_proof_checks_by_hand_against_the_days_digest()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(45);
        await Fixture.WaitForChainAsync();
        await using var connection = await Store.OpenAsync();
        var deposit = (await connection.SequencesOfAsync(volunteer))[1];

        // Admin reads are not logged as auditor reads; the folds of earlier tests may still append events.
        var (proof, digests) = await AuditScenarios.ReadAsOfOneChainHeadAsync(
            () => Host.GetAsync<InclusionProof>(Keys.Admin, $"/api/audit/events/{deposit}/proof"),
            p => Host.GetAsync<DigestsPage>(Keys.Admin, $"/api/audit/digests?from={p.Day:yyyy-MM-dd}&to={p.Day:yyyy-MM-dd}"),
            (p, d) => d.Items.Single().ChainHead == p.ChainHead);

        proof.Sequence.ShouldBe(deposit);
        var hash = SHA256.HashData([.. Convert.FromHexString(proof.PrevHash), .. Encoding.UTF8.GetBytes(proof.Canonical)]);
        Convert.ToHexStringLower(hash).ShouldBe(proof.Hash);
        var node = SHA256.HashData([0, .. hash]);
        Convert.ToHexStringLower(node).ShouldBe(proof.Leaf);
        foreach (var step in proof.Path)
        {
            var sibling = Convert.FromHexString(step.Hash);
            node = step.Side == SiblingSide.Left ? SHA256.HashData([1, .. sibling, .. node]) : SHA256.HashData([1, .. node, .. sibling]);
        }
        Convert.ToHexStringLower(node).ShouldBe(proof.MerkleRoot);

        var digest = digests.Items.Single();
        digest.Day.ShouldBe(proof.Day);
        digest.Zone.ShouldBe("Asia/Shanghai");
        digest.MerkleRoot.ShouldBe(proof.MerkleRoot);
        digest.Events.ShouldBe(proof.LeafCount);
        digest.ChainHead.ShouldBe(proof.ChainHead);
        (digest.FirstSequence <= deposit && deposit <= digest.LastSequence).ShouldBeTrue();
    }

    [Fact]
    public async Task proofs_and_digests_refuse_what_they_cannot_answer()
    {
        var missing = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url($"/api/audit/events/{long.MaxValue}/proof");
            s.StatusCodeShouldBe(404);
        });
        await missing.Problem("urn:timebank:problem:not-found");
        await Host.GetAsync<object>(Keys.Auditor, "/api/audit/events/first/proof", 400);

        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url("/api/audit/digests?from=24-11-2026&limit=400");
            s.StatusCodeShouldBe(400);
        });
        (await bad.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(e => e.Name)
            .ShouldBe(["from", "limit"], ignoreOrder: true);
    }

    [Fact]
    public async Task a_replay_explains_the_balance_at_instants_between_events()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(100);
        var afterDeposit = Fixture.Clock.GetCurrentInstant();
        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 30, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Host.PostAsync(Keys.Platform, "/api/redemptions", new { accountId = volunteer.ToString(), minutes = 20, serviceType = "cleaning", description = "打扫" }, 201, Guid.NewGuid().ToString());
        var afterHold = Fixture.Clock.GetCurrentInstant();
        Fixture.Clock.Advance(Duration.FromMinutes(10));
        await Fixture.WaitForChainAsync();

        foreach (var instant in new[] { afterDeposit - Duration.FromDays(400), afterDeposit + Duration.FromMinutes(5), afterHold - Duration.FromMinutes(5), afterHold, Fixture.Clock.GetCurrentInstant() })
        {
            var asOf = InstantPattern.ExtendedIso.Format(instant);
            var replay = await Host.GetAsync<AccountReplay>(Keys.Auditor, $"/api/audit/accounts/{volunteer}/replay?asOf={asOf}");
            var account = await Host.GetAsync<AccountView>(Keys.Auditor, $"/api/accounts/{volunteer}?asOf={asOf}");
            var minutes = replay.Balances[AccountReplays.Minutes];
            (minutes.Balance, minutes.Held, minutes.Available, minutes.Served, replay.Balances[AccountReplays.Points].Balance)
                .ShouldBe((account.BalanceMinutes, account.HeldMinutes, account.AvailableMinutes, account.ServedMinutes, account.PointsBalance));
            if (replay.Entries.Count > 0)
            {
                replay.Entries[^1].After[AccountReplays.Minutes].ShouldBe(minutes);
                replay.Entries[^1].After[AccountReplays.Points].ShouldBe(replay.Balances[AccountReplays.Points]);
            }
        }

        var full = await Host.GetAsync<AccountReplay>(Keys.Auditor, $"/api/audit/accounts/{volunteer}/replay");
        full.Entries.Select(e => (e.Kind, e.Changes["minutes"].Balance, e.After["minutes"].Balance, e.After["minutes"].Available))
            .ShouldBe([("service-credit", 100, 100, 100), ("transfer-out", -30, 70, 70), ("hold-placed", 0, 70, 50)]);
        full.Entries.ShouldAllBe(e => e.Hash != null && e.Hash.Length == 64);
        full.Entries[0].Changes[AccountReplays.Points].Balance.ShouldBe(full.Entries[0].After[AccountReplays.Points].Balance);
        full.Entries.Skip(1).ShouldAllBe(e => e.Changes[AccountReplays.Points].Balance == 0);
        full.Entries.Select(e => e.EventType).ShouldBe(["service_recorded", "transfer_sent", "redemption_held"]);

        await Host.GetAsync<object>(Keys.Auditor, $"/api/audit/accounts/{Guid.NewGuid()}/replay", 404);
        var bad = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url($"/api/audit/accounts/{volunteer}/replay?asOf=yesterday");
            s.StatusCodeShouldBe(400);
        });
        await bad.Problem("urn:timebank:problem:validation");
    }

    [Theory]
    [InlineData("/api/audit/events")]
    [InlineData("/api/audit/events/1/proof")]
    [InlineData("/api/audit/digests")]
    [InlineData("/api/audit/verify?from=1&to=1")]
    [InlineData("/api/audit/accounts/public-pool/replay")]
    [InlineData("/api/audit/access-log")]
    [InlineData("/api/ledger/trial-balance?asOf=2026-11-24T00:00:00Z")]
    public async Task platforms_and_kiosks_may_not_read_the_audit_trail(string url)
    {
        await Host.GetAsync<object>(Keys.Platform, url, 403);
        await Host.GetAsync<object>(Keys.Kiosk, url, 403);
        await Host.Scenario(s =>
        {
            s.Get.Url(url);
            s.StatusCodeShouldBe(401);
        });
    }
}
