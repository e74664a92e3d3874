using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace TimeBank.Bench;

/// <summary>
/// One operation's figures; where known, <see cref="StealPct"/> is the host's time taken by other guests meanwhile,
/// <see cref="JitSeconds"/> how long the service's JIT compiled meanwhile and <see cref="ServiceCpuUs"/> the service's CPU
/// per answer, in microseconds (all nodes); <see cref="IdlePct"/> the host's idle share meanwhile and <see cref="HostCpuUs"/> the
/// host's busy time per answer (the service, the database, the driver and the kernel together); <see cref="DriverCpuUs"/> the
/// load driver's own CPU per answer (its system calls included), a part of that busy time the floors' client has too.
/// </summary>
public sealed record Measurement(string Name, double Rps, double P50Ms, double P99Ms, long Errors, double? StealPct = null, double? JitSeconds = null,
    double? ServiceCpuUs = null, double? IdlePct = null, double? HostCpuUs = null, double? DriverCpuUs = null)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} rps={Rps:0} p50_ms={P50Ms:0.0} p99_ms={P99Ms:0.0} errors={Errors}") +
        (StealPct is { } steal ? string.Create(CultureInfo.InvariantCulture, $" steal_pct={steal:0}") : "") +
        (JitSeconds is { } jit ? string.Create(CultureInfo.InvariantCulture, $" jit_s={jit:0.0}") : "") +
        (ServiceCpuUs is { } cpu ? string.Create(CultureInfo.InvariantCulture, $" svc_cpu_us={cpu:0}") : "") +
        (IdlePct is { } idle ? string.Create(CultureInfo.InvariantCulture, $" idle_pct={idle:0}") : "") +
        (HostCpuUs is { } host ? string.Create(CultureInfo.InvariantCulture, $" host_cpu_us={host:0}") : "") +
        (DriverCpuUs is { } driver ? string.Create(CultureInfo.InvariantCulture, $" drv_cpu_us={driver:0}") : "");
}

/// <summary>Closed-loop load: each client sends its next request as soon as the previous one is answered.</summary>
public static class Load
{
    private const int ReportedFailures = 5;

    public static async Task<Measurement> RunAsync(Operation operation, BenchOptions options)
    {
        var run = new Run(operation, options.Urls);
        var countersBefore = await WarmUpAsync(run, operation, options);
        var cpuBefore = HostCpu.Now();
        var driverCpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var driverPausedBefore = GC.GetTotalPauseDuration();
        var phaseStarted = DateTimeOffset.UtcNow;
        var (latencies, answeredAt, errors, elapsed) = await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(options.Seconds));
        var cpuAfter = HostCpu.Now();
        var driverCpu = Process.GetCurrentProcess().TotalProcessorTime - driverCpuBefore;
        // The driver's own collections pause every client at once, and its latencies with them.
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"[bench] {operation.Name}: the load driver paused {(GC.GetTotalPauseDuration() - driverPausedBefore).TotalMilliseconds:0} ms for its collections"));
        // Second 0 of the timeline on the wall clock, to set its stalls beside the database's or the service's own records.
        Console.Error.WriteLine($"[bench] {operation.Name}: measured from {phaseStarted:O} (second 0 of its timeline)");
        var counted = await ServiceCounters.ReadAsync(options.Urls) - countersBefore;

        var name = options.Urls.Count > 1 ? $"{operation.Name}-{options.Urls.Count}-nodes" : operation.Name;
        if (options.TimelineDirectory is { } directory) await WriteTimelineAsync(Path.Combine(directory, $"{name}-timeline.txt"), latencies, answeredAt);
        latencies.Sort();
        var answers = latencies.Count + errors;
        return new Measurement(name, latencies.Count / elapsed.TotalSeconds,
            Percentile(latencies, 0.50), Percentile(latencies, 0.99), errors, HostCpu.StealPercent(cpuBefore, cpuAfter), counted.JitSeconds,
            counted.CpuMicrosecondsPer(answers), HostCpu.IdlePercent(cpuBefore, cpuAfter),
            HostCpu.BusyMicrosecondsPer(cpuBefore, cpuAfter, elapsed.TotalSeconds, answers),
            answers > 0 ? driverCpu.TotalMicroseconds / answers : null);
    }

    /// <summary>
    /// The load before the measured phase: the warm-up, the slices added while the JIT compiles and, when the database is to be
    /// vacuumed, the vacuum before the warm-up's last seconds.
    /// </summary>
    /// <returns>The service's counters as the measured phase begins.</returns>
    private static async Task<ServiceCounters> WarmUpAsync(Run run, Operation operation, BenchOptions options)
    {
        var warmup = options.WarmupOf(operation.Name);
        var database = options.VacuumConnectionString;
        var (beforeVacuum, afterVacuum) = database is null ? (warmup, 0) : SplitAroundVacuum(warmup);
        if (beforeVacuum > 0) await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(beforeVacuum));
        var counters = await ServiceCounters.ReadAsync(options.Urls);
        if (!operation.Limited) counters = await SettleAsync(run, operation.Name, options, counters);
        if (database is null) return counters;

        await Maintenance.VacuumAsync(database, operation.Name);
        if (afterVacuum > 0) await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(afterVacuum));
        return await ServiceCounters.ReadAsync(options.Urls);
    }

    /// <summary>Seconds of load between the vacuum and the measured phase, so that it starts with the service in its stride.</summary>
    public const int AfterVacuumSeconds = 5;

    /// <summary>
    /// The warm-up's seconds before and after the database is vacuumed: its last <see cref="AfterVacuumSeconds"/> (all of a
    /// shorter one) come after, so an operation with work for its warm-up and phase only is sent no more than before.
    /// </summary>
    public static (int Before, int After) SplitAroundVacuum(int warmupSeconds)
    {
        var after = Math.Min(AfterVacuumSeconds, warmupSeconds);
        return (warmupSeconds - after, after);
    }

    /// <summary>Seconds of warm-up added at a time while the JIT is still compiling.</summary>
    public const int SettleSliceSeconds = 5;

    /// <summary>
    /// Warms up further, a slice at a time, while the service's JIT compiled for more than 2 % of the last slice, up to
    /// <see cref="BenchOptions.SettleSeconds"/>: on a slow hour the fixed warm-up ends before the tiered JIT has
    /// recompiled the operation's hot code, and the figures would describe a service still compiling.
    /// </summary>
    /// <returns>The service's counters at the end, as <see cref="ServiceCounters.ReadAsync"/> read them.</returns>
    private static async Task<ServiceCounters> SettleAsync(Run run, string name, BenchOptions options, ServiceCounters counters)
    {
        for (var added = 0; added < options.SettleSeconds; added += SettleSliceSeconds)
        {
            await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(SettleSliceSeconds));
            var now = await ServiceCounters.ReadAsync(options.Urls);
            var compiled = (now - counters).JitSeconds;
            counters = now;
            if (!StillCompiling(compiled, SettleSliceSeconds)) break;
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[bench] {name}: the JIT compiled {compiled:0.00} s in the last {SettleSliceSeconds} s of warm-up; warming up further"));
        }
        return counters;
    }

    /// <summary>Whether the JIT's compilation time over a slice of load shows it still settling (unknown counts as settled).</summary>
    public static bool StillCompiling(double? compiledSeconds, double sliceSeconds) => compiledSeconds > 0.02 * sliceSeconds;

    /// <summary>One line per answer in the order they came: seconds into the phase, latency in ms (stalls show as runs of slow answers).</summary>
    private static Task WriteTimelineAsync(string path, List<long> latencies, List<long> answeredAt) =>
        File.WriteAllLinesAsync(path, Enumerable.Range(0, latencies.Count).OrderBy(i => answeredAt[i]).Select(i => string.Create(CultureInfo.InvariantCulture,
            $"{answeredAt[i] / (double)Stopwatch.Frequency:0.000} {latencies[i] * 1000.0 / Stopwatch.Frequency:0.0}")));

    private static double Percentile(List<long> sorted, double quantile)
    {
        if (sorted.Count == 0) return 0;
        var index = Math.Clamp((int)Math.Ceiling(quantile * sorted.Count) - 1, 0, sorted.Count - 1);
        return sorted[index] * 1000.0 / Stopwatch.Frequency;
    }

    /// <summary>
    /// One operation's phases: its clients' connections, on which an answer later than <paramref name="answerTimeout"/> (a
    /// minute by default) fails its request, and the count of its requests across the phases.
    /// </summary>
    public sealed class Run(Operation operation, IReadOnlyList<Uri> nodes, TimeSpan? answerTimeout = null)
    {
        private long _sequence = -1;
        private int _reported;

        /// <summary>
        /// Latencies (Stopwatch ticks) of expected answers and when each came (ticks into the phase), the number of other
        /// outcomes, and the wall time.
        /// </summary>
        public async Task<(List<long> Latencies, List<long> AnsweredAt, long Errors, TimeSpan Elapsed)> PhaseAsync(int clients, TimeSpan duration)
        {
            var started = Stopwatch.StartNew();
            // Two threads of their own, as pgbench's two (-j 2), each waiting on its clients' sockets at once: an answer that
            // comes while its thread handles another is read without a sleep and a wake-up of its own, and no thread-pool hop.
            var threads = Math.Min(clients, Threads);
            var results = await Task.WhenAll(Enumerable.Range(0, threads)
                .Select(t => Task.Factory.StartNew(() => Clients(clients / threads + (t < clients % threads ? 1 : 0), started, duration),
                    TaskCreationOptions.LongRunning)));
            var elapsed = started.Elapsed;

            var latencies = new List<long>(results.Sum(r => r.Latencies.Count));
            var answeredAt = new List<long>(latencies.Capacity);
            foreach (var result in results)
            {
                latencies.AddRange(result.Latencies);
                answeredAt.AddRange(result.AnsweredAt);
            }
            return (latencies, answeredAt, results.Sum(r => r.Errors), elapsed);
        }

        private const int Threads = 2;

        /// <summary>How long a thread waits for any of its sockets, and how often it looks for answers overdue.</summary>
        private const int WaitMicroseconds = 100_000;

        /// <summary>One closed-loop client: a connection per node, and the request it waits on.</summary>
        private sealed class Client(LoadConnection[] connections)
        {
            public LoadConnection[] Connections { get; } = connections;
            public LoadConnection? Waiting { get; set; }
            public Step Step { get; set; }
            public long SentAt { get; set; }
        }

        private (List<long> Latencies, List<long> AnsweredAt, long Errors) Clients(int count, Stopwatch clock, TimeSpan duration)
        {
            var latencies = new List<long>(capacity: 16_384);
            var answeredAt = new List<long>(capacity: 16_384);
            long errors = 0;
            var clients = Enumerable.Range(0, count).Select(_ => new Client(nodes.Select(node => new LoadConnection(node, answerTimeout)).ToArray())).ToList();
            var waiting = new Dictionary<Socket, Client>(count);
            var ready = new List<Socket>(count);

            // Sends the client's next request, unless its phase is over; a request that cannot be sent is answered as failed.
            void Next(Client client)
            {
                while (clock.Elapsed < duration)
                {
                    var n = Interlocked.Increment(ref _sequence);
                    client.SentAt = Stopwatch.GetTimestamp();
                    client.Step = default;
                    try
                    {
                        client.Step = operation.Next(n);
                        // Several nodes: request n goes to node n mod N.
                        var connection = client.Connections[(int)(n % nodes.Count)];
                        client.SentAt = Stopwatch.GetTimestamp();
                        connection.Begin(client.Step.Request);
                        client.Waiting = connection;
                        waiting[connection.Socket!] = client;
                        return;
                    }
                    catch (OutOfWork e)
                    {
                        // Nothing left to send: this client's phase ends here, counted once, instead of failing at once forever.
                        errors++;
                        if (Interlocked.Increment(ref _reported) <= ReportedFailures) Console.Error.WriteLine($"[bench] {operation.Name}: {e.Message}");
                        return;
                    }
                    catch (Exception e) when (e is IOException or SocketException or BenchException)
                    {
                        Answered(client, $"{e.GetType().Name}: {e.Message}", expected: false);
                    }
                }
            }

            void Answered(Client client, string? failure, bool expected)
            {
                var latency = Stopwatch.GetTimestamp() - client.SentAt;
                client.Waiting = null;
                // Done hears whether the operation did what it asked (a refused claim is an accepted answer, not a claim).
                client.Step.Done?.Invoke(expected);
                if (failure is null)
                {
                    latencies.Add(latency);
                    answeredAt.Add(clock.ElapsedTicks);
                    return;
                }
                errors++;
                if (Interlocked.Increment(ref _reported) <= ReportedFailures)
                {
                    Console.Error.WriteLine($"[bench] {operation.Name}: unexpected answer {failure}");
                }
            }

            void Read(Client client)
            {
                var connection = client.Waiting!;
                try
                {
                    if (!connection.TryFinish(out var answer))
                    {
                        waiting[connection.Socket!] = client;
                        return;
                    }
                    Answered(client, operation.Accepts(answer.Status) ? null : answer.Describe(), answer.Status == operation.ExpectedStatus);
                }
                catch (Exception e) when (e is IOException or SocketException or BenchException)
                {
                    Answered(client, $"{e.GetType().Name}: {e.Message}", expected: false);
                }
                Next(client);
            }

            try
            {
                foreach (var client in clients) Next(client);
                var lookedForOverdue = Stopwatch.GetTimestamp();
                while (waiting.Count > 0)
                {
                    ready.Clear();
                    ready.AddRange(waiting.Keys);
                    Socket.Select(ready, null, null, WaitMicroseconds);
                    foreach (var socket in ready)
                    {
                        var client = waiting[socket];
                        waiting.Remove(socket);
                        Read(client);
                    }

                    var now = Stopwatch.GetTimestamp();
                    if (Stopwatch.GetElapsedTime(lookedForOverdue, now).TotalMicroseconds < WaitMicroseconds) continue;
                    lookedForOverdue = now;
                    foreach (var (socket, client) in waiting.Where(w => Stopwatch.GetElapsedTime(w.Value.SentAt, now) > w.Value.Waiting!.AnswerTimeout).ToList())
                    {
                        waiting.Remove(socket);
                        client.Waiting!.Dispose();
                        Answered(client, $"no answer within {client.Waiting.AnswerTimeout}", expected: false);
                        Next(client);
                    }
                }
            }
            finally
            {
                foreach (var connection in clients.SelectMany(c => c.Connections)) connection.Dispose();
            }
            return (latencies, answeredAt, errors);
        }
    }
}
