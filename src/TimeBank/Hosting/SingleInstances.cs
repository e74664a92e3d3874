namespace TimeBank.Hosting;

public static class SingleInstances
{
    /// <summary>
    /// The one <typeparamref name="T"/> registered as an instance in <paramref name="services"/>, made by
    /// <paramref name="create"/> and registered as a singleton on first use: for objects needed before the container is
    /// built, such as Marten's subscriptions and what they share with request handlers.
    /// </summary>
    public static T SingleInstance<T>(this IServiceCollection services, Func<T> create, Action<T>? firstUse = null) where T : class
    {
        var existing = services.Select(d => d.IsKeyedService ? null : d.ImplementationInstance).OfType<T>().SingleOrDefault();
        if (existing is not null) return existing;
        var created = create();
        services.AddSingleton(created);
        firstUse?.Invoke(created);
        return created;
    }
}
