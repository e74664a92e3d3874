using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Shouldly;

namespace TimeBank.Tests;

/// <summary>
/// The service executable of the test build run as its own process on a free port against the test database, for
/// what must cross a real socket (pages in Chromium, generated clients) or a real command line.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;

    private readonly string? _ownDatabase;

    private ServiceProcess(Process process, int port, string? ownDatabase, string adminKey)
    {
        _process = process;
        Port = port;
        _ownDatabase = ownDatabase;
        AdminKey = adminKey;
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}";

    /// <summary>The bootstrap admin key of a service on its own database.</summary>
    public string AdminKey { get; }

    public static string RepoFolder(params string[] below)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "TimeBank.sln"))) return Path.Combine([dir.FullName, .. below]);
        }
        throw new InvalidOperationException("TimeBank.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>
    /// Starts the service, serving pages from the source tree's wwwroot, and waits until it reports healthy. On the
    /// suite's database it only serves requests (the suite's host runs the daemon and the durable agents there);
    /// with <paramref name="ownDatabase"/> it runs on a fresh database of its own, as a whole node, with <see cref="AdminKey"/>.
    /// </summary>
    /// <param name="route">Rewrites the connection string of a node on its own database (to reach it through a <see cref="TcpProxy"/>).</param>
    /// <param name="alsoListenOn">Another address to listen on besides the service's own http port (an https one, say).</param>
    public static async Task<ServiceProcess> StartAsync(Action<string> log, bool ownDatabase = false,
        IReadOnlyDictionary<string, string>? settings = null, Func<Npgsql.NpgsqlConnectionStringBuilder, Npgsql.NpgsqlConnectionStringBuilder>? route = null,
        string? alsoListenOn = null)
    {
        var port = FreePort();
        var suiteDatabase = Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION")!;
        var database = ownDatabase ? await CreateDatabaseAsync() : null;
        var start = Dotnet(log);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" + (alsoListenOn is null ? "" : ";" + alsoListenOn);
        start.Environment["ASPNETCORE_CONTENTROOT"] = RepoFolder("src", "TimeBank");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // The suite's host protects personal data with the development key; a node on the same data needs the same key.
        start.Environment["TimeBank__PersonalDataKey"] = TimeBank.People.PersonalData.DevelopmentKey;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (database is not null)
        {
            var builder = ConnectionTo(database);
            start.Environment["ConnectionStrings__TimeBank"] = (route?.Invoke(builder) ?? builder).ConnectionString;
        }
        else
        {
            start.Environment["ConnectionStrings__TimeBank"] = suiteDatabase;
            start.Environment["TimeBank__Durability"] = "MediatorOnly";
        }
        foreach (var (name, value) in settings ?? new Dictionary<string, string>()) start.Environment[name] = value;
        var adminKey = $"process-admin-{Guid.NewGuid():N}";
        if (database is not null) start.Environment["TIMEBANK_ADMIN_KEY"] = adminKey;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) log($"[service] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) log($"[service] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, port, database, adminKey);
        try
        {
            await service.WaitUntilHealthy();
            return service;
        }
        catch
        {
            await service.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a process's output to a test's output, and nowhere once the test has finished.</summary>
    public static Action<string> LogTo(Xunit.Abstractions.ITestOutputHelper output) => line =>
    {
        try { output.WriteLine(line); } catch (InvalidOperationException) { /* the test has finished */ }
    };

    /// <summary>The database of a service started on its own one.</summary>
    public string? Database => _ownDatabase;

    /// <summary>Kills the process as a crash would, leaving its database for another process to carry on with.</summary>
    public async Task CrashAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>POSTs a JSON body with <see cref="AdminKey"/> and answers the created resource; fails on any other status.</summary>
    public Task<JsonElement> PostAsync(string path, object body, string? idempotencyKey = null) =>
        SendAsync(HttpMethod.Post, path, System.Net.HttpStatusCode.Created, System.Net.Http.Json.JsonContent.Create(body), idempotencyKey);

    /// <summary>GETs with <see cref="AdminKey"/> and answers the body; fails on any status but 200.</summary>
    public Task<JsonElement> GetAsync(string path) => SendAsync(HttpMethod.Get, path, System.Net.HttpStatusCode.OK);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, System.Net.HttpStatusCode expected, HttpContent? content = null,
        string? idempotencyKey = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(method, $"{Url}{path}") { Content = content };
        request.Headers.Add("X-Api-Key", AdminKey);
        if (idempotencyKey is not null) request.Headers.Add(TimeBank.Hosting.Idempotency.Header, idempotencyKey);
        var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (response.StatusCode != expected) throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Issues a key with <see cref="AdminKey"/> over HTTP.</summary>
    public async Task<string> IssueKeyAsync(string role)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{Url}/api/api-keys")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { name = $"{role} of the test", role })
        };
        request.Headers.Add("X-Api-Key", AdminKey);
        var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        using var issued = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return issued.RootElement.GetProperty("key").GetString()!;
    }

    /// <summary>Runs one command of the service's command line to its end, without a database unless one is given.</summary>
    public static Task<(int ExitCode, string Output, string Error)> RunCommandAsync(string? connectionString, params string[] args) =>
        RunCommandAsync(connectionString, new Dictionary<string, string>(), args);

    public static async Task<(int ExitCode, string Output, string Error)> RunCommandAsync(string? connectionString,
        IReadOnlyDictionary<string, string> settings, params string[] args)
    {
        var start = Dotnet(_ => { });
        start.Environment.Remove("ConnectionStrings__TimeBank");
        if (connectionString is not null) start.Environment["ConnectionStrings__TimeBank"] = connectionString;
        foreach (var (name, value) in settings) start.Environment[name] = value;
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs a node script in <paramref name="folder"/> and returns the JSON of its last line of output.</summary>
    public static async Task<JsonElement> RunNodeAsync(string folder, string script, Dictionary<string, string> environment, Action<string> log,
        TimeSpan? limit = null)
    {
        var start = new ProcessStartInfo("node") { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit ?? TimeSpan.FromMinutes(2));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} did not finish in time: " + await stderr);
        }
        log(await stderr);
        node.ExitCode.ShouldBe(0, await stderr + await stdout);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return JsonDocument.Parse(lines[^1]).RootElement;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        if (_ownDatabase is not null) await DropDatabaseAsync(_ownDatabase);
    }

    /// <summary>
    /// PostgreSQL 15 refuses a forced drop (42501) while an autovacuum worker, which runs as no role, is in the database;
    /// the worker leaves within moments, so the drop is tried again.
    /// </summary>
    public static async Task DropDatabaseAsync(string name)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Sql($"drop database if exists {name} with (force)");
                return;
            }
            catch (Npgsql.PostgresException refused) when (refused.SqlState == "42501" && attempt < 40)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250));
            }
        }
    }

    /// <summary>The suite's connection string, pointed at another database of the same cluster.</summary>
    public static Npgsql.NpgsqlConnectionStringBuilder ConnectionTo(string database) =>
        new(Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION")) { Database = database };

    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"timebank_process_{Guid.NewGuid():N}";
        await Sql($"create database {name}");
        return name;
    }

    private static async Task Sql(string statement)
    {
        await using var connection = new Npgsql.NpgsqlConnection(Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(statement, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static ProcessStartInfo Dotnet(Action<string> log)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "TimeBank.dll"));
        start.Environment.Remove("TIMEBANK_ADMIN_KEY");
        return start;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task WaitUntilHealthy()
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            _process.HasExited.ShouldBeFalse($"the service exited during start-up with status {(_process.HasExited ? _process.ExitCode : 0)}");
            try
            {
                if ((await http.GetAsync($"{Url}/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            (DateTime.UtcNow < deadline).ShouldBeTrue("the service did not report healthy within 90 s");
            await Task.Delay(250);
        }
    }
}
