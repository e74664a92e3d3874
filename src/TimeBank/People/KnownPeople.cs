using System.Diagnostics.CodeAnalysis;

namespace TimeBank.People;

/// <summary>
/// What deposits and the folds off the write path need of a person: who registered them, their identity and address
/// hashes, their area, birth date and (a volunteer's) programme.
/// </summary>
public sealed record PersonFacts(Guid Id, bool IsVolunteer, string RegisteredBy, string IdNumberHash, string District, string Street, string Community,
    Programme Programme, LocalDate BirthDate, string? AddressHash)
{
    [return: NotNullIfNotNull(nameof(v))]
    public static PersonFacts? Of(Volunteer? v) =>
        v is null ? null : new(v.Id, true, v.RegisteredBy, v.IdNumberHash, v.District, v.Street, v.Community, v.Programme, v.BirthDate, v.AddressHash);

    [return: NotNullIfNotNull(nameof(e))]
    public static PersonFacts? Of(Elder? e) =>
        e is null ? null : new(e.Id, false, e.RegisteredBy, e.IdNumberHash, e.District, e.Street, e.Community, default, e.BirthDate, e.AddressHash);
}

/// <summary>
/// The facts of people already read, kept in memory. A person document is written once, at registration, and never
/// changed, so what was read once stays true; deposits and the folds then read only people they have not met yet. One
/// per process (<see cref="KnownPeopleSetup.KnownPeople"/>).
/// </summary>
public sealed class KnownPeople(int capacity = KnownPeople.DefaultCapacity)
{
    public const int DefaultCapacity = 100_000;
    private readonly Dictionary<Guid, PersonFacts> _known = [];
    private readonly Lock _lock = new();

    public int Count
    {
        get
        {
            lock (_lock) return _known.Count;
        }
    }

    /// <summary>The facts of those of <paramref name="ids"/> who are registered; unknown ids are left out.</summary>
    public async Task<IReadOnlyDictionary<Guid, PersonFacts>> ReadAsync(IQuerySession session, IEnumerable<Guid> ids, CancellationToken cancellation)
    {
        var found = new Dictionary<Guid, PersonFacts>();
        var unmet = new List<Guid>();
        lock (_lock)
        {
            foreach (var id in ids.Distinct())
            {
                if (_known.TryGetValue(id, out var facts)) found[id] = facts;
                else unmet.Add(id);
            }
        }
        if (unmet.Count == 0) return found;

        // Only the fields needed: a person document carries ciphertexts that are costly to read hundreds at a time.
        var batch = session.CreateBatchQuery();
        var volunteers = batch.Query<Volunteer>().Where(v => v.Id.IsOneOf(unmet))
            .Select(v => new VolunteerRow(v.Id, v.RegisteredBy, v.IdNumberHash, v.District, v.Street, v.Community, v.Programme, v.BirthDate, v.AddressHash))
            .ToList();
        var elders = batch.Query<Elder>().Where(e => e.Id.IsOneOf(unmet))
            .Select(e => new ElderRow(e.Id, e.RegisteredBy, e.IdNumberHash, e.District, e.Street, e.Community, e.BirthDate, e.AddressHash)).ToList();
        await batch.Execute(cancellation);
        var met = (await volunteers).Select(v => v.Facts()).Concat((await elders).Select(e => e.Facts())).DistinctBy(p => p.Id).ToList();
        lock (_lock)
        {
            if (_known.Count + met.Count > capacity) _known.Clear();
            foreach (var person in met)
            {
                _known[person.Id] = person;
                found[person.Id] = person;
            }
        }
        return found;
    }

    private sealed record VolunteerRow(Guid Id, string RegisteredBy, string IdNumberHash, string District, string Street, string Community,
        Programme Programme, LocalDate BirthDate, string? AddressHash)
    {
        public PersonFacts Facts() => new(Id, true, RegisteredBy, IdNumberHash, District, Street, Community, Programme, BirthDate, AddressHash);
    }

    private sealed record ElderRow(Guid Id, string RegisteredBy, string IdNumberHash, string District, string Street, string Community, LocalDate BirthDate,
        string? AddressHash)
    {
        public PersonFacts Facts() => new(Id, false, RegisteredBy, IdNumberHash, District, Street, Community, default, BirthDate, AddressHash);
    }
}

public static class KnownPeopleSetup
{
    /// <summary>The process's one <see cref="People.KnownPeople"/>, registered as a singleton on first use.</summary>
    public static KnownPeople KnownPeople(this IServiceCollection services) => services.SingleInstance(() => new KnownPeople());
}
