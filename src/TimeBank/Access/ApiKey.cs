using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace TimeBank.Access;

/// <summary>An issued API key. Only the SHA-256 hash of the secret is stored.</summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string KeyHash, Instant IssuedAt, string IssuedBy)
{
    public static string NewSecret() =>
        "tbk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

/// <summary>Who is calling: the key's id and role, as recorded on every event it writes.</summary>
public sealed record Caller(string KeyId, string Name, string Role);
