using System.Buffers;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace TimeBank.Auditing.Chain;

/// <summary>
/// A growable UTF-8 buffer that writes JSON in the canonical form of RFC 8785 (JCS): object members
/// sorted by name (UTF-16 code units), no whitespace, strings escaped only where JSON requires it
/// (<c>\"</c>, <c>\\</c>, <c>\b \f \n \r \t</c>, other controls as <c>\u00xx</c>), everything else literal.
/// Integers are written as stored; other numbers in ECMAScript form. Reused across events, so hashing
/// a million events allocates little.
/// </summary>
public sealed class CanonicalJson
{
    private byte[] _buffer = new byte[4096];
    private int _length;

    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    public int Length => _length;

    public void Clear() => _length = 0;

    public override string ToString() => Encoding.UTF8.GetString(Written);

    public void Raw(ReadOnlySpan<byte> bytes)
    {
        Ensure(bytes.Length);
        bytes.CopyTo(_buffer.AsSpan(_length));
        _length += bytes.Length;
    }

    public void Raw(byte b)
    {
        Ensure(1);
        _buffer[_length++] = b;
    }

    public void Number(long value)
    {
        Ensure(20);
        value.TryFormat(_buffer.AsSpan(_length), out var written, provider: CultureInfo.InvariantCulture);
        _length += written;
    }

    public void Null() => Raw("null"u8);

    public void String(string? value)
    {
        if (value is null)
        {
            Null();
            return;
        }

        Raw((byte)'"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= 0x20 && c != '"' && c != '\\') continue;
            Utf8(value.AsSpan(start, i - start));
            Escape(c);
            start = i + 1;
        }
        Utf8(value.AsSpan(start));
        Raw((byte)'"');
    }

    public void Json(byte[]? utf8Json)
    {
        if (utf8Json is null)
        {
            Null();
            return;
        }
        using var document = JsonDocument.Parse(utf8Json);
        Element(document.RootElement);
    }

    public void Element(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                Object(element);
                break;
            case JsonValueKind.Array:
                Raw((byte)'[');
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first) Raw((byte)',');
                    first = false;
                    Element(item);
                }
                Raw((byte)']');
                break;
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(element);
                if (raw.IndexOf((byte)'\\') < 0) Raw(raw); // nothing escaped: already canonical, quotes included
                else String(element.GetString());
                break;
            case JsonValueKind.Number:
                NumberText(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.True:
                Raw("true"u8);
                break;
            case JsonValueKind.False:
                Raw("false"u8);
                break;
            default:
                Null();
                break;
        }
    }

    private void Object(JsonElement element)
    {
        var count = 0;
        foreach (var _ in element.EnumerateObject()) count++;
        var members = ArrayPool<(string Name, JsonProperty Property)>.Shared.Rent(count);
        try
        {
            var n = 0;
            foreach (var property in element.EnumerateObject()) members[n++] = (property.Name, property);
            Array.Sort(members, 0, n, MemberOrder.Instance);

            Raw((byte)'{');
            for (var i = 0; i < n; i++)
            {
                if (i > 0) Raw((byte)',');
                String(members[i].Name);
                Raw((byte)':');
                Element(members[i].Property.Value);
            }
            Raw((byte)'}');
        }
        finally
        {
            ArrayPool<(string, JsonProperty)>.Shared.Return(members, clearArray: true);
        }
    }

    private sealed class MemberOrder : IComparer<(string Name, JsonProperty Property)>
    {
        public static readonly MemberOrder Instance = new();

        public int Compare((string Name, JsonProperty Property) x, (string Name, JsonProperty Property) y) =>
            string.CompareOrdinal(x.Name, y.Name);
    }

    private void NumberText(ReadOnlySpan<byte> raw)
    {
        if (IsInteger(raw))
        {
            if (raw.SequenceEqual("-0"u8)) Raw((byte)'0');
            else Raw(raw);
            return;
        }
        var value = double.Parse(Encoding.ASCII.GetString(raw), NumberStyles.Float, CultureInfo.InvariantCulture);
        Raw(Encoding.ASCII.GetBytes(EcmaScriptNumber(value)));
    }

    private static bool IsInteger(ReadOnlySpan<byte> raw)
    {
        var digits = raw.Length > 0 && raw[0] == (byte)'-' ? raw[1..] : raw;
        if (digits.Length == 0) return false;
        foreach (var b in digits)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
        }
        return true;
    }

    /// <summary>Number::toString of ECMAScript (what RFC 8785 prescribes), from .NET's shortest round-trip digits.</summary>
    public static string EcmaScriptNumber(double value)
    {
        if (!double.IsFinite(value)) throw new FormatException("JSON has no NaN or infinity.");
        if (value == 0) return "0";
        var shortest = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        var exponentAt = shortest.IndexOf('E');
        var mantissa = exponentAt < 0 ? shortest : shortest[..exponentAt];
        var exponent = exponentAt < 0 ? 0 : int.Parse(shortest[(exponentAt + 1)..], CultureInfo.InvariantCulture);
        var dot = mantissa.IndexOf('.');
        var fraction = dot < 0 ? "" : mantissa[(dot + 1)..];
        var all = (dot < 0 ? mantissa : mantissa[..dot]) + fraction;
        var digits = all.TrimStart('0');
        var trimmed = digits.TrimEnd('0');
        // |value| = trimmed × 10^(n - k), with k digits
        var k = trimmed.Length;
        var n = k + exponent - fraction.Length + (digits.Length - trimmed.Length);
        string text;
        if (k <= n && n <= 21) text = trimmed + new string('0', n - k);
        else if (0 < n && n <= 21) text = trimmed[..n] + "." + trimmed[n..];
        else if (-6 < n && n <= 0) text = "0." + new string('0', -n) + trimmed;
        else
        {
            var e = n - 1;
            text = trimmed[..1] + (k > 1 ? "." + trimmed[1..] : "") + "e" + (e < 0 ? "-" : "+") +
                   Math.Abs(e).ToString(CultureInfo.InvariantCulture);
        }
        return (value < 0 ? "-" : "") + text;
    }

    private void Escape(char c)
    {
        switch (c)
        {
            case '"': Raw("\\\""u8); break;
            case '\\': Raw("\\\\"u8); break;
            case '\b': Raw("\\b"u8); break;
            case '\f': Raw("\\f"u8); break;
            case '\n': Raw("\\n"u8); break;
            case '\r': Raw("\\r"u8); break;
            case '\t': Raw("\\t"u8); break;
            default:
                Raw("\\u00"u8);
                Raw((byte)"0123456789abcdef"[c >> 4]);
                Raw((byte)"0123456789abcdef"[c & 0xF]);
                break;
        }
    }

    private void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty) return;
        Ensure(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _length += Encoding.UTF8.GetBytes(chars, _buffer.AsSpan(_length));
    }

    private void Ensure(int more)
    {
        if (_length + more <= _buffer.Length) return;
        Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + more));
    }
}
