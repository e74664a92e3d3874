using JasperFx.Events.Projections;
using TimeBank.Ledger.Redeeming;

namespace TimeBank.Ledger;

public static class LedgerSetup
{
    public static IServiceCollection AddLedger(this IServiceCollection services)
    {
        services.AddSingleton<Transferring.TransferQueue>();
        services.AddHostedService(sp => sp.GetRequiredService<Transferring.TransferQueue>());
        return services;
    }

    public static StoreOptions AddLedger(this StoreOptions opts)
    {
        opts.InlineSnapshot<Account>();
        opts.Projections.Add<RedemptionProjection>(ProjectionLifecycle.Inline);
        return opts;
    }
}
