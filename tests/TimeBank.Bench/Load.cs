using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace TimeBank.Bench;

/// <summary>
/// One operation's figures; where known, <see cref="StealPct"/> is the host's time taken by other guests meanwhile,
/// <see cref="JitSeconds"/> how long the service's JIT compiled meanwhile and <see cref="ServiceCpuUs"/> the service's CPU
/// per answer, in microseconds (all nodes); <see cref="IdlePct"/> the host's idle share meanwhile and <see cref="HostCpuUs"/> the
/// host's busy time per answer (the service, the database, the driver and the kernel together).
/// </summary>
public sealed record Measurement(string Name, double Rps, double P50Ms, double P99Ms, long Errors, double? StealPct = null, double? JitSeconds = null,
    double? ServiceCpuUs = null, double? IdlePct = null, double? HostCpuUs = null)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} rps={Rps:0} p50_ms={P50Ms:0.0} p99_ms={P99Ms:0.0} errors={Errors}") +
        (StealPct is { } steal ? string.Create(CultureInfo.InvariantCulture, $" steal_pct={steal:0}") : "") +
        (JitSeconds is { } jit ? string.Create(CultureInfo.InvariantCulture, $" jit_s={jit:0.0}") : "") +
        (ServiceCpuUs is { } cpu ? string.Create(CultureInfo.InvariantCulture, $" svc_cpu_us={cpu:0}") : "") +
        (IdlePct is { } idle ? string.Create(CultureInfo.InvariantCulture, $" idle_pct={idle:0}") : "") +
        (HostCpuUs is { } host ? string.Create(CultureInfo.InvariantCulture, $" host_cpu_us={host:0}") : "");
}

/// <summary>Closed-loop load: each client sends its next request as soon as the previous one is answered.</summary>
public static class Load
{
    private const int ReportedFailures = 5;

    private static int _measured;

    public static async Task<Measurement> RunAsync(Operation operation, BenchOptions options)
    {
        var run = new Run(operation, options.Urls);
        var warmup = Interlocked.Increment(ref _measured) == 1 ? options.FirstWarmupSeconds : options.WarmupSeconds;
        if (warmup > 0)
        {
            await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(warmup));
        }
        var countersBefore = await ServiceCounters.ReadAsync(options.Urls);
        if (!operation.Limited) countersBefore = await SettleAsync(run, operation.Name, options, countersBefore);
        var cpuBefore = HostCpu.Now();
        var driverPausedBefore = GC.GetTotalPauseDuration();
        var phaseStarted = DateTimeOffset.UtcNow;
        var (latencies, answeredAt, errors, elapsed) = await run.PhaseAsync(options.Clients, TimeSpan.FromSeconds(options.Seconds));
        var cpuAfter = HostCpu.Now();
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
            HostCpu.BusyMicrosecondsPer(cpuBefore, cpuAfter, elapsed.TotalSeconds, answers));
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

    private sealed class Run(Operation operation, IReadOnlyList<Uri> nodes)
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
            // A thread of its own per client, blocking on its socket: an answer wakes its client directly, without the
            // socket engine's event thread and a thread-pool hop, so the driver takes less of the cores it shares.
            var results = await Task.WhenAll(Enumerable.Range(0, clients)
                .Select(_ => Task.Factory.StartNew(() => Client(started, duration), TaskCreationOptions.LongRunning)));
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

        private (List<long> Latencies, List<long> AnsweredAt, long Errors) Client(Stopwatch clock, TimeSpan duration)
        {
            var latencies = new List<long>(capacity: 16_384);
            var answeredAt = new List<long>(capacity: 16_384);
            long errors = 0;
            var connections = nodes.Select(node => new LoadConnection(node)).ToArray();
            try
            {
                while (clock.Elapsed < duration)
                {
                    var n = Interlocked.Increment(ref _sequence);
                    var sentAt = Stopwatch.GetTimestamp();
                    Step step = default;
                    string? failure;
                    var expected = false;
                    try
                    {
                        step = operation.Next(n);
                        // Several nodes: request n goes to node n mod N.
                        var node = (int)(n % nodes.Count);
                        sentAt = Stopwatch.GetTimestamp();
                        var answer = connections[node].Send(step.Request);
                        failure = operation.Accepts(answer.Status) ? null : answer.Describe();
                        expected = answer.Status == operation.ExpectedStatus;
                    }
                    catch (OutOfWork e)
                    {
                        // Nothing left to send: this client's phase ends here, counted once, instead of failing at once forever.
                        errors++;
                        if (Interlocked.Increment(ref _reported) <= ReportedFailures) Console.Error.WriteLine($"[bench] {operation.Name}: {e.Message}");
                        break;
                    }
                    catch (Exception e) when (e is IOException or SocketException or BenchException)
                    {
                        failure = $"{e.GetType().Name}: {e.Message}";
                    }

                    var latency = Stopwatch.GetTimestamp() - sentAt;
                    // Done hears whether the operation did what it asked (a refused claim is an accepted answer, not a claim).
                    step.Done?.Invoke(expected);
                    if (failure is null)
                    {
                        latencies.Add(latency);
                        answeredAt.Add(clock.ElapsedTicks);
                    }
                    else
                    {
                        errors++;
                        if (Interlocked.Increment(ref _reported) <= ReportedFailures)
                        {
                            Console.Error.WriteLine($"[bench] {operation.Name}: unexpected answer {failure}");
                        }
                    }
                }
            }
            finally
            {
                foreach (var connection in connections) connection.Dispose();
            }
            return (latencies, answeredAt, errors);
        }

    }
}
