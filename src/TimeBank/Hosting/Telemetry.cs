using System.Diagnostics.Metrics;
using Npgsql;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace TimeBank.Hosting;

/// <summary>
/// Metrics always (Prometheus at /metrics; OTLP too when OTEL_EXPORTER_OTLP_ENDPOINT is set), traces only when an
/// OTLP endpoint is set: ASP.NET Core, Npgsql, Wolverine and Marten, plus the ledger's own counters.
/// </summary>
public static class Telemetry
{
    public const string MeterName = "TimeBank";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>
    /// ASP.NET Core's requests, connections and unhandled exceptions. Its other meters (memory pool, routing,
    /// authentication, authorisation, rate limiting) each record on every request what the requests' status codes show.
    /// </summary>
    private static readonly string[] AspNetCoreMeters =
        ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Diagnostics"];
    private static readonly Counter<long> DepositsCredited = Meter.CreateCounter<long>("timebank.deposits.credited", "{deposit}",
        "Service records credited to volunteers.");
    private static readonly Counter<long> MinutesCredited = Meter.CreateCounter<long>("timebank.minutes.credited", "min",
        "Minutes credited by service records.");
    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("timebank.refusals", "{refusal}",
        "Requests refused, by problem type.");
    // A page takes milliseconds to tenths of a second; the SDK's default buckets start at 5 (meant for milliseconds).
    private static readonly Histogram<double> FoldDuration = Meter.CreateHistogram<double>("timebank.fold.duration", "s",
        "Time a fold off the write path (the hash chain, the statistics, the integrity review, the star levels) took over one page of events.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
    private static readonly Counter<long> FoldEvents = Meter.CreateCounter<long>("timebank.fold.events", "{event}",
        "Events a fold off the write path was handed (the hash chain: events it linked).");
    private static readonly Histogram<int> CommitBatch = Meter.CreateHistogram<int>("timebank.commit.batch", "{request}",
        "Requests a group-commit lane took together into one batch (deposits, transfers): how much each commit's fixed cost is shared.",
        tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64] });

    private static volatile IReadOnlyList<ProjectionLagCheck.ShardProgress> _shards = [];
    private static volatile bool _leads;
    private static volatile IReadOnlyList<(string District, string Status, long Count)> _alerts = [];

    static Telemetry()
    {
        Meter.CreateObservableGauge("timebank.projection.lag", () => _shards.Select(s =>
                new Measurement<double>(s.BehindSeconds ?? 0, new KeyValuePair<string, object?>("shard", s.Name))), "s",
            "Age of the oldest event an async projection or the hash chain has not processed yet (0 when caught up).");
        Meter.CreateObservableGauge("timebank.projection.behind", () => _shards.Select(s =>
                new Measurement<long>(s.BehindEvents, new KeyValuePair<string, object?>("shard", s.Name))), "{event}",
            "Events an async projection or the hash chain has still to process.");
        Meter.CreateObservableGauge("timebank.node.leader", () => _leads ? 1 : 0, "{node}",
            "1 on the node that leads the cluster (places projections and durable agents), else 0.");
        Meter.CreateObservableGauge("timebank.alerts.open", () => _alerts.Select(a => new Measurement<long>(a.Count,
                new KeyValuePair<string, object?>("district", a.District), new KeyValuePair<string, object?>("status", a.Status))), "{alert}",
            "Care alerts not yet closed, by district and status (open: nobody has taken it in hand; acknowledged: being handled).");
    }

    public static void SampledAlerts(IReadOnlyList<(string District, string Status, long Count)> alerts) => _alerts = alerts;

    /// <summary>What the gauges report until the next sample.</summary>
    public static void Sampled(IReadOnlyList<ProjectionLagCheck.ShardProgress> shards, bool leads)
    {
        _shards = shards;
        _leads = leads;
    }

    public static void Credited(int minutes)
    {
        DepositsCredited.Add(1);
        MinutesCredited.Add(minutes);
    }

    /// <summary>One page folded by <paramref name="fold"/>: how many events it had and how long it took.</summary>
    public static void Folded(string fold, int events, TimeSpan took)
    {
        var tag = new KeyValuePair<string, object?>("fold", fold);
        FoldDuration.Record(took.TotalSeconds, tag);
        FoldEvents.Add(events, tag);
    }

    /// <summary>A lane of <paramref name="queue"/> took <paramref name="requests"/> requests into one batch.</summary>
    public static void BatchTaken(string queue, int requests) => CommitBatch.Record(requests, new KeyValuePair<string, object?>("queue", queue));

    public static void Refused(string? problemType) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("problem.type", problemType?.Replace(Problems.TypePrefix, "") ?? "unknown"));

    public static IServiceCollection AddTimeBankTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddHostedService<ClusterSampler>();
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("TimeBank"))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(AspNetCoreMeters).AddRuntimeInstrumentation().AddNpgsqlInstrumentation()
                    .AddMeter(MeterName, "Wolverine:*", "Marten*")
                    .AddView(WithoutDatabaseAddress)
                    .AddPrometheusExporter();
                if (otlp) metrics.AddOtlpExporter();
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddNpgsql()
                .AddSource("Wolverine", "Marten").AddOtlpExporter());
        }
        return services;
    }

    /// <summary>
    /// /metrics answers anyone, so no series names where the database lives: Npgsql's statement durations lose
    /// <c>server.address</c> and <c>server.port</c>, and Marten's series (its daemon's per shard, the shard in the name)
    /// their only label, <c>database.uri</c> (host, database and schema). The pools carry names of their own
    /// (<see cref="ConnectionTuning.MainPool"/>).
    /// </summary>
    public static MetricStreamConfiguration? WithoutDatabaseAddress(Instrument instrument) => instrument switch
    {
        { Meter.Name: "Npgsql", Name: "db.client.operation.duration" } =>
            new MetricStreamConfiguration { TagKeys = ["db.client.connection.pool.name", "db.system.name", "error.type"] },
        { Meter.Name: "Marten" } => new MetricStreamConfiguration { TagKeys = [] },
        _ => null
    };

    public static WebApplication MapTimeBankMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").AllowAnonymous();
        return app;
    }
}

/// <summary>Samples the projections' lag, this node's leadership and the open alerts for the gauges, so a scrape costs no query.</summary>
public sealed class ClusterSampler(IDocumentStore store, Wolverine.Runtime.IWolverineRuntime runtime, ILogger<ClusterSampler> logger)
    : BackgroundService
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        do
        {
            try
            {
                Telemetry.Sampled(await ProjectionLagCheck.ReadAsync(store, stoppingToken), (runtime as Wolverine.Runtime.WolverineRuntime)?.IsLeader() == true || IsSolo());
                Telemetry.SampledAlerts(await OpenAlertsAsync(stoppingToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogDebug(e, "The projections' progress could not be sampled");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private bool IsSolo() => runtime.Options.Durability.Mode == DurabilityMode.Solo;

    private async Task<IReadOnlyList<(string, string, long)>> OpenAlertsAsync(CancellationToken cancellation)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        await using var command = new NpgsqlCommand($"""
            select data->>'district', lower(data->>'status'), count(*) from {store.TableOf<Care.Alerts.CareAlert>()}
            where lower(data->>'status') <> 'closed' group by 1, 2 order by 1, 2
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellation);
        var alerts = new List<(string, string, long)>();
        while (await reader.ReadAsync(cancellation)) alerts.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
        return alerts;
    }
}
