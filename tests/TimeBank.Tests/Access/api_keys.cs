using Alba;
using Marten;
using Shouldly;
using TimeBank.Access.Issuing;

namespace TimeBank.Tests.Access;

public sealed class api_keys(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task admin_issues_a_key_that_is_shown_once_and_works()
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Admin);
            s.Post.Json(new { name = "Hexi platform", role = "platform" }).ToUrl("/api/api-keys");
            s.StatusCodeShouldBe(201);
        });
        var issued = (await result.ReadAsJsonAsync<IssuedApiKey>())!;
        issued.Role.ShouldBe("platform");
        issued.Key.ShouldStartWith("tbk_");

        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", issued.Key);
            s.Get.Url("/api/service-types");
            s.StatusCodeShouldBe(200);
        });

        await using var session = Store.QuerySession();
        var stored = await session.LoadAsync<TimeBank.Access.ApiKey>(issued.Id);
        stored!.KeyHash.ShouldNotContain(issued.Key);
        stored.KeyHash.ShouldBe(TimeBank.Access.ApiKey.Hash(issued.Key));
    }

    [Fact]
    public async Task missing_key_is_401_problem()
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url("/api/service-types");
            s.StatusCodeShouldBe(401);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.ReadAsTextAsync()).ShouldContain("urn:timebank:problem:unauthorized");
        result.Context.Response.Headers.WWWAuthenticate.ToString().ShouldBe("ApiKey header=\"X-Api-Key\"");
    }

    [Fact]
    public async Task unknown_key_is_401()
    {
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", "tbk_not-a-real-key");
            s.Get.Url("/api/service-types");
            s.StatusCodeShouldBe(401);
        });
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("kiosk")]
    [InlineData("auditor")]
    public async Task only_admin_issues_keys(string role)
    {
        var key = role switch { "platform" => Keys.Platform, "kiosk" => Keys.Kiosk, _ => Keys.Auditor };
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", key);
            s.Post.Json(new { name = "sneaky", role = "admin" }).ToUrl("/api/api-keys");
            s.StatusCodeShouldBe(403);
            s.ContentTypeShouldBe("application/problem+json");
        });
        (await result.ReadAsTextAsync()).ShouldContain("urn:timebank:problem:forbidden");
    }

    [Fact]
    public async Task invalid_key_request_names_each_field_and_writes_nothing()
    {
        await using var before = Store.QuerySession();
        var count = await before.Query<TimeBank.Access.ApiKey>().CountAsync();

        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Admin);
            s.Post.Json(new { name = "", role = "superuser" }).ToUrl("/api/api-keys");
            s.StatusCodeShouldBe(400);
            s.ContentTypeShouldBe("application/problem+json");
        });
        var problem = (await result.ReadAsJsonAsync<Microsoft.AspNetCore.Http.HttpValidationProblemDetails>())!;
        problem.Type.ShouldBe("urn:timebank:problem:validation");
        problem.Errors.Keys.ShouldBe(["name", "role"], ignoreOrder: true);

        await using var after = Store.QuerySession();
        (await after.Query<TimeBank.Access.ApiKey>().CountAsync()).ShouldBe(count);
    }
}
