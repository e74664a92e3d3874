using JasperFx.Events.Projections;
using Marten;

namespace TimeBank.Ledger;

public static class LedgerSetup
{
    public static StoreOptions AddLedger(this StoreOptions opts)
    {
        opts.Projections.Snapshot<Account>(SnapshotLifecycle.Inline);
        return opts;
    }
}
