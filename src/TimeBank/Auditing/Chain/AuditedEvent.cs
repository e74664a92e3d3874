using System.Text.Json;
using Npgsql;

namespace TimeBank.Auditing.Chain;

/// <summary>A stored event with its link in the chain: one line of the auditor's feed and of an export.</summary>
public sealed record AuditedEvent(StoredEvent Event, byte[] Hash, byte[] PreviousHash)
{
    public const string Columns = $"{StoredEvents.Columns}, c.hash, c.prev_hash";
    public const string From = $"{StoredEvents.From} join {ChainStore.ChainTable} c on c.seq_id = e.seq_id";

    public static AuditedEvent Read(NpgsqlDataReader reader) =>
        new(StoredEvents.Read(reader), reader.GetFieldValue<byte[]>(12), reader.GetFieldValue<byte[]>(13));

    /// <summary>
    /// Writes the event as auditors read it. The members that enter the hash (see <see cref="EventHashing"/>)
    /// carry exactly the values of the canonical form, data and headers already in canonical JSON, so
    /// hash = SHA-256(prevHash ‖ JCS of those eleven members).
    /// </summary>
    public void Write(Utf8JsonWriter json, CanonicalJson scratch)
    {
        var e = Event;
        json.WriteStartObject();
        json.WriteNumber("sequence", e.Sequence);
        json.WriteString("id", e.Id.ToString("D"));
        if (e.StreamId is { } stream) json.WriteString("streamId", stream.ToString("D"));
        else json.WriteNull("streamId");
        json.WriteString("streamKind", e.StreamKind);
        json.WriteNumber("version", e.Version);
        json.WriteString("type", e.Type);
        json.WriteString("recordedAt", e.RecordedAtText);
        json.WritePropertyName("data");
        scratch.Clear();
        scratch.Json(e.Data);
        json.WriteRawValue(scratch.Written, skipInputValidation: true);
        json.WritePropertyName("headers");
        scratch.Clear();
        scratch.Json(e.Headers);
        json.WriteRawValue(scratch.Written, skipInputValidation: true);
        json.WriteStartObject("actor");
        var (keyId, role) = Actor(e.Headers);
        json.WriteString("keyId", keyId ?? e.UserName);
        json.WriteString("role", role);
        json.WriteEndObject();
        json.WriteString("correlationId", e.CorrelationId);
        json.WriteString("causationId", e.CausationId);
        json.WriteString("userName", e.UserName);
        json.WriteString("hash", Convert.ToHexStringLower(Hash));
        json.WriteString("prevHash", Convert.ToHexStringLower(PreviousHash));
        json.WriteEndObject();
    }

    /// <summary>Who appended the event, as <see cref="Hosting.Audit"/> stamps it in the headers.</summary>
    public static (string? KeyId, string? Role) Actor(byte[]? headers)
    {
        if (headers is null) return (null, null);
        var reader = new Utf8JsonReader(headers);
        string? keyId = null, role = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return (null, null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString();
            reader.Read();
            if (reader.TokenType == JsonTokenType.String)
            {
                if (name == Hosting.Audit.ActorKeyIdHeader) keyId = reader.GetString();
                else if (name == Hosting.Audit.ActorRoleHeader) role = reader.GetString();
            }
            else reader.Skip();
        }
        return (keyId, role);
    }
}
