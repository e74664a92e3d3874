using System.Security.Cryptography;
using System.Text.Json;
using Marten;
using NodaTime;

namespace TimeBank.Hosting;

/// <summary>
/// Records that a client key was used, with a fingerprint of the request it came with. Inserted
/// (never upserted) in the same transaction as the events it guards, so of two racing requests
/// with one key exactly one commits; the other is re-run and finds this claim.
/// </summary>
public sealed record IdempotencyClaim(string Id, string Fingerprint, Guid ResourceId, JsonElement FirstResult, Instant ClaimedAt)
{
    public static IdempotencyClaim For<T>(string id, string fingerprint, Guid resourceId, T result, Instant now) =>
        new(id, fingerprint, resourceId, JsonSerializer.SerializeToElement(result, Idempotency.Canonical), now);

    /// <summary>The first result for the same request again; a 409 for a different request under the same key.</summary>
    public Outcome<T> Replay<T>(string fingerprint, string clientKey) where T : class =>
        Fingerprint == fingerprint ? Outcome<T>.Ok(Result<T>()) : Problems.IdempotencyMismatch(clientKey);

    public T Result<T>() => FirstResult.Deserialize<T>(Idempotency.Canonical)!;
}

public static class Idempotency
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 200;

    public static string ClaimId(string scope, string callerKeyId, string clientKey) => $"{scope}:{callerKeyId}:{clientKey}";

    internal static readonly JsonSerializerOptions Canonical = CreateCanonical();

    private static JsonSerializerOptions CreateCanonical()
    {
        var options = new JsonSerializerOptions();
        TimeBankSetup.ConfigureJson(options);
        return options;
    }

    public static string Fingerprint<T>(T request) =>
        Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Canonical)));

    public static string? ValidateKey(string? key) => key switch
    {
        null or "" => $"The {Header} header is required: a unique key per intended operation, reused on retries.",
        { Length: > MaxKeyLength } => $"The {Header} header may hold at most {MaxKeyLength} characters.",
        _ => null
    };

    public static StoreOptions AddIdempotency(this StoreOptions opts)
    {
        opts.Schema.For<IdempotencyClaim>();
        return opts;
    }
}
