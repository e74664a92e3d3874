using System.Globalization;
using Npgsql;

namespace TimeBank.Auditing.Chain;

/// <summary>
/// One row of mt_events exactly as stored: what the hash chain covers and what auditors read.
/// <see cref="Data"/> and <see cref="Headers"/> are the stored jsonb as UTF-8 JSON text.
/// </summary>
public sealed record StoredEvent(
    long Sequence,
    Guid Id,
    Guid? StreamId,
    string? StreamKind,
    long Version,
    string Type,
    DateTime RecordedAt,
    byte[] Data,
    byte[]? Headers,
    string? CorrelationId,
    string? CausationId,
    string? UserName)
{
    /// <summary>The recorded instant as it enters the canonical form: UTC with microseconds, or ±infinity (Marten's tombstones).</summary>
    public string RecordedAtText => FormatRecordedAt(RecordedAt);

    public static string FormatRecordedAt(DateTime recordedAt) =>
        recordedAt == DateTime.MinValue ? "-infinity"
        : recordedAt == DateTime.MaxValue ? "infinity"
        : recordedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    public bool HasFiniteRecordedAt => RecordedAt != DateTime.MinValue && RecordedAt != DateTime.MaxValue;
}

public static class StoredEvents
{
    public const string Schema = Hosting.Storage.Schema;

    /// <summary>Columns in the order <see cref="Read"/> expects; alias e for mt_events, s for mt_streams.</summary>
    public const string Columns =
        "e.seq_id, e.id, e.stream_id, s.type, e.version, e.type, e.timestamp, e.data, e.headers, e.correlation_id, e.causation_id, e.user_name";

    /// <summary>The same without the stream's kind (no join), for hashing.</summary>
    public const string ColumnsWithoutKind =
        "e.seq_id, e.id, e.stream_id, null::varchar, e.version, e.type, e.timestamp, e.data, e.headers, e.correlation_id, e.causation_id, e.user_name";

    public const string From = $"{Schema}.mt_events e left join {Schema}.mt_streams s on s.id = e.stream_id";

    public static StoredEvent Read(NpgsqlDataReader reader, int offset = 0) => new(
        reader.GetInt64(offset),
        reader.GetGuid(offset + 1),
        reader.IsDBNull(offset + 2) ? null : reader.GetGuid(offset + 2),
        reader.IsDBNull(offset + 3) ? null : reader.GetString(offset + 3),
        reader.GetInt64(offset + 4),
        reader.GetString(offset + 5),
        reader.GetFieldValue<DateTime>(offset + 6),
        reader.GetFieldValue<byte[]>(offset + 7),
        reader.IsDBNull(offset + 8) ? null : reader.GetFieldValue<byte[]>(offset + 8),
        reader.IsDBNull(offset + 9) ? null : reader.GetString(offset + 9),
        reader.IsDBNull(offset + 10) ? null : reader.GetString(offset + 10),
        reader.IsDBNull(offset + 11) ? null : reader.GetString(offset + 11));
}
