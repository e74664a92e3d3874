using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Auditing.AccessLog;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

public sealed class logging_auditor_reads(AppFixture fixture) : ApiTest(fixture)
{
    private Task<AccessLogPage> Log(string query) => Host.GetAsync<AccessLogPage>(Keys.Admin, $"/api/audit/access-log{query}");

    [Fact]
    public async Task reads_by_auditors_are_recorded_with_who_what_and_when()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(60);
        var instants = new List<Instant>();
        async Task Read(string key, string url, int status = 200)
        {
            Fixture.Clock.Advance(Duration.FromSeconds(1));
            instants.Add(Fixture.Clock.GetCurrentInstant());
            await Host.GetAsync<object>(key, url, status);
        }

        await Read(Keys.Auditor, $"/api/accounts/{volunteer}?asOf=2026-11-24T04:00:00Z");
        await Read(Keys.Auditor, $"/api/audit/accounts/{volunteer}/replay");
        await Read(Keys.Auditor, "/api/audit/events?after=5&limit=3");
        await Read(Keys.Admin, $"/api/audit/accounts/{volunteer}/replay");
        await Read(Keys.Platform, $"/api/accounts/{volunteer}");
        await Read(Keys.Auditor, $"/api/audit/accounts/{Guid.NewGuid()}/replay", 404);

        var forAccount = await Log($"?account={volunteer}");
        forAccount.Items.Select(e => (e.Path, e.ReadAt)).ShouldBe([($"/api/audit/accounts/{volunteer}/replay", instants[1]), ($"/api/accounts/{volunteer}", instants[0])]);
        forAccount.Items.ShouldAllBe(e => e.ReaderRole == "auditor" && e.ReaderName == "Test auditor" && e.Status == 200);
        Uri.UnescapeDataString(forAccount.Items[1].Query).ShouldBe("?asOf=2026-11-24T04:00:00Z");

        // The auditor key is issued afresh for each run, so its reads in this stretch of fake time are this test's.
        var byKey = $"?keyId={forAccount.Items[0].ReaderKeyId}&from={InstantPattern.ExtendedIso.Format(instants[0])}" +
                    $"&to={InstantPattern.ExtendedIso.Format(instants[^1] + Duration.FromSeconds(1))}&pageSize=1";
        var newest = await Log(byKey);
        newest.TotalItems.ShouldBe(3);
        newest.TotalPages.ShouldBe(3);
        (newest.Items.Single().Path, newest.Items.Single().Query).ShouldBe(("/api/audit/events", "?after=5&limit=3"));
        (await Log(byKey + "&page=3")).Items.Single().Path.ShouldBe($"/api/accounts/{volunteer}");
        (await Log($"?keyId={forAccount.Items[0].ReaderKeyId}&from={InstantPattern.ExtendedIso.Format(instants[0])}&to={InstantPattern.ExtendedIso.Format(instants[1])}"))
            .TotalItems.ShouldBe(1);
    }

    [Fact]
    public async Task the_reads_are_events_in_the_chain()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(61);
        await Host.GetAsync<object>(Keys.Auditor, $"/api/audit/accounts/{volunteer}/replay");
        var entry = (await Log($"?account={volunteer}")).Items.Single();
        await Fixture.WaitForChainAsync();

        var feed = await Host.GetAsync<System.Text.Json.JsonElement>(Keys.Admin, $"/api/audit/events?stream={entry.Id}");
        var item = feed.GetProperty("items").EnumerateArray().Single();
        item.GetProperty("type").GetString().ShouldBe("ledger_data_read");
        item.GetProperty("streamKind").GetString().ShouldBe("access_log_entry");
        item.GetProperty("data").GetProperty("accountId").GetString().ShouldBe(volunteer.ToString());
        item.GetProperty("actor").GetProperty("role").GetString().ShouldBe("auditor");
    }

    [Fact]
    public async Task bad_access_log_queries_are_refused()
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Auditor);
            s.Get.Url("/api/audit/access-log?page=0&pageSize=501&from=soon");
            s.StatusCodeShouldBe(400);
        });
        (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(e => e.Name)
            .ShouldBe(["page", "pageSize", "from"], ignoreOrder: true);
    }
}
