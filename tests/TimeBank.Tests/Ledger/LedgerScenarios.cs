using System.Net.Http.Json;
using System.Text.Json;
using Alba;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Ledger.GettingAccount;

namespace TimeBank.Tests.Ledger;

/// <summary>Small steps that tests build their state from, all through the HTTP API.</summary>
public static class LedgerScenarios
{
    public static readonly JsonSerializerOptions Json = CreateJson();

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions();
        TimeBankSetup.ConfigureJson(options);
        return options;
    }

    public static LocalDateTime LocalNow(this AppFixture fixture) =>
        fixture.Clock.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).LocalDateTime;

    public static object ServiceBody(Guid volunteer, Guid elder, LocalDateTime startedAt, int minutes, string? recordId = null,
        string serviceType = "home-visit") => new
    {
        platformRecordId = recordId ?? Guid.NewGuid().ToString("N"),
        volunteerId = volunteer,
        elderId = elder,
        serviceType,
        startedAt = LocalDateTimePattern.ExtendedIso.Format(startedAt),
        endedAt = LocalDateTimePattern.ExtendedIso.Format(startedAt.PlusMinutes(minutes)),
        note = "陪老人聊天"
    };

    public static async Task<IScenarioResult> PostAsync(this IAlbaHost host, string apiKey, string url, object body,
        int status, string? idempotencyKey = null)
    {
        return await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            if (idempotencyKey is not null) s.WithRequestHeader(Idempotency.Header, idempotencyKey);
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(status);
        });
    }

    public static async Task<T> GetAsync<T>(this IAlbaHost host, string apiKey, string url, int status = 200)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Get.Url(url);
            s.StatusCodeShouldBe(status);
        });
        return (await result.ReadAsTextAsync()).Deserialize<T>();
    }

    public static T Deserialize<T>(this string json) => JsonSerializer.Deserialize<T>(json, Json)!;

    public static async Task<T> Body<T>(this IScenarioResult result) => (await result.ReadAsTextAsync()).Deserialize<T>();

    public static async Task<JsonElement> Problem(this IScenarioResult result, string type)
    {
        (await ProblemDocuments.WhyNotAsync(result)).ShouldBeNull();
        var problem = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe(type);
        return problem;
    }

    public static Task<AccountView> AccountAsync(this IAlbaHost host, string apiKey, Guid id) =>
        host.GetAsync<AccountView>(apiKey, $"/api/accounts/{id}");

    /// <summary>A registered volunteer and elder, and the volunteer credited with the given minutes (one record per ≤ 12 h, on past days).</summary>
    public static async Task<(Guid Volunteer, Guid Elder)> VolunteerWithBalance(this AppFixture fixture, int minutes)
    {
        var volunteer = await fixture.Host.RegisterVolunteerAsync(fixture.Keys.Platform);
        var elder = await fixture.Host.RegisterElderAsync(fixture.Keys.Platform);
        var day = fixture.LocalNow().Date.PlusDays(-30).At(new LocalTime(8, 0));
        for (var left = minutes; left > 0; left -= 600, day = day.PlusDays(1))
        {
            await fixture.Host.PostAsync(fixture.Keys.Platform, "/api/service-records",
                ServiceBody(volunteer, elder, day, Math.Min(left, 600)), 201);
        }
        return (volunteer, elder);
    }
}
