using System.Globalization;
using System.Text;
using System.Text.Json;
using Npgsql;
using TimeBank.Auditing.Chain;

namespace TimeBank.Auditing.Exporting;

public enum ExportFormat
{
    Jsonl,
    Csv
}

/// <summary>Where an export starts and stops: sequences (inclusive) and/or recorded instants (from inclusive, to exclusive).</summary>
public sealed record ExportRange(long? FromSequence = null, long? ToSequence = null, Instant? FromInstant = null, Instant? ToInstant = null);

public sealed record ExportResult(string Path, long Events, long? FirstSequence, long? LastSequence, long ResumedAfter, long ChainHead, long NotYetChained);

/// <summary>
/// Writes the chained events to a file, one per line, in sequence order: JSON lines shaped like the items of
/// GET /api/audit/events, or CSV. Rows stream from PostgreSQL to the file (constant memory). With resume, an
/// existing file is continued after its last complete line; a torn last line is cut off first.
/// </summary>
public sealed class EventExporter(IDocumentStore store)
{
    public static readonly string[] CsvColumns =
    [
        "sequence", "id", "stream_id", "stream_kind", "version", "type", "recorded_at", "actor_key_id", "actor_role",
        "correlation_id", "causation_id", "user_name", "hash", "prev_hash", "headers", "data"
    ];

    public async Task<ExportResult> ExportAsync(string path, ExportFormat format, ExportRange range, bool resume,
        IProgress<long>? progress, CancellationToken cancellation)
    {
        var resumedAfter = resume ? LastExportedSequence(path, format) : null;
        var after = Math.Max(resumedAfter ?? 0, (range.FromSequence ?? 1) - 1);

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var head = await ChainStore.LoadHeadAsync(connection, cancellation);
        var through = Math.Min(range.ToSequence ?? head.Sequence, head.Sequence);

        await using var file = new FileStream(path, resumedAfter is null ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.Read,
            1 << 16);
        if (resumedAfter is null && format == ExportFormat.Csv)
        {
            file.Write(Encoding.UTF8.GetBytes(string.Join(",", CsvColumns) + "\n"));
        }

        await using var command = new NpgsqlCommand(
            $"""
             select {AuditedEvent.Columns} from {AuditedEvent.From}
             where e.seq_id > $1 and e.seq_id <= $2
               and ($3::timestamptz is null or e.timestamp >= $3) and ($4::timestamptz is null or e.timestamp < $4)
             order by e.seq_id
             """, connection)
        {
            Parameters =
            {
                new() { Value = after },
                new() { Value = through },
                new() { Value = (object?)range.FromInstant?.ToDateTimeUtc() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
                new() { Value = (object?)range.ToInstant?.ToDateTimeUtc() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz }
            },
            CommandTimeout = 0
        };

        long count = 0;
        long? first = null, last = null;
        var scratch = new CanonicalJson();
        var line = new MemoryStream(4096);
        await using (var json = new Utf8JsonWriter(line))
        await using (var reader = await command.ExecuteReaderAsync(cancellation))
        {
            while (await reader.ReadAsync(cancellation))
            {
                var e = AuditedEvent.Read(reader);
                line.SetLength(0);
                if (format == ExportFormat.Jsonl)
                {
                    json.Reset(line);
                    e.Write(json, scratch);
                    json.Flush();
                }
                else
                {
                    WriteCsv(line, e, scratch);
                }
                line.WriteByte((byte)'\n');
                file.Write(line.GetBuffer(), 0, (int)line.Length);

                first ??= e.Event.Sequence;
                last = e.Event.Sequence;
                if (++count % 10_000 == 0) progress?.Report(e.Event.Sequence);
            }
        }
        await file.FlushAsync(cancellation);
        progress?.Report(through);

        var pending = await ChainStore.CountEventsAfterAsync(connection, head.Sequence, cancellation);
        return new ExportResult(path, count, first, last, resumedAfter ?? 0, head.Sequence, pending);
    }

    private static void WriteCsv(Stream line, AuditedEvent audited, CanonicalJson scratch)
    {
        var e = audited.Event;
        var (keyId, role) = AuditedEvent.Actor(e.Headers);
        scratch.Clear();
        scratch.Json(e.Headers);
        var headers = scratch.ToString();
        scratch.Clear();
        scratch.Json(e.Data);
        var data = scratch.ToString();
        string?[] fields =
        [
            e.Sequence.ToString(CultureInfo.InvariantCulture), e.Id.ToString("D"), e.StreamId?.ToString("D"), e.StreamKind,
            e.Version.ToString(CultureInfo.InvariantCulture), e.Type, e.RecordedAtText, keyId ?? e.UserName, role, e.CorrelationId,
            e.CausationId, e.UserName, Convert.ToHexStringLower(audited.Hash), Convert.ToHexStringLower(audited.PreviousHash), headers, data
        ];
        var text = string.Join(",", fields.Select(Csv));
        line.Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled.</summary>
    public static string Csv(string? value)
    {
        if (value is null) return "";
        return value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";
    }

    /// <summary>The sequence of the file's last complete line, after cutting off a torn one; null when there is nothing to resume.</summary>
    public static long? LastExportedSequence(string path, ExportFormat format)
    {
        if (!File.Exists(path)) return null;
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        if (file.Length == 0) return null;

        var end = EndOfLastCompleteLine(file);
        file.SetLength(end);
        if (end == 0) return null;

        var start = StartOfLine(file, end - 1);
        var bytes = new byte[end - 1 - start];
        file.Position = start;
        file.ReadExactly(bytes);
        var text = Encoding.UTF8.GetString(bytes);
        if (format == ExportFormat.Csv)
        {
            var first = text.Split(',')[0];
            if (first == CsvColumns[0]) return null;
            return long.Parse(first, CultureInfo.InvariantCulture);
        }
        using var document = JsonDocument.Parse(text);
        return document.RootElement.GetProperty("sequence").GetInt64();
    }

    private static long EndOfLastCompleteLine(FileStream file)
    {
        for (var position = file.Length - 1; position >= 0; position--)
        {
            file.Position = position;
            if (file.ReadByte() == '\n') return position + 1;
        }
        return 0;
    }

    private static long StartOfLine(FileStream file, long newline)
    {
        for (var position = newline - 1; position >= 0; position--)
        {
            file.Position = position;
            if (file.ReadByte() == '\n') return position + 1;
        }
        return 0;
    }
}
