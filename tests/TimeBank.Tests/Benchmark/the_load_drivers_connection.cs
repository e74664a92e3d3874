using System.Net;
using System.Net.Sockets;
using System.Text;
using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>
/// ops/bench measures the service through <see cref="LoadConnection"/>; a misread answer would count as the service's
/// error or its speed. A scripted server sends answers the ways a server may: in pieces, chunked, closing.
/// </summary>
public sealed class the_load_drivers_connection
{
    [Fact]
    public async Task writes_the_request_whole_and_reads_an_answer_that_arrives_in_pieces()
    {
        await using var server = new ScriptedServer(async (connection, _) =>
        {
            var request = await connection.ReadRequestAsync();
            request.Head.ShouldStartWith("POST /api/transfers HTTP/1.1\r\nHost: 127.0.0.1:");
            request.Head.ShouldContain("\r\nX-Api-Key: key-1\r\n");
            request.Head.ShouldContain("\r\nIdempotency-Key: once\r\n");
            request.Head.ShouldContain("\r\nContent-Type: application/json\r\n");
            request.Head.ShouldContain("\r\nContent-Length: 11\r\n");
            request.Body.ShouldBe("{\"a\":\"是\"}");
            await connection.SendAsync("HTTP/1.1 201 Created\r\nContent-Le");
            await connection.SendAsync("ngth: 12\r\nContent-Type: application/json\r\n\r\n{\"id\"");
            await connection.SendAsync(":\"x\"}\r\n");
        });
        using var load = new LoadConnection(server.Url);

        var request = new LoadRequest("POST", "/api/transfers", "key-1", Encoding.UTF8.GetBytes("{\"a\":\"是\"}"), "once");
        var answer = load.Send(request);

        answer.Status.ShouldBe(201);
        Encoding.UTF8.GetString(answer.Body).ShouldBe("{\"id\":\"x\"}\r\n");
        server.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task takes_an_answer_that_arrives_in_pieces_one_receive_at_a_time_once_it_has_begun()
    {
        await using var server = new ScriptedServer(async (connection, _) =>
        {
            (await connection.ReadRequestAsync()).Head.ShouldStartWith("GET /api/accounts/1 HTTP/1.1\r\n");
            await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhe");
            await connection.SendAsync("llo");
        });
        using var load = new LoadConnection(server.Url);

        load.Begin(LoadRequest.Get("/api/accounts/1", "key-3"));
        var socket = load.Socket.ShouldNotBeNull();
        var receives = 0;
        Answer answer;
        do
        {
            // As the driver's threads do: wait until the socket has something, then take what has come.
            socket.Poll(TimeSpan.FromSeconds(5), SelectMode.SelectRead).ShouldBeTrue();
            receives++;
        } while (!load.TryFinish(out answer));

        (answer.Status, Encoding.ASCII.GetString(answer.Body)).ShouldBe((200, "hello"));
        receives.ShouldBe(2);
        server.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task reads_chunked_answers_and_keeps_the_connection_for_the_next_request()
    {
        await using var server = new ScriptedServer(async (connection, _) =>
        {
            var get = await connection.ReadRequestAsync();
            get.Head.ShouldStartWith("GET /api/accounts/1 HTTP/1.1\r\n");
            get.Head.ShouldContain("\r\nX-Api-Key: key-2\r\n");
            get.Head.ShouldNotContain("Content-");
            await connection.SendAsync("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhel");
            await connection.SendAsync("lo\r\n7\r\n, world\r\n0\r\n\r\n");
            (await connection.ReadRequestAsync()).Head.ShouldStartWith("GET /api/accounts/2 HTTP/1.1\r\n");
            await connection.SendAsync("HTTP/1.1 204 No Content\r\n\r\n");
            (await connection.ReadRequestAsync()).Head.ShouldStartWith("GET /api/accounts/3 HTTP/1.1\r\n");
            await connection.SendAsync("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\n{}");
        });
        using var load = new LoadConnection(server.Url);

        var first = load.Send(LoadRequest.Get("/api/accounts/1", "key-2"));
        var second = load.Send(LoadRequest.Get("/api/accounts/2", "key-2"));
        var third = load.Send(LoadRequest.Get("/api/accounts/3", "key-2"));

        (first.Status, Encoding.ASCII.GetString(first.Body)).ShouldBe((200, "hello, world"));
        (second.Status, second.Body.Length).ShouldBe((204, 0));
        (third.Status, Encoding.ASCII.GetString(third.Body)).ShouldBe((404, "{}"));
        server.Connections.ShouldBe(1);
        server.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task opens_a_new_connection_after_the_server_said_close_or_went_away()
    {
        await using var server = new ScriptedServer(async (connection, number) =>
        {
            await connection.ReadRequestAsync();
            switch (number)
            {
                case 1:
                    await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nConnection: close\r\n\r\na");
                    break;
                case 2:
                    await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
                    break;
                default:
                    await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nc");
                    break;
            }
        });
        using var load = new LoadConnection(server.Url);

        load.Send(LoadRequest.Get("/one", "key-2")).Body.ShouldBe("a"u8.ToArray());
        Should.Throw<IOException>(() => load.Send(LoadRequest.Get("/two", "key-2")));
        load.Send(LoadRequest.Get("/three", "key-2")).Body.ShouldBe("c"u8.ToArray());
        server.Connections.ShouldBe(3);
        server.Failure.ShouldBeNull();
    }

    [Fact]
    public async Task refuses_an_answer_without_a_length_rather_than_guessing_where_it_ends()
    {
        await using var server = new ScriptedServer(async (connection, _) =>
        {
            await connection.ReadRequestAsync();
            await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody");
        });
        using var load = new LoadConnection(server.Url);

        Should.Throw<IOException>(() => load.Send(LoadRequest.Get("/", "key-2")));
    }

    [Fact]
    public async Task gives_up_on_a_server_that_does_not_answer_and_connects_again()
    {
        using var silent = new SemaphoreSlim(0);
        await using var server = new ScriptedServer(async (connection, number) =>
        {
            await connection.ReadRequestAsync();
            if (number == 1) await silent.WaitAsync(TimeSpan.FromSeconds(10));
            else await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        });
        using var load = new LoadConnection(server.Url, answerTimeout: TimeSpan.FromSeconds(2));

        // The connection blocks its thread, as the driver's clients do on threads of their own; on the test's pool thread
        // it could keep the scripted server's continuations from running past the timeout.
        (await Should.ThrowAsync<SocketException>(OnOwnThread(() => load.Send(LoadRequest.Get("/slow", "key-2")))))
            .SocketErrorCode.ShouldBe(SocketError.TimedOut);
        silent.Release();
        (await OnOwnThread(() => load.Send(LoadRequest.Get("/again", "key-2")))).Body.ShouldBe("ok"u8.ToArray());
        server.Connections.ShouldBe(2);
    }

    [Fact]
    public async Task a_phase_counts_an_overdue_answer_as_failed_and_goes_on_over_a_new_connection()
    {
        await using var server = new ScriptedServer(async (connection, number) =>
        {
            // The first connection does not answer (it gives up after 20 s, so that a driver still waiting fails the test
            // below rather than hanging it); the ones after it answer every request, until the client hangs up.
            var silentUntil = Task.Delay(TimeSpan.FromSeconds(20));
            try
            {
                while (true)
                {
                    var request = connection.ReadRequestAsync();
                    if (number == 1 && await Task.WhenAny(request, silentUntil) == silentUntil) return;
                    await request;
                    if (number > 1) await connection.SendAsync("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
                }
            }
            catch (IOException)
            {
            }
        });
        var operation = new Operation("probe", 200, n => new Step(LoadRequest.Get($"/probe/{n}", "key-4")));
        var run = new Load.Run(operation, [server.Url], answerTimeout: TimeSpan.FromSeconds(1));

        // Without the overdue check the phase would wait on the silent connection for good.
        var (latencies, _, errors, _) = await run.PhaseAsync(clients: 1, TimeSpan.FromSeconds(3)).WaitAsync(TimeSpan.FromSeconds(10));

        // More than one only if the test host held up the scripted server for a second.
        errors.ShouldBeGreaterThanOrEqualTo(1);
        latencies.ShouldNotBeEmpty();
        server.Connections.ShouldBeGreaterThan(1);
        server.Failure.ShouldBeNull();
    }

    private static Task<Answer> OnOwnThread(Func<Answer> send) =>
        Task.Factory.StartNew(send, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private sealed record ReceivedRequest(string Head, string Body);

    private sealed class ScriptedConnection(NetworkStream stream)
    {
        private readonly List<byte> _pending = [];

        public async Task<ReceivedRequest> ReadRequestAsync()
        {
            int end;
            while ((end = IndexOfHeaderEnd()) < 0) await FillAsync();
            var head = Encoding.UTF8.GetString(_pending.GetRange(0, end + 4).ToArray());
            var lengthLine = head.Split("\r\n").FirstOrDefault(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var length = lengthLine is null ? 0 : int.Parse(lengthLine["Content-Length:".Length..].Trim());
            while (_pending.Count < end + 4 + length) await FillAsync();
            var body = Encoding.UTF8.GetString(_pending.GetRange(end + 4, length).ToArray());
            _pending.RemoveRange(0, end + 4 + length);
            return new ReceivedRequest(head, body);
        }

        public async Task SendAsync(string text)
        {
            await stream.WriteAsync(Encoding.UTF8.GetBytes(text));
            await stream.FlushAsync();
            // Apart in time, so the client sees the pieces in separate receives.
            await Task.Delay(20);
        }

        private int IndexOfHeaderEnd()
        {
            for (var i = 0; i + 3 < _pending.Count; i++)
            {
                if (_pending[i] == '\r' && _pending[i + 1] == '\n' && _pending[i + 2] == '\r' && _pending[i + 3] == '\n') return i;
            }
            return -1;
        }

        private async Task FillAsync()
        {
            var buffer = new byte[4096];
            var read = await stream.ReadAsync(buffer);
            if (read == 0) throw new IOException("the client closed the connection");
            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }

    /// <summary>Accepts connections on loopback and runs the script on each (numbered from 1), then closes it.</summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _accepting;
        private int _connections;

        public ScriptedServer(Func<ScriptedConnection, int, Task> script)
        {
            _listener.Start();
            Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
            _accepting = AcceptAsync(script);
        }

        public Uri Url { get; }
        public int Connections => Volatile.Read(ref _connections);
        public Exception? Failure { get; private set; }

        private async Task AcceptAsync(Func<ScriptedConnection, int, Task> script)
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    var number = Interlocked.Increment(ref _connections);
                    try
                    {
                        await script(new ScriptedConnection(client.GetStream()), number);
                    }
                    catch (Exception e) when (e is not ObjectDisposedException)
                    {
                        Failure ??= e;
                    }
                }
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException or InvalidOperationException)
            {
                // Stopped.
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _accepting;
        }
    }
}
