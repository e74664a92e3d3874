using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace TimeBank.Bench;

/// <summary>
/// One load client's keep-alive HTTP/1.1 connection to one node: a request written in one send, its answer read with as
/// few receives as it arrives in. The driver shares two cores with the service and PostgreSQL, as pgbench's client does
/// with PostgreSQL, so it costs the service as little of them as it can: <see cref="Begin"/> sends and
/// <see cref="TryFinish"/> reads what has come, so that one thread can wait on many connections at once (<see cref="Load"/>).
/// </summary>
public sealed class LoadConnection(Uri node, TimeSpan? answerTimeout = null) : IDisposable
{
    private readonly string _authority = node.Authority;
    private Socket? _socket;
    private byte[] _buffer = new byte[16 * 1024];
    private int _received;
    private readonly ArrayBufferWriter<byte> _request = new(4096);

    /// <summary>How long an answer may take before its request fails and the connection is dropped (a minute by default, as HttpClient's).</summary>
    public TimeSpan AnswerTimeout { get; } = answerTimeout ?? TimeSpan.FromMinutes(1);

    /// <summary>The socket whose answer is awaited, once a request has begun.</summary>
    public Socket? Socket => _socket;

    /// <summary>Sends a request and waits for its whole answer.</summary>
    public Answer Send(LoadRequest request)
    {
        Begin(request);
        Answer answer;
        while (!TryFinish(out answer))
        {
        }
        return answer;
    }

    /// <summary>Connects if need be and sends the request.</summary>
    public void Begin(LoadRequest request)
    {
        WriteRequest(request);
        try
        {
            _socket ??= Connect();
            SendAll(_request.WrittenSpan);
        }
        catch
        {
            Drop();
            throw;
        }
    }

    /// <summary>
    /// Receives once (waiting until something comes) and says whether the answer is now whole. A
    /// connection the server closes after the answer is dropped; on a failure it is dropped and the failure thrown.
    /// </summary>
    public bool TryFinish(out Answer answer)
    {
        answer = default;
        try
        {
            // The bytes before this receive were no whole answer, or the last call would have taken it.
            Receive();
            if (!AnswerFraming.TryRead(_buffer.AsSpan(0, _received), out var framed, out var consumed)) return false;
            if (consumed != _received) throw new IOException("bytes after the answer on a connection with one request in flight");
            _received = 0;
            answer = new Answer(framed.Status, framed.Body);
            if (framed.Close) Drop();
            return true;
        }
        catch
        {
            Drop();
            throw;
        }
    }

    public void Dispose() => Drop();

    private Socket Connect()
    {
        // A service that stops answering fails the request and the connection is dropped, instead of holding the phase open forever.
        var timeout = (int)AnswerTimeout.TotalMilliseconds;
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

    private void WriteRequest(LoadRequest request)
    {
        _request.ResetWrittenCount();
        Text(request.Method);
        Text(" ");
        Text(request.Path);
        Text(" HTTP/1.1\r\nHost: ");
        Text(_authority);
        Text("\r\nX-Api-Key: ");
        Text(request.ApiKey);
        if (request.IdempotencyKey is { } key)
        {
            Text("\r\nIdempotency-Key: ");
            Text(key);
        }
        if (request.JsonBody is not { } body)
        {
            Text("\r\n\r\n");
            return;
        }
        Text("\r\nContent-Type: application/json\r\nContent-Length: ");
        var span = _request.GetSpan(11);
        body.Length.TryFormat(span, out var written, provider: System.Globalization.CultureInfo.InvariantCulture);
        _request.Advance(written);
        Text("\r\n\r\n");
        _request.Write(body);
    }

    private void Text(string text)
    {
        var span = _request.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        _request.Advance(Encoding.UTF8.GetBytes(text, span));
    }

    private void Receive()
    {
        if (_received == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = _socket!.Receive(_buffer.AsSpan(_received));
        if (read == 0) throw new IOException("the server closed the connection before the answer was whole");
        _received += read;
    }
}
