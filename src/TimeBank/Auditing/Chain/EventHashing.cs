using System.Security.Cryptography;

namespace TimeBank.Auditing.Chain;

/// <summary>
/// The tamper-evidence rules, in one place (README.md, "Auditing", spells them out for auditors):
/// <list type="bullet">
/// <item>canonical form of an event: the JCS object
/// <c>{causationId, correlationId, data, headers, id, recordedAt, sequence, streamId, type, userName, version}</c>
/// built from its mt_events row;</item>
/// <item>hash = SHA-256(previous event's hash (32 bytes) ‖ canonical form (UTF-8)); the first event's
/// previous hash is 32 zero bytes; events are chained in global sequence order;</item>
/// <item>day of an event: its recorded instant's date in Asia/Shanghai, but never earlier than the day of
/// the event before it (so each day is one run of sequences); an event without a finite recorded instant
/// (Marten's tombstones) takes the day of the event before it.</item>
/// </list>
/// </summary>
public static class EventHashing
{
    public const int HashSize = 32;
    public static readonly DateTimeZone DigestZone = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    /// <summary>The chain's genesis: the "previous hash" of the first event. Its day is that of 1970-01-01.</summary>
    public static readonly byte[] Genesis = new byte[HashSize];
    public static readonly LocalDate GenesisDay = new(1970, 1, 1);

    public static void WriteCanonical(StoredEvent e, CanonicalJson json)
    {
        json.Raw("{\"causationId\":"u8);
        json.String(e.CausationId);
        json.Raw(",\"correlationId\":"u8);
        json.String(e.CorrelationId);
        json.Raw(",\"data\":"u8);
        json.Json(e.Data);
        json.Raw(",\"headers\":"u8);
        json.Json(e.Headers);
        json.Raw(",\"id\":"u8);
        json.String(e.Id.ToString("D"));
        json.Raw(",\"recordedAt\":"u8);
        json.String(e.RecordedAtText);
        json.Raw(",\"sequence\":"u8);
        json.Number(e.Sequence);
        json.Raw(",\"streamId\":"u8);
        json.String(e.StreamId?.ToString("D"));
        json.Raw(",\"type\":"u8);
        json.String(e.Type);
        json.Raw(",\"userName\":"u8);
        json.String(e.UserName);
        json.Raw(",\"version\":"u8);
        json.Number(e.Version);
        json.Raw((byte)'}');
    }

    public static string Canonical(StoredEvent e)
    {
        var json = new CanonicalJson();
        WriteCanonical(e, json);
        return json.ToString();
    }

    /// <summary>SHA-256(previous ‖ canonical). <paramref name="scratch"/> is reused between calls.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> previous, StoredEvent e, CanonicalJson scratch)
    {
        scratch.Clear();
        scratch.Raw(previous);
        WriteCanonical(e, scratch);
        return SHA256.HashData(scratch.Written);
    }

    public static LocalDate DayOf(StoredEvent e, LocalDate previousDay)
    {
        if (!e.HasFiniteRecordedAt) return previousDay;
        var day = Instant.FromDateTimeUtc(DateTime.SpecifyKind(e.RecordedAt, DateTimeKind.Utc)).InZone(DigestZone).Date;
        return day > previousDay ? day : previousDay;
    }

    public static string Hex(byte[]? hash) => hash is null ? "" : Convert.ToHexStringLower(hash);
}
