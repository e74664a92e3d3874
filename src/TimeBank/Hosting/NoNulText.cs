using System.Text.Json;
using System.Text.Json.Serialization;

namespace TimeBank.Hosting;

/// <summary>
/// Refuses text holding NUL (<c>\u0000</c>) anywhere in a request body: PostgreSQL cannot store it, and no field has
/// a use for it. Throwing the reader's own exception makes it an unreadable body naming the field (see <see cref="UnreadableBody"/>).
/// </summary>
public sealed class NoNulText : JsonConverter<string>
{
    public override bool HandleNull => false;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        // Parameterless, so the serializer appends the path of the field to the message.
        if (text is not null && text.Contains('\0')) throw new JsonException();
        return text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
