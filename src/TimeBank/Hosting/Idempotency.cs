using System.Security.Cryptography;
using System.Text.Json;
using Wolverine.Runtime;

namespace TimeBank.Hosting;

/// <summary>
/// A command that moves value under the client's Idempotency-Key. Declaring it is all a slice does:
/// <see cref="IdempotencyMiddleware"/> answers a retry with the first answer, refuses the key with a
/// different command, and records the first answer in the same transaction as the command's events.
/// </summary>
public interface IKeyedCommand;

/// <summary>
/// The first answer to a write and the fingerprint of the request it answered, stored in a document inserted (never
/// upserted) in the same transaction as the write's events: of two racing requests under one key exactly one commits,
/// and the other is re-run and finds the claim. Keyed commands claim with an <see cref="IdempotencyClaim"/>; a service
/// record, keyed by its platform's record id, is its own claim.
/// </summary>
public interface IClaim
{
    string? Fingerprint { get; }
    object FirstAnswer { get; }
}

public sealed record IdempotencyClaim(string Id, string Fingerprint, JsonElement FirstResult, Instant ClaimedAt) : IClaim
{
    object IClaim.FirstAnswer => FirstResult;

    /// <summary>The claim of a key whose command has just been answered with <paramref name="firstAnswer"/>.</summary>
    public static IdempotencyClaim Of(string id, string fingerprint, object firstAnswer, Instant claimedAt) =>
        new(id, fingerprint, JsonSerializer.SerializeToElement(firstAnswer, Idempotency.Canonical), claimedAt);
}

public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    /// <summary>The Wolverine envelope header that carries the client's key from the HTTP request to the handler.</summary>
    public const string EnvelopeHeader = "idempotency-key";

    internal static readonly JsonSerializerOptions Canonical = CreateCanonical();

    private static JsonSerializerOptions CreateCanonical()
    {
        var options = new JsonSerializerOptions();
        TimeBankSetup.ConfigureJson(options);
        return options;
    }

    public static string Fingerprint<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Canonical)));

    /// <summary>Adds the Idempotency-Key header to <paramref name="errors"/> when a keyed write comes without a usable one.</summary>
    public static void CheckKey(HttpContext context, IDictionary<string, string[]> errors)
    {
        string? key = context.Request.Headers[Header];
        var problem = key switch
        {
            null or "" => $"The {Header} header is required: a unique key per intended operation, reused on retries.",
            { Length: > MaxKeyLength } => $"The {Header} header may hold at most {MaxKeyLength} characters.",
            _ => null
        };
        if (problem is not null) errors[Header] = [problem];
    }

    /// <summary>Keys are the client's own, so they are scoped to the calling API key and the kind of command.</summary>
    public static string ClaimId(string command, string apiKeyId, string clientKey) => $"{command}:{apiKeyId}:{clientKey}";

    /// <summary>The answer to a request whose key or natural key was claimed before: the first answer again, or a refusal.</summary>
    public static Outcome Replay(IClaim claim, string fingerprint, string clientKey) =>
        claim.Fingerprint == fingerprint ? Outcome.Existing(claim.FirstAnswer) : new KeyReused(clientKey);

    public static StoreOptions AddIdempotency(this StoreOptions opts)
    {
        opts.Schema.For<IdempotencyClaim>();
        return opts;
    }

    public static WolverineOptions AddIdempotency(this WolverineOptions opts)
    {
        opts.Policies.AddMiddleware(typeof(IdempotencyMiddleware), chain => chain.MessageType.IsAssignableTo(typeof(IKeyedCommand)));
        return opts;
    }
}

/// <summary>Applied by policy to the handlers of every <see cref="IKeyedCommand"/>.</summary>
public static class IdempotencyMiddleware
{
    public static async Task<HandlerContinuation> BeforeAsync(Envelope envelope, MultiplexedReads reads, MessageContext context, CancellationToken cancellation)
    {
        if (ClaimId(envelope) is not { } claimId) return HandlerContinuation.Continue;
        var claim = await reads.LoadAsync<IdempotencyClaim>(claimId, cancellation);
        if (claim is null) return HandlerContinuation.Continue;

        // Setting the response this way is how a middleware answers InvokeAsync<Outcome> without running the handler.
        await context.EnqueueCascadingAsync(Idempotency.Replay(claim, Idempotency.Fingerprint<object>(envelope.Message!),
            envelope.Headers[Idempotency.EnvelopeHeader]!));
        return HandlerContinuation.Stop;
    }

    public static void After(Envelope envelope, Outcome outcome, IDocumentSession session, IClock clock)
    {
        if (outcome is not { Created: true, Value: { } value } || ClaimId(envelope) is not { } claimId) return;
        session.Insert(IdempotencyClaim.Of(claimId, Idempotency.Fingerprint<object>(envelope.Message!), value, clock.GetCurrentInstant()));
    }

    private static string? ClaimId(Envelope envelope) =>
        envelope.Headers.TryGetValue(Idempotency.EnvelopeHeader, out var key) && key is not null
            ? Idempotency.ClaimId(envelope.Message!.GetType().Name, Scopes.CallerOf(envelope).KeyId, key)
            : null;
}
