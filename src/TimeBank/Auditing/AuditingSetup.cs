using JasperFx.Events.Projections;
using TimeBank.Auditing.AccessLog;
using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing;

public sealed class AuditingOptions
{
    public const string Section = "TimeBank:Auditing";

    /// <summary>Extend the hash chain in the async daemon (on by default; off only to measure what it costs).</summary>
    public bool HashChain { get; set; } = true;
}

public static class AuditingSetup
{
    public static IServiceCollection AddAuditing(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuditingOptions.Section).Get<AuditingOptions>() ?? new AuditingOptions();
        services.ConfigureMarten(opts =>
        {
            ChainStore.AddTables(opts);
            if (options.HashChain) opts.Events.Subscribe(new HashChainSubscription());
            opts.InlineSnapshot<AccessLogEntry>().Index(e => e.ReadAtUnixMs);
        });
        services.AddSingleton<IStartupFilter, AccessLogStartupFilter>();
        return services;
    }
}
