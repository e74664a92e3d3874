using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TimeBank.Bench.Failover;

/// <summary>
/// ops/cluster-test: nodes on one database, deposits, transfers and holds through all of them, the leader killed with
/// SIGKILL mid-load; then what every acknowledged write, hold, projection and the hash chain look like afterwards.
/// </summary>
public sealed class FailoverRun(FailoverOptions options)
{
    private const int DepositMinutes = 10;
    private const int HoldMinutes = 5;
    private const int Volunteers = 60;

    private readonly List<Node> _nodes = [];
    private readonly ConcurrentQueue<(int Volunteer, Guid RecordId)> _deposits = new();
    private readonly ConcurrentQueue<(int From, int To, Guid TransferId)> _transfers = new();
    private readonly ConcurrentQueue<(int Volunteer, Guid RedemptionId, DateTimeOffset ExpiresAt)> _holds = new();
    private readonly ConcurrentQueue<string> _surprises = new();
    private int[] _expected = [];
    private int[] _spendable = [];
    private int[] _slots = [];
    private int _next;
    private long _retried, _unavailable, _errors, _unresolved;

    public async Task<int> RunAsync()
    {
        Directory.CreateDirectory(options.Work);
        var adminKey = "cluster-admin-" + Guid.NewGuid().ToString("N");
        var shared = new Dictionary<string, string>
        {
            ["ConnectionStrings__TimeBank"] = options.Connection,
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_CONTENTROOT"] = Path.GetDirectoryName(options.ServiceDll)!,
            ["TIMEBANK_ADMIN_KEY"] = adminKey,
            ["TimeBank__PersonalDataKey"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(36)),
            ["TimeBank__HoldDuration"] = TimeSpan.FromSeconds(options.HoldSeconds).ToString("c", CultureInfo.InvariantCulture),
            ["TimeBank__RateLimit__PermitsPerSecond"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Wolverine.Runtime.Agents"] = "Information",
            // As the image and ops/run run the service; DOTNET_ReadyToRun=1 in the environment measures it with that code.
            ["DOTNET_ReadyToRun"] = Environment.GetEnvironmentVariable("DOTNET_ReadyToRun") ?? "0"
        };
        try
        {
            // The first node creates the schema; the others join a database that has it.
            _nodes.Add(Node.Start(1, options.FirstPort, options, shared));
            await _nodes[0].WaitUntilLiveAsync(TimeSpan.FromSeconds(120));
            for (var n = 2; n <= options.Nodes; n++) _nodes.Add(Node.Start(n, options.FirstPort + n - 1, options, shared));
            foreach (var node in _nodes.Skip(1)) await node.WaitUntilLiveAsync(TimeSpan.FromSeconds(120));
            var agents = await WaitForSettledClusterAsync(adminKey, TimeSpan.FromSeconds(90));
            Log($"{_nodes.Count} nodes live; agents: {string.Join(", ", agents)}");

            var world = await World.CreateAsync(_nodes[0].Api,
                new BenchOptions([_nodes[0].Url], adminKey, 1, 8, 0, 0, Volunteers, 10, new HashSet<string>()));
            var auditorKey = (await _nodes[0].Api.CreateAsync<ApiKeyRequest, IssuedKey>("/api/api-keys", adminKey,
                new ApiKeyRequest("cluster-test auditor", "auditor"))).Key;
            _expected = new int[Volunteers];
            _spendable = new int[Volunteers];
            _slots = new int[Volunteers];

            var (pairs, pairsAnsweredApart) = await SameDepositOnTwoNodesAsync(world);

            using var stop = new CancellationTokenSource();
            var clock = Stopwatch.StartNew();
            var load = Enumerable.Range(0, options.Clients).Select(_ => Task.Run(() => ClientAsync(world, stop.Token))).ToList();
            await Task.Delay(TimeSpan.FromSeconds(options.SecondsBefore));

            var (leader, leaderId) = await FindLeaderAsync(adminKey);
            // Killed while it has requests in hand: their callers must find out what happened by retrying elsewhere.
            var aim = Stopwatch.StartNew();
            while (Volatile.Read(ref leader.InFlight) < 2 && aim.Elapsed < TimeSpan.FromSeconds(2)) Thread.SpinWait(100);
            var inFlight = Volatile.Read(ref leader.InFlight);
            leader.Kill();
            Log($"killed the leader, node {leader.Number}, after {clock.Elapsed.TotalSeconds:0.0} s of load, with {inFlight} requests in flight there");
            var killedAt = Stopwatch.StartNew();
            var recovery = WatchRecoveryAsync(adminKey, leaderId, agents, killedAt);
            await Task.Delay(TimeSpan.FromSeconds(options.SecondsAfter));
            stop.Cancel();
            await Task.WhenAll(load);
            var loadEnded = Stopwatch.StartNew();
            var (newLeaderSeconds, agentsMovedSeconds) = await recovery;

            // How long the chain takes to cover the load; then it is verified again over the holds' expiries.
            var (caughtUp, chainSeconds) = await WaitForChainAsync(auditorKey, loadEnded);
            var holdsExpired = await WaitForHoldsAsync(world);
            var (lost, duplicated, balancesOff) = await CheckAccountsAsync(world);
            var verified = caughtUp && (await WaitForChainAsync(auditorKey, Stopwatch.StartNew())).Verified;
            var ready = 0;
            foreach (var node in _nodes.Where(n => n.Alive)) ready += await ReadyAsync(node, TimeSpan.FromSeconds(60)) ? 1 : 0;
            var survivors = _nodes.Count(n => n.Alive);

            var pass = newLeaderSeconds is { } s && s <= options.LeaderWithinSeconds && agentsMovedSeconds is not null
                       && lost == 0 && duplicated == 0 && balancesOff == 0 && _errors == 0 && _unresolved == 0
                       && holdsExpired == _holds.Count && verified && ready == survivors && pairsAnsweredApart == 0;
            foreach (var surprise in _surprises.Take(10)) Log("unexpected: " + surprise);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"cluster-test nodes={_nodes.Count} killed=leader(node-{leader.Number}) new_leader_s={Seconds(newLeaderSeconds)} " +
                $"agents_moved_s={Seconds(agentsMovedSeconds)} deposits={_deposits.Count} transfers={_transfers.Count} holds={_holds.Count} " +
                $"holds_expired_once={holdsExpired} same_deposit_pairs={pairs} pairs_answered_apart={pairsAnsweredApart} lost={lost} applied_twice={duplicated} balances_off={balancesOff} " +
                $"retried={_retried} unavailable_503={_unavailable} errors={_errors} unresolved={_unresolved} " +
                $"chain_caught_up_s={Seconds(chainSeconds)} chain_verified={verified.ToString().ToLowerInvariant()} " +
                $"ready={ready}/{survivors} result={(pass ? "pass" : "FAIL")}"));
            return pass ? 0 : 1;
        }
        finally
        {
            foreach (var node in _nodes) node.Dispose();
        }
    }

    private static string Seconds(double? seconds) => seconds is { } s ? s.ToString("0.0", CultureInfo.InvariantCulture) : "none";

    private static void Log(string line) => Console.Error.WriteLine($"[cluster-test] {line}");

    /// <summary>Waits until one node leads, every node is recorded, and the agents run; returns the agents.</summary>
    private async Task<IReadOnlyList<string>> WaitForSettledClusterAsync(string key, TimeSpan limit)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit)
        {
            var sights = (await Task.WhenAll(_nodes.Select(n => n.LookAsync(key)))).OfType<ClusterSight>().ToList();
            var agents = sights.FirstOrDefault(s => s.Leads)?.AgentsByNode.SelectMany(n => n.Value).Distinct().Order().ToList();
            if (sights.Count == _nodes.Count && sights.Count(s => s.Leads) == 1 && sights.All(s => s.AgentsByNode.Count == _nodes.Count)
                && agents is { } running && running.Any(a => a.StartsWith("event-subscriptions:", StringComparison.Ordinal))
                && running.Any(a => a.StartsWith("wolverinedb:", StringComparison.Ordinal)))
            {
                return running;
            }
            await Task.Delay(500);
        }
        throw new BenchException($"the cluster did not settle (one leader, {_nodes.Count} nodes, agents running) within {limit.TotalSeconds:0} s");
    }

    private async Task<(Node Node, Guid Id)> FindLeaderAsync(string key)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            foreach (var node in _nodes)
            {
                if (await node.LookAsync(key) is { Leads: true } sight) return (node, sight.NodeId);
            }
            await Task.Delay(200);
        }
        throw new BenchException("no node says it leads");
    }

    /// <summary>Seconds from the kill until a survivor leads, and until every agent runs on a survivor.</summary>
    private async Task<(double? NewLeader, double? AgentsMoved)> WatchRecoveryAsync(string key, Guid dead, IReadOnlyList<string> agents,
        Stopwatch sinceKill)
    {
        double? newLeader = null, agentsMoved = null;
        while (sinceKill.Elapsed < TimeSpan.FromSeconds(120) && (newLeader is null || agentsMoved is null))
        {
            foreach (var node in _nodes.Where(n => n.Alive))
            {
                if (await node.LookAsync(key) is not { Leads: true } sight) continue;
                newLeader ??= sinceKill.Elapsed.TotalSeconds;
                if (agentsMoved is null && !sight.AgentsByNode.ContainsKey(dead) && agents.All(sight.AgentsOutside(dead).Contains))
                {
                    agentsMoved = sinceKill.Elapsed.TotalSeconds;
                }
            }
            await Task.Delay(250);
        }
        Log($"new leader after {Seconds(newLeader)} s; agents on survivors after {Seconds(agentsMoved)} s");
        return (newLeader, agentsMoved);
    }

    /// <summary>
    /// The same deposit sent to two nodes at once: both must answer with the one record (201 and 200), never a 409 naming
    /// the record itself. Returns the pairs sent and how many were answered otherwise.
    /// </summary>
    private async Task<(int Pairs, int AnsweredApart)> SameDepositOnTwoNodesAsync(World world)
    {
        const int pairs = 150;
        var latest = DateTime.UtcNow.AddHours(8).AddDays(-3);
        var apart = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, pairs), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (i, _) =>
        {
            var volunteer = i % Volunteers;
            var start = new DateTime(latest.Year, latest.Month, latest.Day, 0, 0, 0, DateTimeKind.Unspecified).AddMinutes(15 * (i / Volunteers));
            var body = new ServiceRecordRequest($"pair-{Guid.NewGuid():N}", world.Volunteers[volunteer], world.Elders[volunteer % world.Elders.Length],
                "home-visit", Local(start), Local(start.AddMinutes(DepositMinutes)));
            var (a, b) = (_nodes[i % _nodes.Count], _nodes[(i + 1) % _nodes.Count]);
            var answers = await Task.WhenAll(a.Api.SendAsync(Api.Post("/api/service-records", world.PlatformKey, body)),
                b.Api.SendAsync(Api.Post("/api/service-records", world.PlatformKey, body)));
            if (answers.FirstOrDefault(x => x.Status is 200 or 201) is { Body: not null } credited)
            {
                _deposits.Enqueue((volunteer, IdOf(credited)));
                Interlocked.Add(ref _expected[volunteer], DepositMinutes);
                Interlocked.Add(ref _spendable[volunteer], DepositMinutes);
                if (answers.Select(x => x.Status).Order().SequenceEqual([200, 201]) && IdOf(answers[0]) == IdOf(answers[1])) return;
            }
            Interlocked.Increment(ref apart);
            _surprises.Enqueue($"the same deposit on two nodes: {answers[0].Describe()} / {answers[1].Describe()}");
        });
        Log($"{pairs} deposits sent to two nodes at once; {apart} answered otherwise than 201 and 200 with one record");
        return (pairs, apart);
    }

    private async Task ClientAsync(World world, CancellationToken stop)
    {
        var latest = DateTime.UtcNow.AddHours(8).AddDays(-1);
        latest = new DateTime(latest.Year, latest.Month, latest.Day, latest.Hour, latest.Minute, 0, DateTimeKind.Unspecified);
        while (!stop.IsCancellationRequested)
        {
            var dice = Random.Shared.Next(100);
            if (dice < 55) await DepositAsync(world, latest);
            else if (dice < 85) await TransferAsync(world);
            else await HoldAsync(world);
        }
    }

    private async Task DepositAsync(World world, DateTime latest)
    {
        var volunteer = Random.Shared.Next(Volunteers);
        var start = latest - TimeSpan.FromMinutes(15) * Interlocked.Increment(ref _slots[volunteer]);
        var body = new ServiceRecordRequest($"cluster-{Guid.NewGuid():N}", world.Volunteers[volunteer], world.Elders[volunteer % world.Elders.Length],
            "home-visit", Local(start), Local(start.AddMinutes(DepositMinutes)));
        var answer = await SendAsync(() => Api.Post("/api/service-records", world.PlatformKey, body), "deposit");
        if (!Acknowledged(answer, "deposit")) return;
        _deposits.Enqueue((volunteer, IdOf(answer!.Value)));
        Interlocked.Add(ref _expected[volunteer], DepositMinutes);
        Interlocked.Add(ref _spendable[volunteer], DepositMinutes);
    }

    private async Task TransferAsync(World world)
    {
        if (Take(1) is not { } from) return;
        var to = (from + 1 + Random.Shared.Next(Volunteers - 1)) % Volunteers;
        var key = Guid.NewGuid().ToString("N");
        var body = new TransferRequest(world.Volunteers[from], world.Volunteers[to], 1, "cluster-test");
        var answer = await SendAsync(() => Api.Post("/api/transfers", world.PlatformKey, body, key), "transfer");
        if (!Acknowledged(answer, "transfer"))
        {
            if (answer is not null) Interlocked.Increment(ref _spendable[from]);
            return;
        }
        _transfers.Enqueue((from, to, IdOf(answer!.Value)));
        Interlocked.Decrement(ref _expected[from]);
        Interlocked.Increment(ref _expected[to]);
        Interlocked.Increment(ref _spendable[to]);
    }

    private async Task HoldAsync(World world)
    {
        if (Take(HoldMinutes) is not { } volunteer) return;
        var key = Guid.NewGuid().ToString("N");
        var body = new { accountId = world.Volunteers[volunteer], minutes = HoldMinutes, serviceType = "home-visit", description = "cluster-test" };
        var answer = await SendAsync(() => Api.Post("/api/redemptions", world.PlatformKey, body, key), "hold");
        if (!Acknowledged(answer, "hold"))
        {
            if (answer is not null) Interlocked.Add(ref _spendable[volunteer], HoldMinutes);
            return;
        }
        using var json = JsonDocument.Parse(answer!.Value.Body);
        // The held minutes stay out of the driver's spendable count: they come back only when the hold expires.
        _holds.Enqueue((volunteer, json.RootElement.GetProperty("id").GetGuid(), json.RootElement.GetProperty("expiresAt").GetDateTimeOffset()));
    }

    /// <summary>Takes minutes from a random volunteer's spendable count, so the service is never asked for more than it holds.</summary>
    private int? Take(int minutes)
    {
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var candidate = Random.Shared.Next(Volunteers);
            if (Interlocked.Add(ref _spendable[candidate], -minutes) >= 0) return candidate;
            Interlocked.Add(ref _spendable[candidate], minutes);
        }
        return null;
    }

    private bool Acknowledged(Answer? answer, string what)
    {
        if (answer is null)
        {
            Interlocked.Increment(ref _unresolved);
            _surprises.Enqueue($"{what}: no node answered it");
            return false;
        }
        if (answer.Value.Status is 200 or 201) return true;
        Interlocked.Increment(ref _errors);
        _surprises.Enqueue($"{what}: {answer.Value.Describe()}");
        return false;
    }

    /// <summary>
    /// Sends to the next live node; a connection that fails or a 503 (a node or the database going away) is sent again,
    /// with the same idempotency key or record id, to another node: the answer decides what happened.
    /// </summary>
    private async Task<Answer?> SendAsync(Func<HttpRequestMessage> request, string what)
    {
        for (var attempt = 0; attempt < 80; attempt++)
        {
            var live = _nodes.Where(n => n.Alive).ToList();
            var node = live[(Interlocked.Increment(ref _next) & int.MaxValue) % live.Count];
            Interlocked.Increment(ref node.InFlight);
            try
            {
                var answer = await node.Api.SendAsync(request());
                if (answer.Status < 500) return answer;
                if (answer.Status == 503) Interlocked.Increment(ref _unavailable);
                else
                {
                    Interlocked.Increment(ref _errors);
                    _surprises.Enqueue($"{what} on node {node.Number}: {answer.Describe()}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                if (Interlocked.Increment(ref _retried) <= 3) Log($"{what} on node {node.Number} failed ({e.Message}); sending it to another node");
            }
            finally
            {
                Interlocked.Decrement(ref node.InFlight);
            }
            await Task.Delay(250);
        }
        return null;
    }

    private async Task<int> WaitForHoldsAsync(World world)
    {
        var holds = _holds.ToList();
        if (holds.Count == 0) return 0;
        var latest = holds.Max(h => h.ExpiresAt);
        var wait = latest - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait);
        var until = Stopwatch.StartNew();
        var pending = holds.Select(h => h.RedemptionId).ToHashSet();
        while (pending.Count > 0 && until.Elapsed < TimeSpan.FromSeconds(60))
        {
            foreach (var id in pending.ToList())
            {
                var answer = await SendAsync(() => Api.Get($"/api/redemptions/{id}", world.PlatformKey), "hold read");
                if (answer is { Status: 200 } a && JsonDocument.Parse(a.Body).RootElement.GetProperty("status").GetString() == "expired") pending.Remove(id);
            }
            if (pending.Count > 0) await Task.Delay(1000);
        }
        if (pending.Count > 0) Log($"{pending.Count} holds had not expired 60 s after the last was due");
        return holds.Count - pending.Count;
    }

    /// <summary>
    /// Every account's statement against what the driver saw acknowledged: each deposit, transfer leg, hold and its
    /// expiry exactly once, and the balance the acknowledged writes add up to.
    /// </summary>
    private async Task<(int Lost, int Duplicated, int BalancesOff)> CheckAccountsAsync(World world)
    {
        var expectedReferences = new Dictionary<(int, string, string), int>();
        void Expect(int volunteer, string kind, string reference) =>
            expectedReferences[(volunteer, kind, reference)] = expectedReferences.GetValueOrDefault((volunteer, kind, reference)) + 1;
        foreach (var (v, id) in _deposits) Expect(v, "service-credit", $"service-record:{id}");
        foreach (var (from, to, id) in _transfers)
        {
            Expect(from, "transfer-out", $"transfer:{id}");
            Expect(to, "transfer-in", $"transfer:{id}");
        }
        foreach (var (v, id, _) in _holds)
        {
            Expect(v, "hold-placed", $"redemption:{id}");
            Expect(v, "hold-expired", $"redemption:{id}");
        }

        int lost = 0, duplicated = 0, balancesOff = 0;
        for (var v = 0; v < Volunteers; v++)
        {
            var found = new Dictionary<(int, string, string), int>();
            for (var page = 1; ; page++)
            {
                var answer = await SendAsync(() => Api.Get($"/api/accounts/{world.Volunteers[v]}/entries?page={page}&pageSize=200", world.PlatformKey), "statement");
                if (answer is not { Status: 200 } a) throw new BenchException($"the statement of volunteer {v} could not be read: {answer?.Describe()}");
                using var json = JsonDocument.Parse(a.Body);
                foreach (var item in json.RootElement.GetProperty("items").EnumerateArray())
                {
                    var key = (v, item.GetProperty("kind").GetString()!, item.GetProperty("reference").GetString()!);
                    found[key] = found.GetValueOrDefault(key) + 1;
                }
                if (page >= json.RootElement.GetProperty("totalPages").GetInt32()) break;
            }
            foreach (var (key, count) in expectedReferences.Where(e => e.Key.Item1 == v))
            {
                var seen = found.GetValueOrDefault(key);
                if (seen < count) { lost += count - seen; _surprises.Enqueue($"missing {key.Item2} {key.Item3}"); }
            }
            foreach (var (key, count) in found)
            {
                if (count > 1) { duplicated += count - 1; _surprises.Enqueue($"{key.Item2} {key.Item3} applied {count} times"); }
                if (!expectedReferences.ContainsKey(key)) { duplicated++; _surprises.Enqueue($"unacknowledged {key.Item2} {key.Item3}"); }
            }
            var account = await SendAsync(() => Api.Get($"/api/accounts/{world.Volunteers[v]}", world.PlatformKey), "account");
            using var view = JsonDocument.Parse(account!.Value.Body);
            var balance = view.RootElement.GetProperty("balanceMinutes").GetInt32();
            var held = view.RootElement.GetProperty("heldMinutes").GetInt32();
            if (balance != _expected[v] || held != 0)
            {
                balancesOff++;
                _surprises.Enqueue($"volunteer {v}: balance {balance} held {held}, expected {_expected[v]} held 0");
            }
        }
        return (lost, duplicated, balancesOff);
    }

    /// <summary>Until the chain covers every stored event (verified), at most 120 s: whether it verified, and when it was done.</summary>
    private async Task<(bool Verified, double? Seconds)> WaitForChainAsync(string auditorKey, Stopwatch since)
    {
        while (since.Elapsed < TimeSpan.FromSeconds(120))
        {
            var answer = await SendAsync(() => Api.Get("/api/audit/verify", auditorKey), "verify");
            if (answer is { Status: 200 } a)
            {
                using var json = JsonDocument.Parse(a.Body);
                var verified = json.RootElement.GetProperty("verified").GetBoolean();
                if (!verified) { _surprises.Enqueue("verify: " + a.Describe()); return (false, null); }
                if (json.RootElement.GetProperty("eventsNotYetChained").GetInt64() == 0) return (true, since.Elapsed.TotalSeconds);
            }
            await Task.Delay(500);
        }
        return (false, null);
    }

    private static async Task<bool> ReadyAsync(Node node, TimeSpan limit)
    {
        var until = Stopwatch.StartNew();
        while (until.Elapsed < limit)
        {
            try
            {
                using var response = await node.Http.GetAsync("/health/ready");
                if (response.IsSuccessStatusCode) return true;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            await Task.Delay(500);
        }
        return false;
    }

    private static Guid IdOf(Answer answer) => JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetGuid();

    private static string Local(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
