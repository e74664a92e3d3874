using Alba;
using Microsoft.Extensions.Logging;
using Shouldly;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Hosting;

/// <summary>Bodies the JSON reader cannot read are validation problems naming the field, logged as the client's mistake.</summary>
public sealed class unreadable_bodies(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<(int Status, string Field, string Text)> Send(string url, string body, string? idempotencyKey = null)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            if (idempotencyKey is not null) s.WithRequestHeader("Idempotency-Key", idempotencyKey);
            s.Post.Text(body).ToUrl(url);
            s.ConfigureHttpContext(c => c.Request.ContentType = "application/json");
            s.IgnoreStatusCode();
        });
        var problem = await result.Problem("urn:timebank:problem:validation");
        var errors = problem.GetProperty("errors");
        var field = errors.EnumerateObject().Single();
        return (result.Status(), field.Name, await result.ReadAsTextAsync());
    }

    [Theory]
    [InlineData("""{"from": "public-pool", "to": """, "to")]
    [InlineData("""{"from": "public-pool", "minutes": "ten"}""", "minutes")]
    [InlineData("""{"from": "public-pool", "minutes": 99999999999}""", "minutes")]
    [InlineData("""{"from": "public-pool", "minutes": 1.5}""", "minutes")]
    [InlineData("""{"from": "public-pool", "reason": "a\u0000b"}""", "reason")]
    [InlineData("""[1, 2]""", "body")]
    [InlineData("""not json""", "body")]
    public async Task a_body_that_cannot_be_read_is_a_validation_problem_naming_the_field(string body, string field)
    {
        var (status, named, text) = await Send("/api/transfers", body, Guid.NewGuid().ToString());

        status.ShouldBe(400);
        named.ShouldBe(field);
        text.ShouldNotContain("System.");
    }

    [Fact]
    public async Task nested_fields_are_named_by_their_path()
    {
        var (_, named, _) = await Send("/api/volunteers", """{"fullName": "张三", "guardian": {"fullName": 12}}""");
        named.ShouldBe("guardian.fullName");
    }

    [Fact]
    public async Task an_unreadable_body_is_logged_as_information_without_the_body()
    {
        const string secret = "370102195501011234";
        await Send("/api/volunteers", $$"""{"idNumber": "{{secret}}", "phone": 13800000000}""");

        var entries = Fixture.Logs.Entries.Where(e => e.Message.Contains("/api/volunteers") || e.Category.EndsWith("RegisterVolunteerRequest")).ToList();
        entries.ShouldContain(e => e.Level == LogLevel.Information && e.Message.Contains("Unreadable JSON body") && e.Message.Contains("phone"));
        entries.ShouldNotContain(e => e.Level >= LogLevel.Error);
        Fixture.Logs.Entries.ShouldNotContain(e => e.Message.Contains(secret));
    }

    [Theory]
    [InlineData("/api/audit/events?type=ledger%00read", "type")]
    [InlineData("/api/audit/access-log?keyId=%00", "keyId")]
    [InlineData("/api/elders?district=%00", "district")]
    [InlineData("/api/accounts/public-pool/entries?currency=points%00", "currency")]
    public async Task a_query_holding_nul_is_a_validation_problem_naming_it(string url, string field)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Admin);
            s.Get.Url(url);
            s.StatusCodeShouldBe(400);
        });
        var problem = await result.Problem("urn:timebank:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue();
    }

    [Theory]
    [InlineData("POST", "/api/transfers")]
    [InlineData("POST", "/api/redemptions")]
    [InlineData("POST", "/api/service-records")]
    [InlineData("POST", "/api/volunteers")]
    [InlineData("POST", "/api/elders")]
    [InlineData("POST", "/api/api-keys")]
    [InlineData("POST", "/api/markets")]
    [InlineData("PUT", "/api/markets/01a2a2a2-0000-7000-8000-000000000000/items/RICE")]
    [InlineData("POST", "/api/markets/01a2a2a2-0000-7000-8000-000000000000/items/RICE/stock")]
    [InlineData("POST", "/api/markets/01a2a2a2-0000-7000-8000-000000000000/orders")]
    [InlineData("POST", "/api/markets/01a2a2a2-0000-7000-8000-000000000000/orders/01a2a2a2-0000-7000-8000-000000000001/refund")]
    [InlineData("POST", "/api/service-records/01a2a2a2-0000-7000-8000-000000000000/reversal")]
    public async Task a_body_of_json_null_is_a_validation_problem_not_an_error(string method, string url)
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Admin);
            s.WithRequestHeader("Idempotency-Key", Guid.NewGuid().ToString());
            if (method == "PUT") s.Put.Text("null").ToUrl(url);
            else s.Post.Text("null").ToUrl(url);
            s.ConfigureHttpContext(c => c.Request.ContentType = "application/json");
            s.StatusCodeShouldBe(400);
        });
        (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("body", out _).ShouldBeTrue();
    }
}
