using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using NodaTime;
using Npgsql;
using Shouldly;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.People;
using Xunit.Abstractions;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// The service on a database it reaches through a relay the test cuts: while PostgreSQL cannot be reached every request
/// is a 503 problem with Retry-After (never a 500), readiness fails and liveness holds, whatever key a probe sends; once it can, the same requests succeed, without
/// a restart, and a retried deposit is credited once.
/// </summary>
public sealed class surviving_a_database_outage(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    [Fact]
    public async Task an_unreachable_database_is_a_503_with_retry_after_and_the_service_recovers_by_itself()
    {
        var suite = new NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION"));
        await using var relay = new TcpProxy(suite.Host!, suite.Port);
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output), ownDatabase: true,
            route: b => { b.Host = "127.0.0.1"; b.Port = relay.Port; return b; });
        var platform = await service.IssueKeyAsync("platform");
        using var http = new HttpClient { BaseAddress = new Uri(service.Url) };
        http.DefaultRequestHeaders.Add("X-Api-Key", platform);
        var volunteer = await Created(await http.PostAsJsonAsync("/api/volunteers", PeopleRequests.Volunteer()));
        var elder = await Created(await http.PostAsJsonAsync("/api/elders", PeopleRequests.Elder()));
        var yesterday = LocalDateTime.FromDateTime(DateTime.UtcNow.AddHours(8).AddDays(-1).Date.AddHours(9));
        var deposit = LedgerScenarios.ServiceBody(volunteer, elder, yesterday, 45);

        relay.Cut();
        foreach (var answer in new[]
                 {
                     await http.PostAsJsonAsync("/api/service-records", deposit),
                     await http.GetAsync($"/api/accounts/{volunteer}"),
                     await http.GetAsync($"/api/volunteers/{volunteer}")
                 })
        {
            answer.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, await answer.Content.ReadAsStringAsync());
            answer.Headers.RetryAfter.ShouldNotBeNull();
            answer.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString()
                .ShouldBe("urn:timebank:problem:unavailable");
        }
        (await http.GetAsync("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        (await http.GetAsync("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // A key this node has not looked up yet would need the database: the probes must not look at it.
        using (var probe = new HttpClient { BaseAddress = new Uri(service.Url) })
        {
            probe.DefaultRequestHeaders.Add("X-Api-Key", "a-key-this-node-never-saw");
            var live = await probe.GetAsync("/health/live");
            live.StatusCode.ShouldBe(HttpStatusCode.OK, await live.Content.ReadAsStringAsync());
            (await probe.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.OK);
            var ready = await probe.GetAsync("/health/ready");
            ready.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
            (await ready.Content.ReadAsStringAsync()).ShouldContain("database");
        }

        relay.Restore();
        HttpResponseMessage retried;
        var until = DateTime.UtcNow.AddSeconds(30);
        do
        {
            await Task.Delay(250);
            retried = await http.PostAsJsonAsync("/api/service-records", deposit);
        } while (retried.StatusCode == HttpStatusCode.ServiceUnavailable && DateTime.UtcNow < until);
        retried.StatusCode.ShouldBeOneOf(HttpStatusCode.Created, HttpStatusCode.OK);
        (await http.PostAsJsonAsync("/api/service-records", deposit)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var account = JsonDocument.Parse(await http.GetStringAsync($"/api/accounts/{volunteer}")).RootElement;
        account.GetProperty("balanceMinutes").GetInt32().ShouldBe(45);
    }

    private static async Task<Guid> Created(HttpResponseMessage answer)
    {
        answer.StatusCode.ShouldBe(HttpStatusCode.Created, await answer.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }
}
