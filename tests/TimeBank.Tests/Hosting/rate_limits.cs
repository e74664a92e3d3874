using System.Text.Json;
using Shouldly;
using Xunit.Abstractions;

namespace TimeBank.Tests.Hosting;

/// <summary>Each key has its own token bucket on /api; past it a 429 problem with Retry-After, and other keys go on.</summary>
public sealed class rate_limits(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private Action<string> Log => ServiceProcess.LogTo(output);

    [Fact]
    public async Task a_key_past_its_rate_gets_429_with_retry_after_while_another_key_is_served()
    {
        await using var service = await ServiceProcess.StartAsync(Log, ownDatabase: true, new Dictionary<string, string>
        {
            ["TimeBank__RateLimit__PermitsPerSecond"] = "2",
            ["TimeBank__RateLimit__Burst"] = "3"
        });
        var busy = await service.IssueKeyAsync("platform");
        var other = await service.IssueKeyAsync("auditor");
        using var http = new HttpClient { BaseAddress = new Uri(service.Url) };

        // At once: the bucket holds 3 and refills 2 a second, so a few pass and the rest are refused.
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Get(http, busy, "/api/service-types")));

        answers.Count(a => (int)a.StatusCode == 200).ShouldBeInRange(3, 7);
        answers.Count(a => (int)a.StatusCode == 429).ShouldBe(12 - answers.Count(a => (int)a.StatusCode == 200));
        var refused = answers.First(a => (int)a.StatusCode == 429);
        refused.Headers.RetryAfter.ShouldNotBeNull();
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString()
            .ShouldBe("urn:timebank:problem:too-many-requests");

        ((int)(await Get(http, other, "/api/service-types")).StatusCode).ShouldBe(200);
        ((int)(await http.GetAsync("/health/live")).StatusCode).ShouldBe(200);
    }

    [Fact]
    public async Task a_rate_of_zero_turns_the_limits_off()
    {
        await using var service = await ServiceProcess.StartAsync(Log, ownDatabase: true, new Dictionary<string, string>
        {
            ["TimeBank__RateLimit__PermitsPerSecond"] = "0",
            ["TimeBank__RateLimit__Burst"] = "1",
            ["TimeBank__RateLimit__AnonymousPermitsPerSecond"] = "1"
        });
        var key = await service.IssueKeyAsync("platform");
        using var http = new HttpClient { BaseAddress = new Uri(service.Url) };

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Get(http, key, "/api/service-types")));
        var anonymous = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => http.GetAsync("/api/service-types")));

        answers.ShouldAllBe(a => (int)a.StatusCode == 200);
        anonymous.ShouldAllBe(a => (int)a.StatusCode == 401);
    }

    private static Task<HttpResponseMessage> Get(HttpClient http, string key, string url)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Api-Key", key);
        return http.SendAsync(request);
    }
}
