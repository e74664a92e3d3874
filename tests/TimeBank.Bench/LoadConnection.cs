using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace TimeBank.Bench;

/// <summary>
/// One load client's keep-alive HTTP/1.1 connection to one node: a request written in one send, its answer read with as
/// few receives as it arrives in. The driver shares two cores with the service and PostgreSQL, as pgbench's client does
/// with PostgreSQL, so it costs the service as little of them as it can.
/// </summary>
public sealed class LoadConnection(Uri node, TimeSpan? answerTimeout = null) : IDisposable
{
    private const int MaxHeaderBytes = 64 * 1024;
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();

    private readonly string _authority = node.Authority;
    private Socket? _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private readonly ArrayBufferWriter<byte> _request = new(4096);

    public Answer Send(HttpRequestMessage request)
    {
        using (request)
        {
            WriteRequest(request);
            try
            {
                _socket ??= Connect();
                SendAll(_request.WrittenSpan);
                var (answer, close) = ReadAnswer();
                if (close) Drop();
                return answer;
            }
            catch
            {
                Drop();
                throw;
            }
        }
    }

    public void Dispose() => Drop();

    private Socket Connect()
    {
        // A service that stops answering fails the request (after a minute by default, as HttpClient did) and the
        // connection is dropped, instead of holding the phase open forever.
        var timeout = (int)(answerTimeout ?? TimeSpan.FromMinutes(1)).TotalMilliseconds;
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = timeout, SendTimeout = timeout };
        try
        {
            socket.Connect(node.Host, node.Port);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void SendAll(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty) bytes = bytes[_socket!.Send(bytes)..];
    }

    private void Drop()
    {
        _socket?.Dispose();
        _socket = null;
        _start = _end = 0;
    }

    private void WriteRequest(HttpRequestMessage request)
    {
        var body = request.Content is null ? null : ReadBody(request.Content);
        var target = request.RequestUri!.IsAbsoluteUri ? request.RequestUri.PathAndQuery : request.RequestUri.OriginalString;

        _request.ResetWrittenCount();
        Text($"{request.Method.Method} {target} HTTP/1.1\r\nHost: {_authority}\r\n");
        foreach (var (name, values) in request.Headers) Text($"{name}: {string.Join(", ", values)}\r\n");
        if (request.Content is not null)
        {
            foreach (var (name, values) in request.Content.Headers)
            {
                if (!name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)) Text($"{name}: {string.Join(", ", values)}\r\n");
            }
        }
        Text(body is null ? "\r\n" : $"Content-Length: {body.Length}\r\n\r\n");
        if (body is not null) _request.Write(body);
    }

    private static byte[] ReadBody(HttpContent content)
    {
        using var stream = content.ReadAsStream();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    private void Text(string text)
    {
        var span = _request.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _request.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private (Answer Answer, bool Close) ReadAnswer()
    {
        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf(HeaderEnd)) < 0)
        {
            if (_end - _start > MaxHeaderBytes) throw new IOException("the answer's headers exceed 64 KB");
            Receive();
        }

        var (status, length, chunked, close) = ParseHead(_buffer.AsSpan(_start, headerEnd));
        _start += headerEnd + HeaderEnd.Length;

        byte[] body;
        if (chunked) body = ReadChunks();
        else
        {
            if (length < 0) throw new IOException("the answer has neither a length nor chunks");
            while (_end - _start < length) Receive();
            body = _buffer.AsSpan(_start, length).ToArray();
            _start += length;
        }
        if (_start != _end) throw new IOException("bytes after the answer on a connection with one request in flight");
        _start = _end = 0;
        return (new Answer(status, body), close);
    }

    private byte[] ReadChunks()
    {
        var body = new ArrayBufferWriter<byte>();
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0) Receive();
            var line = _buffer.AsSpan(_start, lineEnd);
            var extension = line.IndexOf((byte)';');
            if (extension >= 0) line = line[..extension];
            if (!Utf8Parser.TryParse(line, out int size, out var consumed, 'x') || consumed != line.Length || size < 0)
            {
                throw new IOException("a malformed chunk size");
            }
            _start += lineEnd + 2;
            // A chunk, or the last (empty) one, is followed by CRLF; trailers are not expected.
            while (_end - _start < size + 2) Receive();
            if (size == 0)
            {
                _start += 2;
                return body.WrittenSpan.ToArray();
            }
            body.Write(_buffer.AsSpan(_start, size));
            _start += size + 2;
        }
    }

    private void Receive()
    {
        if (_end == _buffer.Length)
        {
            if (_start > 0)
            {
                _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                _end -= _start;
                _start = 0;
            }
            else Array.Resize(ref _buffer, _buffer.Length * 2);
        }
        var read = _socket!.Receive(_buffer.AsSpan(_end));
        if (read == 0) throw new IOException("the server closed the connection before the answer was whole");
        _end += read;
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
