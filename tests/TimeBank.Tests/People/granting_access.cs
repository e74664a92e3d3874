using System.Text.Json;
using Alba;
using Shouldly;
using TimeBank.People.Granting;
using TimeBank.Tests.Ledger;
using Xunit;

namespace TimeBank.Tests.People;

/// <summary>
/// A platform reads and moves only what belongs to the people it registered, unless a person (through their platform,
/// or an admin) grants another platform access: explicitly, revocably, and as events an auditor sees.
/// </summary>
public sealed class granting_access(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<string> KeyIdOf(string key) =>
        JsonDocument.Parse(await (await Host.Scenario(s => { s.WithRequestHeader("X-Api-Key", key); s.Get.Url("/api/api-keys/current"); }))
            .ReadAsTextAsync()).RootElement.GetProperty("id").GetString()!;

    private Task<IScenarioResult> Read(string key, string url, int status) => Host.Scenario(s =>
    {
        s.WithRequestHeader("X-Api-Key", key);
        s.Get.Url(url);
        s.StatusCodeShouldBe(status);
    });

    /// <summary>Whether the other platform's search by member code lists the volunteer.</summary>
    private async Task<bool> Found(Guid volunteer)
    {
        await using var session = Store.QuerySession();
        var code = (await Marten.QueryableExtensions.ToListAsync(session.Query<TimeBank.People.MemberCard>().Where(c => c.PersonId == volunteer))).Single().Id;
        var page = JsonDocument.Parse(await (await Read(Keys.OtherPlatform, $"/api/volunteers?memberCode={code}", 200)).ReadAsTextAsync());
        return page.RootElement.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("id").GetGuid() == volunteer);
    }

    private async Task<long> EventCount()
    {
        await using var session = Store.QuerySession();
        return await Marten.QueryableExtensions.CountAsync(session.Events.QueryAllRawEvents());
    }

    [Fact]
    public async Task another_platform_reads_and_moves_nothing_of_a_person_until_granted_and_nothing_once_revoked()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(120);
        var other = await KeyIdOf(Keys.OtherPlatform);
        string[] reads = [$"/api/volunteers/{volunteer}", $"/api/accounts/{volunteer}", $"/api/accounts/{volunteer}/entries", $"/api/elders/{elder}"];

        foreach (var url in reads) (await (await Read(Keys.OtherPlatform, url, 403)).ReadAsTextAsync()).ShouldContain("urn:timebank:problem:forbidden");
        await Host.PostAsync(Keys.OtherPlatform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-2).At(new NodaTime.LocalTime(9, 0)), 30), 403);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(120);

        var granted = (await Host.PostAsync(Keys.Platform, $"/api/people/{volunteer}/grants", new { apiKeyId = other }, 201))
            .Deserialize<AccessGrantView>(LedgerScenarios.Json)!;
        granted.Status.ShouldBe("active");
        granted.ApiKeyId.ShouldBe(other);
        await Host.PostAsync(Keys.Platform, $"/api/people/{volunteer}/grants", new { apiKeyId = other }, 200);

        foreach (var url in reads.Take(3)) await Read(Keys.OtherPlatform, url, 200);
        await Read(Keys.OtherPlatform, $"/api/elders/{elder}", 403);
        (await Found(volunteer)).ShouldBeTrue();
        await Host.PostAsync(Keys.OtherPlatform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-2).At(new NodaTime.LocalTime(9, 0)), 30), 201);
        await Host.PostAsync(Keys.OtherPlatform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 10, reason = "赠与" },
            201, Guid.NewGuid().ToString());
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(140);

        var revoked = await (await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Delete.Url($"/api/people/{volunteer}/grants/{other}");
            s.StatusCodeShouldBe(200);
        })).Body<AccessGrantView>();
        revoked.Status.ShouldBe("revoked");
        foreach (var url in reads.Take(3)) await Read(Keys.OtherPlatform, url, 403);
        (await Found(volunteer)).ShouldBeFalse();
        await Host.PostAsync(Keys.OtherPlatform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 10, reason = "赠与" },
            403, Guid.NewGuid().ToString());

        var listed = await Host.GetAsync<List<AccessGrantView>>(Keys.Auditor, $"/api/people/{volunteer}/grants");
        listed.ShouldHaveSingleItem().Status.ShouldBe("revoked");
        await Host.GetAsync<List<AccessGrantView>>(Keys.Platform, $"/api/people/{volunteer}/grants");
        await Read(Keys.OtherPlatform, $"/api/people/{volunteer}/grants", 403);

        // Both are events, stamped with who did them.
        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(AccessGrant.IdFor(volunteer, other));
        events.Select(e => e.Data.GetType()).ShouldBe([typeof(AccessGranted), typeof(AccessRevoked)]);
    }

    [Fact]
    public async Task only_the_registering_platform_or_an_admin_grants_and_bad_grants_write_nothing()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var other = await KeyIdOf(Keys.OtherPlatform);
        var kiosk = await KeyIdOf(Keys.Kiosk);
        var before = await EventCount();

        await Host.PostAsync(Keys.OtherPlatform, $"/api/people/{volunteer}/grants", new { apiKeyId = other }, 403);
        await Host.PostAsync(Keys.Auditor, $"/api/people/{volunteer}/grants", new { apiKeyId = other }, 403);
        await Host.PostAsync(Keys.Platform, $"/api/people/{volunteer}/grants", new { apiKeyId = kiosk }, 422);
        await Host.PostAsync(Keys.Platform, $"/api/people/{volunteer}/grants", new { apiKeyId = "not-a-key" }, 400);
        await Host.PostAsync(Keys.Platform, $"/api/people/{Guid.NewGuid()}/grants", new { apiKeyId = other }, 404);
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Delete.Url($"/api/people/{volunteer}/grants/{other}");
            s.StatusCodeShouldBe(404);
        });
        (await EventCount()).ShouldBe(before);

        await Host.PostAsync(Keys.Admin, $"/api/people/{volunteer}/grants", new { apiKeyId = other }, 201);
        await Read(Keys.OtherPlatform, $"/api/volunteers/{volunteer}", 200);
    }
}
