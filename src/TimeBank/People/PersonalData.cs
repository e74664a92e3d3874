using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace TimeBank.People;

/// <summary>
/// Protects identity-card numbers and phones at rest: AES-256-GCM with a key derived by HKDF-SHA256 from
/// <c>TimeBank:PersonalDataKey</c>, and a keyed HMAC of the identity number so duplicates can be found
/// without storing it. Each ciphertext is bound to the field it belongs to, so one cannot be moved to another.
/// </summary>
public sealed class PersonalData
{
    public const int MinimumKeyLength = 32;

    /// <summary>Only for development and tests; anyone can read data protected with it.</summary>
    public const string DevelopmentKey = "timebank-development-personal-data-key-do-not-use-in-production";

    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private readonly byte[] _encryptionKey;
    private readonly byte[] _hashKey;

    public PersonalData(IOptions<TimeBankOptions> options) : this(options.Value.PersonalDataKey)
    {
    }

    public PersonalData(string? secret)
    {
        UsesDevelopmentKey = NamesNoKey(secret);
        if (KeyProblem(secret) is { } problem) throw new InvalidOperationException(problem);

        var master = Encoding.UTF8.GetBytes(UsesDevelopmentKey ? DevelopmentKey : secret!);
        _encryptionKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "timebank/people/encryption/v1"u8.ToArray());
        _hashKey = HKDF.DeriveKey(HashAlgorithmName.SHA256, master, 32, info: "timebank/people/id-number-hash/v1"u8.ToArray());
    }

    public bool UsesDevelopmentKey { get; }

    /// <summary>What is said of a secret that names no key: a warning in development, a refusal to serve in Production.</summary>
    public const string NoKeyConfigured =
        "TimeBank:PersonalDataKey is not set, so identity numbers and phones would be encrypted with the published development key. " +
        "Production must set TimeBank:PersonalDataKey (TimeBank__PersonalDataKey, at least 32 characters) before any person is registered.";

    /// <summary>A secret that is absent or blank names no key: the development key stands in for it.</summary>
    public static bool NamesNoKey([System.Diagnostics.CodeAnalysis.NotNullWhen(false)] string? secret) => string.IsNullOrWhiteSpace(secret);

    /// <summary>Why a configured secret is too weak to protect personal data; null when it is none (development) or strong enough.</summary>
    public static string? KeyProblem(string? secret) =>
        NamesNoKey(secret) || secret.Length >= MinimumKeyLength
            ? null
            : $"TimeBank:PersonalDataKey must hold at least {MinimumKeyLength} characters, e.g. the output of `openssl rand -base64 32`.";

    /// <summary>Lower-case hex HMAC-SHA256 of the normalised number.</summary>
    public string IdNumberHash(ResidentIdNumber idNumber) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(idNumber.Value)));

    /// <summary>
    /// Keyed hash of an address with its whitespace and punctuation removed: equal for the same address written the same
    /// way, and the only trace of it kept (addresses are compared, never shown).
    /// </summary>
    public string AddressHash(string address)
    {
        var normalised = new string(address.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        return Convert.ToHexStringLower(HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes("address:" + normalised)));
    }

    /// <summary>Keyed hash of any personal value, to tell whether it changed without keeping or decrypting it.</summary>
    public string Fingerprint(string purpose, string value) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_hashKey, Encoding.UTF8.GetBytes(purpose + ":" + value)));

    /// <summary><c>v1:</c> then base64 of nonce, tag and ciphertext.</summary>
    public string Protect(string value, string field)
    {
        var plain = Encoding.UTF8.GetBytes(value);
        var sealedBytes = new byte[NonceSize + TagSize + plain.Length];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize),
            Encoding.UTF8.GetBytes(field));
        return $"{Version}:{Convert.ToBase64String(sealedBytes)}";
    }

    /// <exception cref="CryptographicException">The value was protected with another key or for another field.</exception>
    public string Reveal(string protectedValue, string field)
    {
        if (!protectedValue.StartsWith(Version + ":", StringComparison.Ordinal))
            throw new CryptographicException("Not a protected value of a known version.");

        var sealedBytes = Convert.FromBase64String(protectedValue[(Version.Length + 1)..]);
        if (sealedBytes.Length < NonceSize + TagSize) throw new CryptographicException("The protected value is truncated.");

        var plain = new byte[sealedBytes.Length - NonceSize - TagSize];
        using var aes = new AesGcm(_encryptionKey, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize + TagSize), sealedBytes.AsSpan(NonceSize, TagSize),
            plain, Encoding.UTF8.GetBytes(field));
        return Encoding.UTF8.GetString(plain);
    }

    /// <summary>The associated data that ties a ciphertext to one field of one person.</summary>
    public static string Field(Guid personId, string name) => $"person:{personId:N}:{name}";
}

/// <summary>
/// Says once, at start, that personal data is protected with the published development key, which anyone can read (a
/// Production environment does not get this far: <see cref="Hosting.Settings.ServingProblems"/>).
/// </summary>
public sealed class PersonalDataKeyCheck(PersonalData personalData, ILogger<PersonalDataKeyCheck> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (personalData.UsesDevelopmentKey) logger.LogWarning("{Problem}", PersonalData.NoKeyConfigured);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
