using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>What the service logs unless configured otherwise: no per-request lines, no debug output, no request bodies.</summary>
public sealed class logging_defaults(AppFixture fixture) : ApiTest(fixture)
{
    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)]
    [InlineData("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Information, false)]
    // Enabled at any level, this category makes ASP.NET Core start an activity and a log scope for every request.
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Critical, false)]
    [InlineData("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Warning, true)]
    [InlineData("Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware", LogLevel.Error, true)]
    [InlineData("Marten.IDocumentStore", LogLevel.Debug, false)]
    // A failed statement's line repeats an exception its caller handles, and prints the statement's parameters.
    [InlineData("Marten.IDocumentStore", LogLevel.Error, false)]
    [InlineData("Marten.IDocumentStore", LogLevel.Information, true)]
    [InlineData("Marten.IDocumentStore", LogLevel.Critical, true)]
    [InlineData("TimeBank.ServiceRecords.Depositing.RecordServices", LogLevel.Error, false)]
    [InlineData("TimeBank.Ledger.Transferring.MakeTransfers", LogLevel.Error, false)]
    [InlineData("TimeBank.Ledger.Transferring.MakeTransfers", LogLevel.Warning, true)]
    [InlineData("TimeBank.Ledger.Redeeming.RequestRedemption", LogLevel.Error, false)]
    [InlineData("TimeBank.Ledger.Redeeming.ExpireRedemption", LogLevel.Error, false)]
    [InlineData("TimeBank.Ledger.Redeeming.ExpireRedemption", LogLevel.Warning, true)]
    [InlineData("Wolverine.Runtime.WolverineRuntime", LogLevel.Error, true)]
    [InlineData("TimeBank.Ledger.Transferring.TransferRequest", LogLevel.Error, false)]
    [InlineData("TimeBank.Hosting.UnreadableBody", LogLevel.Information, true)]
    [InlineData("TimeBank.Hosting.ProblemExceptionHandler", LogLevel.Error, true)]
    public void levels_by_category(string category, LogLevel level, bool enabled)
    {
        Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category).IsEnabled(level).ShouldBe(enabled);
    }

    [Fact]
    public void a_level_configured_for_a_left_out_category_brings_its_errors_back_and_the_default_still_applies()
    {
        static ILogger Statements(Dictionary<string, string?> settings)
        {
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection().AddLogging(logging => logging.AddConfiguration(configuration.GetSection("Logging")).LeaveOutRepeatedErrors(configuration).AddProvider(new LogCapture()));
            return services.BuildServiceProvider().GetRequiredService<ILoggerFactory>().CreateLogger(RepeatedErrorLines.MartenStatements);
        }

        Statements([]).IsEnabled(LogLevel.Error).ShouldBeFalse();
        Statements([]).IsEnabled(LogLevel.Information).ShouldBeTrue();
        Statements(new() { ["Logging:LogLevel:Marten.IDocumentStore"] = "Debug" }).IsEnabled(LogLevel.Error).ShouldBeTrue();
        Statements(new() { ["Logging:LogLevel:Default"] = "Warning" }).IsEnabled(LogLevel.Information).ShouldBeFalse();
        Statements(new() { ["Logging:LogLevel:Default"] = "Warning" }).IsEnabled(LogLevel.Critical).ShouldBeTrue();
    }
}

/// <summary>The console speaks JSON when Logging__Console__FormatterName=json, one object per line, for log shippers.</summary>
public sealed class json_console_logs
{
    [Fact]
    public async Task the_documented_switch_writes_one_json_object_per_line()
    {
        var lines = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using (var service = await ServiceProcess.StartAsync(lines.Enqueue, ownDatabase: true, new Dictionary<string, string>
                     {
                         ["Logging__Console__FormatterName"] = "json",
                         ["Logging__Console__FormatterOptions__SingleLine"] = "true",
                         ["Logging__LogLevel__Default"] = "Information",
                         ["TimeBank__RequestSummaryEvery"] = "00:00:01"
                     }))
        {
            using var http = new HttpClient { BaseAddress = new Uri(service.Url) };
            http.DefaultRequestHeaders.Add("X-Api-Key", service.AdminKey);
            (await http.GetAsync("/api/service-types")).EnsureSuccessStatusCode();
            await Polling.Eventually(() => Task.FromResult(lines.Any(l => l.Contains("\"Category\":\"TimeBank.Hosting.RequestSummary\""))), seen => seen,
                seconds: 10);
        }

        // Everything the service wrote, start-up included: a log shipper reading it line by line meets nothing but JSON.
        var output = lines.Where(l => l.StartsWith("[service] ", StringComparison.Ordinal)).Select(l => l["[service] ".Length..]).ToList();
        EveryLineIsALogObject(output);
        output.ShouldContain(l => l.Contains("\"Category\":\"TimeBank\"") && l.Contains("/dashboard"));
        // The request summary, one line for the key that called, its figures as fields of their own.
        output.ShouldContain(l => l.Contains("\"Category\":\"TimeBank.Hosting.RequestSummary\"") && l.Contains("\"KeyId\":\"bootstrap-admin\"")
                                  && l.Contains("\"Requests\":1"));
    }

    [Fact]
    public async Task a_start_that_fails_says_why_in_json_too_and_exits_with_1()
    {
        var (exitCode, output, error) = await ServiceProcess.RunCommandAsync("Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none",
            new Dictionary<string, string>
            {
                ["Logging__Console__FormatterName"] = "json",
                ["Logging__Console__FormatterOptions__SingleLine"] = "true",
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ServiceProcess.FreePort()}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["TimeBank__PersonalDataKey"] = TimeBank.People.PersonalData.DevelopmentKey
            });

        exitCode.ShouldBe(1, output + error);
        var lines = output.TrimEnd('\n').Split('\n');
        EveryLineIsALogObject(lines);
        lines.ShouldContain(l => l.Contains("Hosting failed to start") && l.Contains("Failed to connect to 127.0.0.1:1"), output);
    }

    private static void EveryLineIsALogObject(IReadOnlyCollection<string> output)
    {
        output.ShouldNotBeEmpty();
        foreach (var line in output)
        {
            line.ShouldStartWith("{", customMessage: $"a line that is not a JSON log object: '{line}'");
            System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("LogLevel").GetString().ShouldNotBeNull(line);
        }
    }
}
