using Alba;
using JasperFx.CommandLine;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;
using Wolverine;

namespace TimeBank.Tests;

/// <summary>One host for the whole suite, on the PostgreSQL that ops/test provisions.</summary>
public sealed class AppFixture : IAsyncLifetime
{
    public const string AdminKey = "test-admin-key-0123456789";
    public static readonly Instant StartedAt = Instant.FromUtc(2026, 11, 24, 4, 0);

    public IAlbaHost Host { get; private set; } = null!;
    public FakeClock Clock { get; } = new(StartedAt);
    public ApiKeys Keys { get; private set; } = null!;
    public LogCapture Logs { get; } = new();

    /// <summary>The notification gateway every alert of the suite is sent to; it refuses each notification twice first.</summary>
    public AlertGateway Gateway { get; } = AlertGateway.Start(failFirst: 2);

    public IDocumentStore Store => Host.Services.GetRequiredService<IDocumentStore>();

    public async Task InitializeAsync()
    {
        var connection = Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION")
                         ?? throw new InvalidOperationException("Set TIMEBANK_TEST_CONNECTION, or run the suite with ops/test.");
        Environment.SetEnvironmentVariable("ConnectionStrings__TimeBank", connection);
        Environment.SetEnvironmentVariable("TIMEBANK_ADMIN_KEY", AdminKey);
        Environment.SetEnvironmentVariable("TimeBank__Points__PerServiceType__medical-escort", "20");
        Environment.SetEnvironmentVariable("TimeBank__Notifications__WebhookUrl", Gateway.Url);
        Environment.SetEnvironmentVariable("TimeBank__Notifications__RetryDelaysSeconds", "0.2,0.2,0.2");
        JasperFxEnvironment.AutoStartHost = true;

        Host = await AlbaHost.For<Program>(x => x.ConfigureServices(services =>
        {
            services.AddSingleton<IClock>(Clock);
            services.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(Logs);
            services.RunWolverineInSoloMode();
        }));

        Keys = await ApiKeys.IssueAsync(Host);
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        await Host.DisposeAsync();
        await Gateway.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppFixture>
{
    public const string Name = "app";
}

[Collection(AppCollection.Name)]
public abstract class ApiTest(AppFixture fixture)
{
    protected AppFixture Fixture { get; } = fixture;
    protected IAlbaHost Host => Fixture.Host;
    protected ApiKeys Keys => Fixture.Keys;
    protected IDocumentStore Store => Fixture.Store;
}
