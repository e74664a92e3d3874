using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace TimeBank.Bench;

/// <summary>One HTTP/1.1 answer: its status, the length of its head (status line and headers, without the blank line),
/// its body with any chunk framing removed, and whether the server closes the connection after it.</summary>
public readonly record struct FramedAnswer(int Status, int HeadLength, byte[] Body, bool Close);

/// <summary>
/// Where an HTTP/1.1 answer ends in bytes as they arrive: after a Content-Length body, after the last chunk, or at the
/// head for bodiless statuses. An answer without either length is refused, not guessed at.
/// </summary>
public static class AnswerFraming
{
    public const int MaxHeadBytes = 64 * 1024;

    /// <summary>The answer at the start of <paramref name="bytes"/> and how many bytes it took; false while it is not whole.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bytes, out FramedAnswer answer, out int consumed)
    {
        answer = default;
        consumed = 0;
        var headLength = bytes.IndexOf("\r\n\r\n"u8);
        if (headLength < 0)
        {
            if (bytes.Length > MaxHeadBytes) throw new IOException("the answer's headers exceed 64 KB");
            return false;
        }

        var (status, length, chunked, close) = ParseHead(bytes[..headLength]);
        var bodyStart = headLength + 4;
        byte[] body;
        int end;
        if (chunked)
        {
            if (!TryReadChunks(bytes[bodyStart..], out body, out var chunksLength)) return false;
            end = bodyStart + chunksLength;
        }
        else
        {
            if (length < 0) throw new IOException("the answer has neither a length nor chunks");
            if (bytes.Length - bodyStart < length) return false;
            body = bytes.Slice(bodyStart, length).ToArray();
            end = bodyStart + length;
        }
        answer = new FramedAnswer(status, headLength, body, close);
        consumed = end;
        return true;
    }

    private static bool TryReadChunks(ReadOnlySpan<byte> bytes, out byte[] body, out int consumed)
    {
        body = [];
        consumed = 0;
        var content = new ArrayBufferWriter<byte>();
        var at = 0;
        while (true)
        {
            var lineEnd = bytes[at..].IndexOf("\r\n"u8);
            if (lineEnd < 0) return false;
            var line = bytes.Slice(at, lineEnd);
            var extension = line.IndexOf((byte)';');
            if (extension >= 0) line = line[..extension];
            if (!Utf8Parser.TryParse(line, out int size, out var parsed, 'x') || parsed != line.Length || size < 0)
            {
                throw new IOException("a malformed chunk size");
            }
            at += lineEnd + 2;
            if (size == 0) break;
            if (bytes.Length - at < size + 2) return false;
            content.Write(bytes.Slice(at, size));
            at += size + 2;
        }
        // Trailer lines, if any, then the blank line that ends the answer.
        while (true)
        {
            var lineEnd = bytes[at..].IndexOf("\r\n"u8);
            if (lineEnd < 0) return false;
            at += lineEnd + 2;
            if (lineEnd == 0) break;
        }
        body = content.WrittenSpan.ToArray();
        consumed = at;
        return true;
    }

    private static (int Status, int Length, bool Chunked, bool Close) ParseHead(ReadOnlySpan<byte> head)
    {
        var lineEnd = head.IndexOf("\r\n"u8);
        var statusLine = lineEnd < 0 ? head : head[..lineEnd];
        // "HTTP/1.1 200 OK"
        if (statusLine.Length < 12 || !statusLine.StartsWith("HTTP/1."u8) || !Utf8Parser.TryParse(statusLine.Slice(9, 3), out int status, out _))
        {
            throw new IOException($"a malformed status line: {Encoding.ASCII.GetString(statusLine)}");
        }

        int length = -1;
        bool chunked = false, close = statusLine[7] == (byte)'0';
        var rest = lineEnd < 0 ? [] : head[(lineEnd + 2)..];
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf("\r\n"u8);
            var line = end < 0 ? rest : rest[..end];
            rest = end < 0 ? [] : rest[(end + 2)..];
            var colon = line.IndexOf((byte)':');
            if (colon <= 0) continue;
            var name = line[..colon];
            var value = line[(colon + 1)..].Trim((byte)' ');
            if (Ascii.EqualsIgnoreCase(name, "Content-Length"u8))
            {
                if (!Utf8Parser.TryParse(value, out length, out var consumed) || consumed != value.Length) throw new IOException("a malformed Content-Length");
            }
            else if (Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8)) chunked = value.IndexOf("chunked"u8) >= 0;
            else if (Ascii.EqualsIgnoreCase(name, "Connection"u8)) close = Ascii.EqualsIgnoreCase(value, "close"u8);
        }
        // Informational and bodiless answers carry no body whatever their headers say.
        if (status is 204 or 304 || status < 200) return (status, 0, false, close);
        return (status, length < 0 && !chunked ? -1 : length, chunked, close);
    }
}
