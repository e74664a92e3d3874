using System.Text.Json;
using System.Text.Json.Serialization;
using JasperFx;
using JasperFx.Events;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics;
using NodaTime.Serialization.SystemTextJson;
using TimeBank.Auditing;
using TimeBank.Ledger;
using TimeBank.Markets;
using TimeBank.Care;
using TimeBank.Statistics;
using TimeBank.Recognition;
using TimeBank.Care.Alerts;
using TimeBank.Complaints;
using TimeBank.Integrity;
using TimeBank.Organisations;
using TimeBank.ServiceRequests;
using TimeBank.ServiceRecords.Rating;
using TimeBank.People;
using TimeBank.ServiceRecords;
using Weasel.Core;
using Wolverine.Marten;

namespace TimeBank.Hosting;

public static class TimeBankSetup
{
    public const string ConnectionStringName = "TimeBank";
    private const string RequestLogCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    public static void ConfigureJson(JsonSerializerOptions json)
    {
        json.PropertyNamingPolicy = JsonNamingPolicy.CamelCase;
        json.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
        json.ConfigureForNodaTime(DateTimeZoneProviders.Tzdb);
    }

    public static bool HasConnectionString(this WebApplicationBuilder builder) =>
        !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionStringName));

    public static WebApplicationBuilder AddTimeBank(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        var options = configuration.GetSection(TimeBankOptions.Section).Get<TimeBankOptions>() ?? new TimeBankOptions();
        services.Configure<TimeBankOptions>(configuration.GetSection(TimeBankOptions.Section));

        foreach (var category in UnreadableBody.RequestBodyCategories()) builder.Logging.AddFilter(category, LogLevel.None);
        builder.Logging.LeaveOutRepeatedErrors(configuration);
        builder.AnswerServerRefusalsWithProblems();
        // The largest write is a few kilobytes; Kestrel's own limit (30 MB) would let any key make a node parse and hold
        // tens of megabytes a request.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);
        // Every request at Information is noise at the rates a kiosk or platform calls; warnings and errors stay.
        if (configuration["Logging:LogLevel:Microsoft.AspNetCore"] is null)
        {
            builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
            // While this category is enabled at any level, ASP.NET Core starts an activity and a log scope for every
            // request. It writes only the per-request lines and start-up failures, which end the process anyway.
            builder.Logging.AddFilter(RequestLogCategory, LogLevel.None);
        }
        services.AddSingleton<IClock>(NodaTime.SystemClock.Instance);
        services.AddRequestSummary(options);
        services.ConfigureHttpJsonOptions(o =>
        {
            ConfigureJson(o.SerializerOptions);
            o.SerializerOptions.Converters.Add(new NoNulText());
        });
        services.AddProblemDetails(o => o.CustomizeProblemDetails = Problems.Normalize);
        services.AddExceptionHandler<ProblemExceptionHandler>();

        services.AddSingleton<ApiKeyDirectory>();
        services.AddSingleton<AccountLocks>();
        services.AddLedger();
        services.AddAuthentication(ApiKeyAuthentication.Scheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthentication.Scheme, null);
        services.AddAuthorization();
        services.AddTimeBankRateLimits(configuration);
        services.AddTimeBankTelemetry(configuration);

        services.AddTimeBankOpenApi();
        services.Configure<HealthOptions>(configuration.GetSection(HealthOptions.Section));
        services.AddHealthChecks()
            .AddCheck<DatabaseHealthCheck>("database", tags: [Health.Ready])
            .AddCheck<ProjectionLagCheck>("projections", tags: [Health.Ready]);
        services.AddPeople();
        services.AddServiceRecords();
        services.AddServiceRequests();
        services.AddComplaints(configuration);
        services.AddIntegrity(configuration);
        services.AddAuditing(configuration);
        services.AddCare(configuration);
        services.AddStatistics(configuration);
        services.AddRecognition(configuration);

        var connectionString = builder.HasConnectionString() ? configuration.GetConnectionString(ConnectionStringName)! : Commands.NoDatabase;
        services.AddSingleton(sp => new MultiplexedReads(ConnectionTuning.WithServiceDefaults(connectionString), sp.GetRequiredService<IDocumentStore>()));

        services.AddMarten(opts =>
            {
                // Replaces Marten's own builder, which only adds Npgsql's logging: off by default (DisableNpgsqlLogging).
                opts.ConfigureNpgsqlDataSourceBuilder(source => source.Name = ConnectionTuning.MainPool);
                opts.Connection(ConnectionTuning.WithServiceDefaults(connectionString));
                opts.DatabaseSchemaName = Storage.Schema;
                opts.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase, ConfigureJson);
                opts.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;

                // Quick append saves a round trip per commit. It is safe here because every append to an
                // existing account stream carries its expected version (FetchForWriting's, or the account document's
                // through AccountsForWriting), so the version is checked.
                opts.Events.AppendMode = EventAppendMode.Quick;
                // The append function locks the stream's row before its version check, so the loser of a race between
                // nodes fails that check instead of after drawing a sequence number: no gap in the sequence for the async
                // daemon to wait out (3 s a gap) before its projections and the hash chain go on.
                opts.Events.UseExclusiveLockOnConcurrentAppends = true;
                opts.Projections.UseIdentityMapForAggregates = true;
                // The daemon's high-water agent waits its slow interval whenever its mark reached the newest event, even when
                // that mark had just moved a long way, so under steady writes it is the only interval that matters. Half a
                // second: pages of a second (Marten's default) stalled the requests beside them; pages of a quarter second,
                // now that the folds take turns, cost more per event than these (ops/bench-history.md).
                opts.Projections.FastPollingTime = TimeSpan.FromMilliseconds(500);
                opts.Projections.SlowPollingTime = opts.Projections.FastPollingTime;
                opts.Events.MetadataConfig.CorrelationIdEnabled = true;
                opts.Events.MetadataConfig.CausationIdEnabled = true;
                opts.Events.MetadataConfig.HeadersEnabled = true;
                opts.Events.MetadataConfig.UserNameEnabled = true;

                opts.AddAccess();
                opts.AddLedger();
                opts.AddIdempotency();
                opts.AddPeople();
                opts.AddServiceRecords();
                opts.AddMarkets();
                opts.AddOrganisations();
                opts.AddServiceRequests();
                opts.AddRatings();
                opts.AddComplaints();
                opts.AddCare();
            })
            .UseLightweightSessions()
            .ApplyAllDatabaseChangesOnStartup()
            // Wolverine's elected leader places the async projections and subscriptions on the nodes (one mechanism for
            // every agent); Marten's own daemon coordination stays off.
            .IntegrateWithWolverine(m => m.UseWolverineManagedEventSubscriptionDistribution = true);

        builder.Host.UseWolverine(opts =>
        {
            // Settings.Problems refused any other value before the host was built.
            opts.Durability.Mode = options.DurabilityChosen!.Value;
            opts.Durability.HealthCheckPollingTime = options.NodeHeartbeat;
            opts.Durability.FirstHealthCheckExecution = TimeSpan.FromSeconds(1);
            opts.Durability.StaleNodeTimeout = options.NodeStaleAfter;
            opts.Durability.CheckAssignmentPeriod = options.NodeHeartbeat * 2;
            opts.Policies.AutoApplyTransactions();
            opts.Policies.UseDurableLocalQueues();
            opts.Policies.AddMiddleware(typeof(AuditStampMiddleware));
            opts.AddIdempotency();
            opts.RetryLostRaces();
            opts.RetryNotifications((configuration.GetSection(NotificationOptions.Section).Get<NotificationOptions>() ?? new()).RetryDelays);
            opts.UseSystemTextJsonForSerialization(ConfigureJson);
            // Handlers and endpoints run the code generated for them ahead of time (src/TimeBank/Internal/Generated, written
            // by ops/codegen and checked current by a test): no compiler runs at start-up, and none of its code is JIT-compiled.
            // A chain without it would be generated and compiled when first used.
            opts.CodeGeneration.TypeLoadMode = JasperFx.CodeGeneration.TypeLoadMode.Auto;
            opts.Services.AddSingleton<JasperFx.CodeGeneration.IAssemblyGenerator, OptimisedCodeCompiler>();
        });
        services.AddWolverineHttp();
        return builder;
    }

    public static WebApplication UseTimeBank(this WebApplication app)
    {
        // Outermost, so that it counts each answer as the client got it, the problem documents for exceptions included.
        app.UseRequestSummary();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseCorrelationIds();
        app.UseNulRefusal();
        // The kiosk page (/kiosk) and Swagger UI: pages that call the public API. API calls skip the file look-up (a disk
        // probe per request) and Swagger's path matching.
        app.UseWhen(c => !c.Request.Path.StartsWithSegments("/api"), pages => pages.UseDefaultFiles().UseStaticFiles().UseTimeBankOpenApi());
        app.UseAuthentication();
        app.UseTimeBankRateLimits(app.Configuration);
        app.UseAuthorization();

        // live: the process answers; ready: the database answers and the async projections keep up (for a load balancer).
        app.MapHealthChecks("/health/live", new() { Predicate = _ => false, ResponseWriter = DatabaseHealthCheck.WriteResponse }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new() { Predicate = c => c.Tags.Contains(Health.Ready), ResponseWriter = DatabaseHealthCheck.WriteResponse }).AllowAnonymous();
        app.MapTimeBankMetrics();
        app.MapHealthChecks("/health", new() { Predicate = c => c.Name == "database", ResponseWriter = DatabaseHealthCheck.WriteResponse }).AllowAnonymous();
        app.MapWolverineEndpoints(opts =>
        {
            opts.RejectUnparseableQueryValues = true;
            opts.RejectUnparseableHeaderValues = true;
            opts.AddMiddlewareByMessageType(typeof(NullBodyRefusal));
            opts.ConfigureEndpoints(chain => chain.Metadata.RequireAuthorization());
        });
        app.MapGet("/", () => Results.Redirect("/swagger")).ExcludeFromDescription();

        // Through the log, so that a console switched to JSON carries nothing else.
        var started = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TimeBank");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Urls)
            {
                started.LogInformation("TimeBank API: {Api}  Swagger UI: {Swagger}  Kiosk page: {Kiosk}  Dashboard: {Dashboard}",
                    $"{address}/api", $"{address}/swagger", $"{address}/kiosk", $"{address}/dashboard");
            }
        });
        return app;
    }
}
