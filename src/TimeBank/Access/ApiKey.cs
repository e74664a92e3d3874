using System.Security.Cryptography;
using System.Text;
using NodaTime;

namespace TimeBank.Access;

/// <summary>An issued API key. Only the SHA-256 hash of the secret is stored. A kiosk key may be scoped to one love market.</summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string KeyHash, Instant IssuedAt, string IssuedBy, Guid? MarketId = null)
{
    public static string NewSecret() =>
        "tbk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

/// <summary>Who is calling: the key's id and role, as recorded on every event it writes, and the market a kiosk key serves.</summary>
public sealed record Caller(string KeyId, string Name, string Role, Guid? MarketId = null);
