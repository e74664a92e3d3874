namespace TimeBank.Access;

public static class AccessSetup
{
    public static StoreOptions AddAccess(this StoreOptions opts)
    {
        opts.Schema.For<ApiKey>().UniqueIndex(k => k.KeyHash);
        return opts;
    }
}
