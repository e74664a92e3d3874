using System.Security.Cryptography;
using System.Text;

namespace TimeBank.Access;

/// <summary>
/// An issued API key. Only the SHA-256 hash of the secret is stored. A kiosk key may be scoped to one love market.
/// A key stops working at its expiry, or when an admin revokes it.
/// </summary>
public sealed record ApiKey(Guid Id, string Name, string Role, string KeyHash, Instant IssuedAt, string IssuedBy, Guid? MarketId = null)
{
    public Instant? ExpiresAt { get; init; }
    public Instant? RevokedAt { get; init; }
    public string? RevokedBy { get; init; }

    /// <summary>The districts (区) a district-scoped key (care-worker) acts in; empty for every other role.</summary>
    public IReadOnlyList<string> Districts { get; init; } = [];

    /// <summary>The organisation (a school) a school key serves.</summary>
    public Guid? OrganisationId { get; init; }

    public bool WorksAt(Instant now) => RevokedAt is null && (ExpiresAt is null || now < ExpiresAt);

    public static string NewSecret() =>
        "tbk_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static string Hash(string secret) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}

public enum KeyStatus
{
    Active,
    Expired,
    Revoked
}

/// <summary>A key as an admin sees it: never the secret, nor its hash.</summary>
public sealed record ApiKeyView(Guid Id, string Name, string Role, Guid? MarketId, KeyStatus Status, Instant IssuedAt, string IssuedBy,
    Instant? ExpiresAt, Instant? RevokedAt, string? RevokedBy, IReadOnlyList<string> Districts)
{
    public static ApiKeyView Of(ApiKey k, Instant now) => new(k.Id, k.Name, k.Role, k.MarketId,
        k.RevokedAt is not null ? KeyStatus.Revoked : k.WorksAt(now) ? KeyStatus.Active : KeyStatus.Expired,
        k.IssuedAt, k.IssuedBy, k.ExpiresAt, k.RevokedAt, k.RevokedBy, k.Districts);
}

/// <summary>Who is calling: the key's id and role, as recorded on every event it writes, and the market a kiosk key serves.</summary>
public sealed record Caller(string KeyId, string Name, string Role, Guid? MarketId = null)
{
    /// <summary>The districts a district-scoped key acts in (empty for other roles).</summary>
    public IReadOnlyList<string> Districts { get; init; } = [];

    /// <summary>The organisation a school key serves.</summary>
    public Guid? OrganisationId { get; init; }

    public bool ServesDistrict(string district) => Districts.Contains(district, StringComparer.Ordinal);
}
