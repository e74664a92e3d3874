using System.Collections.Concurrent;
using TimeBank.Ledger;

namespace TimeBank.People;

/// <summary>
/// The member card of a person: its code (the document id) and what a kiosk may show, the name masked.
/// Every person gets one at registration; people registered before cards existed get one at start-up.
/// </summary>
public sealed record MemberCard(string Id, Guid PersonId, string Kind, string DisplayName, Instant IssuedAt)
{
    public const string Volunteer = "volunteer";
    public const string Elder = "elder";

    public static MemberCard Issue(Guid personId, string kind, string fullName, Instant now) =>
        new(MemberCodes.New(), personId, kind, Masking.Name(fullName), now);
}

/// <summary>A person just registered, with the code of the card issued to them.</summary>
public sealed record Registered<T>(T Person, string MemberCode) where T : class, IPerson
{
    /// <summary>
    /// Registers a person, unless their identity number is already registered in this role: the person, and what
    /// every person gets, a time account (its id is theirs) and a member card.
    /// </summary>
    public static async Task<Outcome> RegisterAsync(IDocumentSession session, Func<Instant, T> register, string role, AccountHolder holder,
        string cardKind, Instant now)
    {
        var person = register(now);
        var existing = await session.Query<T>().Where(PersonQueries.Is<T>(nameof(IPerson.IdNumberHash), person.IdNumberHash)).Select(p => p.Id).ToListAsync();
        if (existing.Count > 0) return new AlreadyRegistered(role, existing[0]);

        session.Insert(person);
        session.Events.StartStream<Account>(person.Id, new AccountOpened(person.Id, holder, now));
        var card = MemberCard.Issue(person.Id, cardKind, person.FullName, now);
        session.Insert(card);
        return Outcome.New(new Registered<T>(person, card.Id));
    }
}

/// <summary>Finds cards by code. Cards never change, so a card once found is kept in memory.</summary>
public sealed class MemberDirectory(IDocumentStore store)
{
    private readonly ConcurrentDictionary<string, MemberCard> _known = new(StringComparer.Ordinal);

    public async ValueTask<MemberCard?> FindAsync(string code, CancellationToken cancellation)
    {
        if (_known.TryGetValue(code, out var known)) return known;
        await using var session = store.QuerySession();
        var card = await session.LoadAsync<MemberCard>(code, cancellation);
        if (card is not null) _known[code] = card;
        return card;
    }

    public static async Task<string?> CodeOfAsync(IQuerySession session, Guid personId, CancellationToken cancellation) =>
        await session.Query<MemberCard>().Where(c => c.PersonId == personId).Select(c => c.Id).FirstOrDefaultAsync(cancellation);
}

/// <summary>Issues cards to people registered before member codes existed. Safe to run on several nodes at once.</summary>
public sealed class MemberCardBackfill(IDocumentStore store, IServiceScopeFactory scopes, IHostApplicationLifetime lifetime,
    ILogger<MemberCardBackfill> logger)
    : BackgroundService
{
    private sealed record Uncarded(Guid Id, string Kind, string FullName);

    private string WithoutCardSql => $"""
        select json_build_object('id', p.id, 'kind', p.kind, 'fullName', p.full_name) from (
          select v.id, 'volunteer' as kind, v.data->>'fullName' as full_name from {store.TableOf<Volunteer>()} v
            where not exists (select 1 from {store.TableOf<MemberCard>()} c where c.person_id = v.id)
          union all
          select e.id, 'elder', e.data->>'fullName' from {store.TableOf<Elder>()} e
            where not exists (select 1 from {store.TableOf<MemberCard>()} c where c.person_id = e.id)
          limit 1000) p
        """;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // After start-up, when the schema is in place.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            var issued = await IssueMissingAsync(stoppingToken);
            if (issued > 0) logger.LogInformation("Issued member cards to {Count} people registered before member codes", issued);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            logger.LogError(e, "Could not issue member cards to people registered before member codes; they get them at the next start");
        }
    }

    public async Task<int> IssueMissingAsync(CancellationToken cancellation)
    {
        var issued = 0;
        while (true)
        {
            IReadOnlyList<Uncarded> missing;
            await using (var query = store.QuerySession())
            {
                missing = await query.QueryAsync<Uncarded>(WithoutCardSql, cancellation);
            }
            if (missing.Count == 0) return issued;

            foreach (var person in missing)
            {
                if (await IssueAsync(person.Id, person.Kind, person.FullName, cancellation)) issued++;
            }
        }
    }

    private async Task<bool> IssueAsync(Guid personId, string kind, string fullName, CancellationToken cancellation)
    {
        await using var scope = scopes.CreateAsyncScope();
        var outcome = await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync<Outcome>(
            new IssueMemberCard(personId, kind, fullName), cancellation);
        return outcome.Created;
    }
}

/// <summary>A card for someone registered before member codes existed.</summary>
public sealed record IssueMemberCard(Guid PersonId, string Kind, string FullName);

public static class IssueMemberCardHandler
{
    // Another node may card the same person, or the random code may be taken: the lost race is re-run by the
    // retry policy, and then finds the card or draws another code.
    public static async Task<Outcome> Handle(IssueMemberCard command, IDocumentSession session, IClock clock)
    {
        if (await MemberDirectory.CodeOfAsync(session, command.PersonId, CancellationToken.None) is { } code) return Outcome.Existing(code);
        var card = MemberCard.Issue(command.PersonId, command.Kind, command.FullName, clock.GetCurrentInstant());
        session.Insert(card);
        return Outcome.New(card.Id);
    }
}
