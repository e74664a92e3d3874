using System.ComponentModel.DataAnnotations;

namespace TimeBank.People.Granting;

/// <summary>A person (through the platform that registered them, or an admin) lets another platform act for them.</summary>
public sealed record AccessGranted(Guid PersonId, string ApiKeyId, string GrantedBy, Instant GrantedAt);

/// <summary>The grant is withdrawn: the platform no longer reads or moves anything of the person's.</summary>
public sealed record AccessRevoked(Guid PersonId, string ApiKeyId, string RevokedBy, Instant RevokedAt);

/// <summary>
/// One platform's access to one person, folded inline from its own stream (so every grant and revocation is an event in
/// the hash chain). Its id is derived from the person and the key, so a check is one primary-key read.
/// </summary>
public sealed record AccessGrant
{
    public Guid Id { get; init; }
    public Guid PersonId { get; init; }
    public string ApiKeyId { get; init; } = "";
    public bool Active { get; init; }
    public string GrantedBy { get; init; } = "";
    public Instant GrantedAt { get; init; }
    public string? RevokedBy { get; init; }
    public Instant? RevokedAt { get; init; }
    public long Version { get; set; }

    public AccessGrant Apply(AccessGranted e) => this with
    {
        PersonId = e.PersonId, ApiKeyId = e.ApiKeyId, Active = true, GrantedBy = e.GrantedBy, GrantedAt = e.GrantedAt,
        RevokedBy = null, RevokedAt = null
    };

    public AccessGrant Apply(AccessRevoked e) => this with { Active = false, RevokedBy = e.RevokedBy, RevokedAt = e.RevokedAt };

    public static Guid IdFor(Guid personId, string apiKeyId) => NameBasedIds.For($"access-grant:{personId:N}:{apiKeyId}");
}

/// <param name="PersonId">The person whose data and minutes the key may reach.</param>
/// <param name="ApiKeyId">The platform key the access is granted to.</param>
/// <param name="Status">active or revoked.</param>
public sealed record AccessGrantView(
    [property: Required] Guid PersonId,
    [property: Required] string ApiKeyId,
    [property: Required] string Status,
    [property: Required] string GrantedBy,
    [property: Required] Instant GrantedAt,
    string? RevokedBy,
    Instant? RevokedAt)
{
    public static AccessGrantView Of(AccessGrant g) =>
        new(g.PersonId, g.ApiKeyId, g.Active ? "active" : "revoked", g.GrantedBy, g.GrantedAt, g.RevokedBy, g.RevokedAt);
}

/// <summary>Who may act for a person: the key that registered them, and whether the calling key holds an active grant.</summary>
public sealed record PersonScope(string? RegisteredBy, bool Granted)
{
    public static readonly PersonScope None = new(null, false);

    public bool Exists => RegisteredBy is not null;

    /// <summary>Read in <paramref name="batch"/>: the registering key (only that field of the encrypted person) and the caller's grant.</summary>
    public static async Task<PersonScope> ReadAsync(Marten.Services.BatchQuerying.IBatchedQuery batch, Guid person, string callerKeyId)
    {
        var volunteer = batch.Query<Volunteer>().Where(v => v.Id == person).Select(v => v.RegisteredBy).FirstOrDefault();
        var elder = batch.Query<Elder>().Where(e => e.Id == person).Select(e => e.RegisteredBy).FirstOrDefault();
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(person, callerKeyId));
        return new PersonScope(await volunteer ?? await elder, (await grant)?.Active == true);
    }

    /// <summary>As <see cref="ReadAsync(Marten.Services.BatchQuerying.IBatchedQuery, Guid, string)"/>, where only a volunteer will do: an elder's id reads as no one.</summary>
    public static async Task<PersonScope> ReadVolunteerAsync(Marten.Services.BatchQuerying.IBatchedQuery batch, Guid volunteer, string callerKeyId)
    {
        var registrar = batch.Query<Volunteer>().Where(v => v.Id == volunteer).Select(v => v.RegisteredBy).FirstOrDefault();
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(volunteer, callerKeyId));
        return new PersonScope(await registrar, (await grant)?.Active == true);
    }

    public static async Task<PersonScope> ReadAsync(IQuerySession session, Guid person, string callerKeyId, CancellationToken cancellation)
    {
        var batch = session.CreateBatchQuery();
        var scope = ReadAsync(batch, person, callerKeyId);
        await batch.Execute(cancellation);
        return await scope;
    }

    // Who registered a person never changes: once seen, a platform's read of its own people needs no query.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, string> KnownRegistrars = new();
    private const int MaxKnownRegistrars = 1_000_000;

    /// <summary>A platform's read of a person, checked in the same batch as the read; other readers' cost nothing (null).</summary>
    public static Task<PersonScope>? ForRead(Marten.Services.BatchQuerying.IBatchedQuery batch, Caller caller, Guid person) =>
        MustReadScope(caller, person) ? Remembered(ReadAsync(batch, person, caller.KeyId), person) : null;

    /// <summary>As <see cref="ForRead(Marten.Services.BatchQuerying.IBatchedQuery, Caller, Guid)"/>, on its own round trip.</summary>
    public static Task<PersonScope>? ForRead(IQuerySession session, Caller caller, Guid person, CancellationToken cancellation) =>
        MustReadScope(caller, person) ? Remembered(ReadAsync(session, person, caller.KeyId, cancellation), person) : null;

    /// <summary>
    /// As <see cref="ForRead(IQuerySession, Caller, Guid, CancellationToken)"/>, opening a session only when the scope must
    /// be read: the hottest reads otherwise need none.
    /// </summary>
    public static Task<PersonScope>? ForRead(IDocumentStore store, Caller caller, Guid person, CancellationToken cancellation) =>
        MustReadScope(caller, person) ? Remembered(ReadAsync(store, person, caller.KeyId, cancellation), person) : null;

    private static async Task<PersonScope> ReadAsync(IDocumentStore store, Guid person, string callerKeyId, CancellationToken cancellation)
    {
        await using var session = store.QuerySession();
        return await ReadAsync(session, person, callerKeyId, cancellation);
    }

    /// <summary>Who may move minutes out of <paramref name="person"/>'s account, read in <paramref name="batch"/> unless already known.</summary>
    public static Task<PersonScope> ForDebit(Marten.Services.BatchQuerying.IBatchedQuery batch, Caller caller, Guid person) =>
        IsRegistrar(person, caller.KeyId) ? Task.FromResult(new PersonScope(caller.KeyId, false)) : Remembered(ReadAsync(batch, person, caller.KeyId), person);

    /// <summary>Whether a read by <paramref name="caller"/> of <paramref name="person"/> needs the scope read first.</summary>
    private static bool MustReadScope(Caller caller, Guid person) => Scopes.ReadIsScoped(caller, person) && !IsRegistrar(person, caller.KeyId);

    private static bool IsRegistrar(Guid person, string keyId) => KnownRegistrars.TryGetValue(person, out var registrar) && registrar == keyId;

    private static async Task<PersonScope> Remembered(Task<PersonScope> reading, Guid person)
    {
        var scope = await reading;
        if (scope.RegisteredBy is { } registrar && KnownRegistrars.Count < MaxKnownRegistrars) KnownRegistrars.TryAdd(person, registrar);
        return scope;
    }
}

public static class PersonReads
{
    /// <summary>The 403 for a read the caller may not make, or null.</summary>
    public static async Task<IResult?> RefusedAsync(this Task<PersonScope>? scope, Caller caller, Guid person) =>
        scope is not null && Scopes.MayRead(caller, person, await scope) is { } refusal ? Problems.For(refusal).ToResult() : null;
}
