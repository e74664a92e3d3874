using JasperFx.Events.Projections;
namespace TimeBank.People;

public static class PeopleSetup
{
    public static IServiceCollection AddPeople(this IServiceCollection services)
    {
        services.AddSingleton<PersonalData>();
        services.KnownPeople();
        services.AddHostedService<PersonalDataKeyCheck>();
        services.AddSingleton<MemberDirectory>();
        services.AddSingleton<MemberCardBackfill>();
        services.AddHostedService(sp => sp.GetRequiredService<MemberCardBackfill>());
        return services;
    }

    public static StoreOptions AddPeople(this StoreOptions opts)
    {
        opts.Schema.For<Volunteer>().UniqueIndex(v => v.IdNumberHash);
        opts.Schema.For<Elder>().UniqueIndex(e => e.IdNumberHash);
        opts.Schema.For<MemberCard>().Duplicate(c => c.PersonId, configure: index => index.IsUnique = true);
        opts.InlineSnapshot<Granting.AccessGrant>().Duplicate(g => g.PersonId).Duplicate(g => g.ApiKeyId);
        return opts;
    }
}
