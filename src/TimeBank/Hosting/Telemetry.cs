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
    private static readonly Counter<long> DepositsCredited = Meter.CreateCounter<long>("timebank.deposits.credited", "{deposit}",
        "Service records credited to volunteers.");
    private static readonly Counter<long> MinutesCredited = Meter.CreateCounter<long>("timebank.minutes.credited", "min",
        "Minutes credited by service records.");
    private static readonly Counter<long> Refusals = Meter.CreateCounter<long>("timebank.refusals", "{refusal}",
        "Requests refused, by problem type.");

    public static void Credited(int minutes)
    {
        DepositsCredited.Add(1);
        MinutesCredited.Add(minutes);
    }

    public static void Refused(string? problemType) =>
        Refusals.Add(1, new KeyValuePair<string, object?>("problem.type", problemType?.Replace(Problems.TypePrefix, "") ?? "unknown"));

    public static IServiceCollection AddTimeBankTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("TimeBank"))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddRuntimeInstrumentation().AddNpgsqlInstrumentation()
                    .AddMeter(MeterName, "Wolverine:*", "Marten*")
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

    public static WebApplication MapTimeBankMetrics(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics");
        return app;
    }
}
