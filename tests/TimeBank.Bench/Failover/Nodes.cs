using System.Diagnostics;
using System.Text.Json;

namespace TimeBank.Bench.Failover;

/// <summary>One service process of the cluster, started from the built service with the settings every node shares.</summary>
public sealed class Node : IDisposable
{
    private readonly Process _process;

    private Node(int number, int port, Process process)
    {
        Number = number;
        Port = port;
        _process = process;
        Http = Api.CreateClient(Url, 64);
        Http.Timeout = TimeSpan.FromSeconds(20);
        Api = new Api(Http);
    }

    /// <summary>Requests sent to this node and not answered yet.</summary>
    public int InFlight;

    public int Number { get; }
    public int Port { get; }
    public Uri Url => new($"http://127.0.0.1:{Port}");
    public HttpClient Http { get; }
    public Api Api { get; }
    public bool Killed { get; private set; }
    public bool Alive => !Killed && !_process.HasExited;

    public static Node Start(int number, int port, FailoverOptions options, IReadOnlyDictionary<string, string> shared)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(options.ServiceDll)!
        };
        start.ArgumentList.Add(options.ServiceDll);
        foreach (var (name, value) in shared) start.Environment[name] = value;
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        var log = new StreamWriter(Path.Combine(options.Work, $"node-{number}.log")) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new BenchException($"node {number} did not start");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Exited += (_, _) => { lock (log) log.Flush(); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new Node(number, port, process);
    }

    public async Task WaitUntilLiveAsync(TimeSpan limit)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit)
        {
            if (_process.HasExited) throw new BenchException($"node {Number} exited during start-up (see node-{Number}.log)");
            try
            {
                using var response = await Http.GetAsync("/health/live");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(250);
        }
        throw new BenchException($"node {Number} was not live within {limit.TotalSeconds:0} s");
    }

    /// <summary>SIGKILL: no shutdown, no lock released by the process itself.</summary>
    public void Kill()
    {
        Killed = true;
        // Not the process tree: walking /proc first would let the requests in flight finish.
        _process.Kill();
        if (!_process.WaitForExit(10_000)) throw new BenchException($"node {Number} did not die within 10 s of SIGKILL");
    }

    /// <summary>What this node says of the cluster: whether it leads, and the agents each node runs.</summary>
    public async Task<ClusterSight?> LookAsync(string key)
    {
        if (!Alive) return null;
        try
        {
            var answer = await Api.SendAsync(Api.Get("/api/cluster", key));
            if (answer.Status != 200) return null;
            using var json = JsonDocument.Parse(answer.Body);
            var nodes = json.RootElement.GetProperty("nodes").EnumerateArray().ToList();
            var self = nodes.FirstOrDefault(n => n.GetProperty("answering").GetBoolean());
            var leads = self.ValueKind == JsonValueKind.Object && self.GetProperty("leader").GetBoolean();
            var agents = nodes.ToDictionary(n => n.GetProperty("id").GetGuid(),
                n => (IReadOnlyList<string>)n.GetProperty("agents").EnumerateArray().Select(a => a.GetString()!).ToList());
            var selfId = self.ValueKind == JsonValueKind.Object ? self.GetProperty("id").GetGuid() : Guid.Empty;
            return new ClusterSight(selfId, leads, agents);
        }
        catch (HttpRequestException) { return null; }
        catch (TaskCanceledException) { return null; }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            try { _process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
        _process.WaitForExit(10_000);
        _process.Dispose();
        Http.Dispose();
    }
}

/// <param name="NodeId">The answering node.</param>
/// <param name="AgentsByNode">The agents each recorded node runs (a dead node stays recorded until the leader ejects it).</param>
public sealed record ClusterSight(Guid NodeId, bool Leads, IReadOnlyDictionary<Guid, IReadOnlyList<string>> AgentsByNode)
{
    public IEnumerable<string> AgentsOutside(Guid node) => AgentsByNode.Where(n => n.Key != node).SelectMany(n => n.Value);
}
