using System.Buffers;
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
    private readonly string _authority = node.Authority;
    private Socket? _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _received;
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
        _received = 0;
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
        FramedAnswer answer;
        int consumed;
        while (!AnswerFraming.TryRead(_buffer.AsSpan(0, _received), out answer, out consumed)) Receive();
        if (consumed != _received) throw new IOException("bytes after the answer on a connection with one request in flight");
        _received = 0;
        return (new Answer(answer.Status, answer.Body), answer.Close);
    }

    private void Receive()
    {
        if (_received == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = _socket!.Receive(_buffer.AsSpan(_received));
        if (read == 0) throw new IOException("the server closed the connection before the answer was whole");
        _received += read;
    }
}
