using System.Text.Json;
using Alba;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.Tests.People;

/// <summary>Request bodies as dictionaries, so a test can break exactly one field.</summary>
public static class PeopleRequests
{
    public static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    public static LocalDate Today(this AppFixture fixture) => fixture.Clock.GetCurrentInstant().InZone(Shanghai).Date;

    /// <summary>A fresh number: a random Tianjin-like region keeps reruns on the same database from colliding.</summary>
    public static string NewIdNumber(LocalDate birth) => TestPeople.IdNumber(birth, $"12{Random.Shared.Next(0, 10000):D4}");

    public static Dictionary<string, object?> Volunteer(string? idNumber = null) => new()
    {
        ["fullName"] = "王建国",
        ["idNumber"] = idNumber ?? NewIdNumber(TestPeople.SomeBirthDate(1955, 1965)),
        ["phone"] = TestPeople.Phone(),
        ["programme"] = "senior",
        ["district"] = "河西区",
        ["street"] = "友谊路街道",
        ["community"] = "平江里社区"
    };

    public static Dictionary<string, object?> Elder(string? idNumber = null) => new()
    {
        ["fullName"] = "刘桂兰",
        ["idNumber"] = idNumber ?? NewIdNumber(TestPeople.SomeBirthDate(1930, 1945)),
        ["phone"] = TestPeople.Phone(),
        ["district"] = "河西区",
        ["street"] = "友谊路街道",
        ["community"] = "平江里社区",
        ["categories"] = new[] { "living-alone" },
        ["emergencyContact"] = new Dictionary<string, object?> { ["fullName"] = "刘伟", ["phone"] = TestPeople.Phone(), ["relation"] = "child" }
    };

    public static Dictionary<string, object?> With(this Dictionary<string, object?> body, string field, object? value)
    {
        body[field] = value;
        return body;
    }

    public static Dictionary<string, object?> Without(this Dictionary<string, object?> body, string field)
    {
        body.Remove(field);
        return body;
    }

    public static async Task<JsonElement> PostAsync(this IAlbaHost host, string apiKey, string url, object body, int status)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(status);
        });
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone();
    }

    public static async Task<JsonElement> GetAsync(this IAlbaHost host, string apiKey, string url, int status = 200)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Get.Url(url);
            s.StatusCodeShouldBe(status);
        });
        return JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.Clone();
    }

    /// <summary>Posts a body that must be refused as a whole: a 400 naming exactly these fields, and nothing written.</summary>
    public static async Task ShouldBeRefusedAsync(this AppFixture fixture, string url, Dictionary<string, object?> body, params string[] fields)
    {
        var before = await fixture.CountPeopleAndAccountsAsync();

        var result = await fixture.Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", fixture.Keys.Platform);
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = (await result.ReadAsJsonAsync<HttpValidationProblemDetails>())!;
        problem.Type.ShouldBe("urn:timebank:problem:validation");
        problem.Errors.Keys.ShouldBe(fields, ignoreOrder: true);

        (await fixture.CountPeopleAndAccountsAsync()).ShouldBe(before);
        if (body.GetValueOrDefault("idNumber") is string idNumber && ResidentIdNumber.TryParse(idNumber, out _) is { } parsed)
        {
            var hash = fixture.Host.Services.GetRequiredService<PersonalData>().IdNumberHash(parsed);
            await using var session = fixture.Store.QuerySession();
            (await session.Query<Volunteer>().AnyAsync(v => v.IdNumberHash == hash)).ShouldBeFalse();
            (await session.Query<Elder>().AnyAsync(e => e.IdNumberHash == hash)).ShouldBeFalse();
        }
    }

    public static async Task<(int Volunteers, int Elders, int Accounts)> CountPeopleAndAccountsAsync(this AppFixture fixture)
    {
        await using var session = fixture.Store.QuerySession();
        return (await session.Query<Volunteer>().CountAsync(), await session.Query<Elder>().CountAsync(),
            await session.Query<Account>().CountAsync());
    }
}
