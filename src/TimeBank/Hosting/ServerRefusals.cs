using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace TimeBank.Hosting;

/// <summary>
/// Kestrel refuses some requests before any middleware sees them (an encoded NUL in the path, a request line or headers
/// over its limits, a malformed request line, headers that never finish) and answers them with an empty body. Here those
/// answers carry a problem document like every other refusal: Kestrel reports each such refusal as a diagnostic event,
/// and the connection, which it closes after that answer, writes the document in place of the empty one. (Where Kestrel
/// itself terminates TLS, its empty answers stay: the bytes this sees there are encrypted.)
/// </summary>
public static class ServerRefusals
{
    public const string BadRequestEvent = "Microsoft.AspNetCore.Server.Kestrel.BadRequest";

    /// <summary>
    /// Every connection gets a slot for a refusal and an output that can answer it, and the host listens for Kestrel's
    /// refusals while it runs.
    /// </summary>
    public static WebApplicationBuilder AnswerServerRefusalsWithProblems(this WebApplicationBuilder builder)
    {
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Use(next => connection =>
        {
            var refusal = new PendingRefusal();
            connection.Features.Set(refusal);
            connection.Transport = new RefusingTransport(connection.Transport, refusal);
            return next(connection);
        })));
        builder.Services.AddHostedService<RefusalListener>();
        return builder;
    }

    /// <summary>The document for a refusal with this status; the limits are the server's own.</summary>
    public static ProblemDetails ProblemFor(int status, KestrelServerOptions server) => new()
    {
        Type = Problems.Types.MalformedRequest,
        Status = status,
        Title = status switch
        {
            StatusCodes.Status414UriTooLong => "The request line is too long.",
            StatusCodes.Status431RequestHeaderFieldsTooLarge => "The request headers are too large.",
            StatusCodes.Status408RequestTimeout => "The request headers did not arrive in time.",
            _ => "The request could not be read."
        },
        Detail = status switch
        {
            StatusCodes.Status414UriTooLong =>
                $"The method, path and query may hold at most {server.Limits.MaxRequestLineSize} bytes; send fewer or shorter query values.",
            StatusCodes.Status431RequestHeaderFieldsTooLarge =>
                $"The headers may hold at most {server.Limits.MaxRequestHeadersTotalSize} bytes together.",
            StatusCodes.Status400BadRequest =>
                "The server refused the request line or headers before reading the request: a path may not hold an encoded NUL (%00) or control characters. Nothing was written.",
            _ => $"The server refused the request ({ReasonPhrases.GetReasonPhrase(status)}) before reading it. Nothing was written."
        }
    };

    /// <summary>The whole HTTP/1.1 answer: the status, the document, and the closing of the connection Kestrel does anyway.</summary>
    public static byte[] Answer(ProblemDetails problem)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            type = problem.Type,
            title = problem.Title,
            status = problem.Status,
            detail = problem.Detail
        });
        var head = $"HTTP/1.1 {problem.Status} {ReasonPhrases.GetReasonPhrase(problem.Status!.Value)}\r\n" +
                   "Content-Type: application/problem+json; charset=utf-8\r\n" +
                   $"Content-Length: {body.Length}\r\n" +
                   "Connection: close\r\n" +
                   $"Date: {DateTimeOffset.UtcNow:R}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>Set when Kestrel has refused the connection's current request and has not yet answered it.</summary>
    public sealed class PendingRefusal
    {
        private volatile byte[]? _answer;

        public byte[]? Answer => _answer;

        public void Refused(byte[] answer) => _answer = answer;
    }

    /// <summary>Subscribed before any hosted service starts, so before the server listens.</summary>
    private sealed class RefusalListener(DiagnosticListener diagnostics, IOptions<KestrelServerOptions> server) : IHostedLifecycleService
    {
        private IDisposable? _subscription;

        public Task StartingAsync(CancellationToken cancellationToken)
        {
            _subscription = diagnostics.Subscribe(new RefusalObserver(server.Value), name => name == BadRequestEvent);
            return Task.CompletedTask;
        }

        public Task StoppedAsync(CancellationToken cancellationToken)
        {
            _subscription?.Dispose();
            return Task.CompletedTask;
        }

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private sealed class RefusalObserver(KestrelServerOptions server) : IObserver<KeyValuePair<string, object?>>
    {
        // Write reaches every observer of the listener whatever its predicate: the name is checked again here.
        public void OnNext(KeyValuePair<string, object?> value)
        {
            if (value.Key != BadRequestEvent || value.Value is not IFeatureCollection request) return;
            // Kestrel answers a refusal itself only while the response has not started; an HTTP/2 or HTTP/3 stream is
            // refused within a shared connection, whose bytes are not this request's alone.
            if (request.Get<IHttpResponseFeature>() is not { HasStarted: false }) return;
            if (request.Get<IHttpRequestFeature>() is { } line && (line.Protocol is "HTTP/2" or "HTTP/3" || HttpMethods.IsHead(line.Method))) return;
            // Where Kestrel itself terminates TLS, the output below this connection's middleware is encrypted.
            if (request.Get<ITlsConnectionFeature>() is not null) return;
            if (request.Get<PendingRefusal>() is not { } pending) return;

            var status = request.Get<IBadRequestExceptionFeature>()?.Error is Microsoft.AspNetCore.Http.BadHttpRequestException refused
                ? refused.StatusCode
                : StatusCodes.Status400BadRequest;
            var problem = ProblemFor(status, server);
            pending.Refused(Answer(problem));
            Telemetry.Refused(problem.Type);
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }

    private sealed class RefusingTransport(IDuplexPipe transport, PendingRefusal refusal) : IDuplexPipe
    {
        public PipeReader Input { get; } = transport.Input;
        public PipeWriter Output { get; } = new RefusingWriter(transport.Output, refusal);
    }

    /// <summary>
    /// Passes every write through, except once a refusal is pending: Kestrel's empty answer, the last thing it writes on
    /// the connection, is dropped and the problem answer written instead.
    /// </summary>
    private sealed class RefusingWriter(PipeWriter inner, PendingRefusal refusal) : PipeWriter
    {
        private byte[] _discarded = [];
        private bool _answered;

        private bool Replacing => refusal.Answer is not null;

        public override void Advance(int bytes)
        {
            if (!Replacing) inner.Advance(bytes);
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Replacing ? Discard(sizeHint) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Replacing ? Discard(sizeHint).Span : inner.GetSpan(sizeHint);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            if (refusal.Answer is { } answer && !_answered)
            {
                _answered = true;
                inner.Write(answer);
            }
            return inner.FlushAsync(cancellationToken);
        }

        public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default) =>
            Replacing ? FlushAsync(cancellationToken) : inner.WriteAsync(source, cancellationToken);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

        public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

        public override long UnflushedBytes => inner.UnflushedBytes;

        private Memory<byte> Discard(int sizeHint)
        {
            if (_discarded.Length < Math.Max(sizeHint, 4096)) _discarded = new byte[Math.Max(sizeHint, 4096)];
            return _discarded;
        }
    }
}
