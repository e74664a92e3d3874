using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace TimeBank.Tests;

/// <summary>
/// A real HTTP receiver standing in for the notification gateway: it refuses each notification's first attempts (500),
/// always refuses those about an elder whose name says the line is down (电话不通), and keeps what it accepted.
/// </summary>
public sealed class AlertGateway : IAsyncDisposable
{
    public const string Unreachable = "电话不通";

    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _serving = Task.CompletedTask;

    public AlertGateway(int port, int failFirst)
    {
        Port = port;
        FailFirst = failFirst;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
    }

    public int Port { get; }
    public int FailFirst { get; }
    public string Url => $"http://127.0.0.1:{Port}/notify";
    public ConcurrentQueue<JsonElement> Accepted { get; } = new();

    public int AttemptsFor(string notificationId) => _attempts.GetValueOrDefault(notificationId);

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public static AlertGateway Start(int failFirst = 2, int? port = null)
    {
        var gateway = new AlertGateway(port ?? FreePort(), failFirst);
        gateway.Open();
        return gateway;
    }

    public void Open()
    {
        _listener.Start();
        _serving = Task.Run(Serve);
    }

    public IEnumerable<JsonElement> AcceptedFor(Guid alertId) =>
        Accepted.Where(n => n.GetProperty("alertId").GetGuid() == alertId);

    private async Task Serve()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested || !_listener.IsListening)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream);
            var body = JsonDocument.Parse(await reader.ReadToEndAsync()).RootElement.Clone();
            var id = body.GetProperty("notificationId").GetString()!;
            var attempt = _attempts.AddOrUpdate(id, 1, (_, n) => n + 1);
            var refuse = attempt <= FailFirst || body.GetProperty("elderName").GetString()!.Contains(Unreachable);
            if (!refuse) Accepted.Enqueue(body);
            context.Response.StatusCode = refuse ? 500 : 202;
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_listener.IsListening) _listener.Stop();
        _listener.Close();
        await _serving;
    }
}
