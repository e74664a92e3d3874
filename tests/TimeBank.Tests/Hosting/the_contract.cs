using System.Text.Json;
using Shouldly;
using Xunit.Abstractions;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// The OpenAPI document as integrators use it: tests/contract lints it with Redocly (recommended rules and the RFC
/// 7807/9457 problem rule), generates a TypeScript client with openapi-typescript, type-checks a happy path with a
/// strict tsc, and runs it against the service running as its own process. ops/test runs npm ci there.
/// </summary>
public sealed class the_contract(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private Action<string> Log => ServiceProcess.LogTo(output);

    [Fact]
    public async Task lints_clean_and_a_generated_client_type_checks_and_runs_the_happy_path()
    {
        var folder = ServiceProcess.RepoFolder("tests", "contract");
        Directory.Exists(Path.Combine(folder, "node_modules", "@redocly")).ShouldBeTrue($"{folder}/node_modules is missing: run the suite with ops/test, which runs npm ci there.");
        await using var service = await ServiceProcess.StartAsync(Log, ownDatabase: true);
        var platform = await service.IssueKeyAsync("platform");
        var check = await ServiceProcess.RunNodeAsync(folder, "check.mjs",
            new Dictionary<string, string> { ["CONTRACT_URL"] = service.Url, ["PLATFORM_KEY"] = platform }, Log, TimeSpan.FromMinutes(4));

        var lint = check.GetProperty("lint");
        var problems = string.Join("\n", lint.GetProperty("problems").EnumerateArray().Select(p => p.GetString()));
        (lint.GetProperty("errors").GetInt32(), lint.GetProperty("warnings").GetInt32()).ShouldBe((0, 0), problems);
        check.GetProperty("typeChecked").GetBoolean().ShouldBeTrue();

        var happy = check.GetProperty("happyPath");
        happy.GetProperty("credited").GetInt32().ShouldBe(120);
        happy.GetProperty("balanceAfterDeposit").GetInt32().ShouldBe(120);
        happy.GetProperty("retryGotSameTransfer").GetBoolean().ShouldBeTrue();
        (happy.GetProperty("holdStatus").GetString(), happy.GetProperty("settledStatus").GetString()).ShouldBe(("held", "settled"));
        (happy.GetProperty("balance").GetInt32(), happy.GetProperty("available").GetInt32()).ShouldBe((30, 30));
        happy.GetProperty("refusal").GetString().ShouldBe("urn:timebank:problem:insufficient-balance");
    }

    [Fact]
    public async Task every_operation_and_parameter_is_described_and_every_problem_is_a_problem_document()
    {
        var result = await Host.Scenario(s => s.Get.Url("/swagger/v1/swagger.json"));
        var document = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        document.GetProperty("info").GetProperty("license").GetProperty("name").GetString().ShouldBe("MIT");
        document.GetProperty("servers").GetArrayLength().ShouldBe(1);

        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var where = $"{operation.Name} {path.Name}";
                var op = operation.Value;
                op.GetProperty("summary").GetString().ShouldNotBeNullOrWhiteSpace(where);
                op.GetProperty("description").GetString()!.ShouldNotContain("_api_", Case.Sensitive, where);
                var responses = op.GetProperty("responses");
                responses.TryGetProperty("401", out _).ShouldBeTrue(where);
                responses.TryGetProperty("403", out _).ShouldBeTrue(where);
                foreach (var response in responses.EnumerateObject())
                {
                    response.Value.TryGetProperty("content", out var content).ShouldBeTrue($"{where} {response.Name} has no body");
                    if (response.Name.StartsWith('4')) content.TryGetProperty("application/problem+json", out _).ShouldBeTrue($"{where} {response.Name}");
                    content.ToString().ShouldNotContain("IResult", Case.Sensitive, where);
                }
                if (!op.TryGetProperty("parameters", out var parameters)) continue;
                foreach (var parameter in parameters.EnumerateArray())
                {
                    parameter.GetProperty("description").GetString().ShouldNotBeNullOrWhiteSpace($"{where} {parameter.GetProperty("name")}");
                    if (parameter.GetProperty("name").GetString() == "Idempotency-Key") parameter.GetProperty("required").GetBoolean().ShouldBeTrue(where);
                }
            }
        }

        var schemas = document.GetProperty("components").GetProperty("schemas");
        schemas.GetProperty("Ledger.Transferring.TransferRequest").GetProperty("required").EnumerateArray().Select(r => r.GetString())
            .ShouldBe(["from", "minutes", "reason", "to"], ignoreOrder: true);
        schemas.GetProperty("People.Registering.RegisterVolunteerRequest").GetProperty("properties").GetProperty("programme")
            .GetProperty("enum").EnumerateArray().Select(e => e.GetString()).ShouldBe(["youth", "senior", "general"]);
        schemas.GetProperty("Access.Issuing.IssueApiKeyRequest").GetProperty("properties").GetProperty("role")
            .GetProperty("enum").GetArrayLength().ShouldBe(TimeBank.Access.Roles.All.Length);
    }
}
