using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using JasperFx.CommandLine;
using NodaTime.Text;
using Npgsql;
using Spectre.Console;
using TimeBank.Auditing.Exporting;
using TimeBank.Auditing.ReplayingAccounts;
using TimeBank.Auditing.Verifying;
using TimeBank.Ledger;

namespace TimeBank.Auditing.CommandLine;

public sealed class AuditInput : NetCoreInput
{
    [Description("verify | export | replay")]
    public string Action { get; set; } = "";

    [Description("export: jsonl (default) or csv")]
    [FlagAlias("format", true)]
    public string FormatFlag { get; set; } = "jsonl";

    [Description("File to write (export: required; verify, replay: the report as JSON)")]
    [FlagAlias("out", true)]
    public string? OutFlag { get; set; }

    [Description("First sequence (verify, export), or for export also a recorded instant such as 2026-11-01T00:00:00+08:00")]
    [FlagAlias("from", true)]
    public string? FromFlag { get; set; }

    [Description("Last sequence (verify, export), or for export a recorded instant (exclusive)")]
    [FlagAlias("to", true)]
    public string? ToFlag { get; set; }

    [Description("export: continue an existing file after its last complete line")]
    [FlagAlias("resume", true)]
    public bool ResumeFlag { get; set; }

    [Description("replay: the account, a person's id or public-pool")]
    [FlagAlias("account", true)]
    public string? AccountFlag { get; set; }

    [Description("replay: the instant to replay up to (ISO 8601, default now)")]
    [FlagAlias("as-of", true)]
    public string? AsOfFlag { get; set; }

    [Description("No progress display")]
    [FlagAlias("quiet", true)]
    public bool QuietFlag { get; set; }
}

[Description("Auditor's tools on the service's database: verify the hash chain, export the events, replay an account", Name = "audit")]
public sealed class AuditCommand : JasperFxAsyncCommand<AuditInput>
{
    public AuditCommand()
    {
        Usage("Recompute the hash chain and compare it with the stored chain and digests").Arguments(x => x.Action);
    }

    public override async Task<bool> Execute(AuditInput input)
    {
        using var host = input.BuildHost();
        try
        {
            return await RunAsync(host.Services, input, Console.Out, CancellationToken.None);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            await Console.Error.WriteLineAsync($"The audit tables are missing ({e.MessageText}): start the service once against this database.");
            return false;
        }
        catch (AuditInputException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"--out: {e.Message}");
            return false;
        }
    }

    /// <summary>The command without the host around it, so tests can run it against their own services.</summary>
    public static async Task<bool> RunAsync(IServiceProvider services, AuditInput input, TextWriter output, CancellationToken cancellation)
    {
        var store = services.GetRequiredService<IDocumentStore>();
        CheckOut(input.OutFlag);
        var progress = new ProgressDisplay(output, !input.QuietFlag && output == Console.Out);
        return input.Action.ToLowerInvariant() switch
        {
            "verify" => await VerifyAsync(store, input, output, progress, cancellation),
            "export" => await ExportAsync(store, input, output, progress, cancellation),
            "replay" => await ReplayAsync(store, input, output, cancellation),
            _ => throw new AuditInputException($"Unknown audit action '{input.Action}': use verify, export or replay.")
        };
    }

    private static async Task<bool> VerifyAsync(IDocumentStore store, AuditInput input, TextWriter output, ProgressDisplay progress,
        CancellationToken cancellation)
    {
        var from = Sequence(input.FromFlag, "--from");
        var to = Sequence(input.ToFlag, "--to");
        CheckOrder(from, to);
        var report = await progress.RunAsync("audit verify", from ?? 1, to ?? await HeadAsync(store, cancellation),
            p => new ChainVerifier(store).VerifyAsync(from, to, p, cancellation), r => r.EventsChecked);

        if (report.Verified)
        {
            await output.WriteLineAsync($"verified: {report.EventsChecked} events, sequences {report.From}-{report.To}, " +
                                        $"{report.DigestsChecked} closed daily digests; head {report.HeadSequence} {report.HeadHash}");
        }
        else
        {
            var m = report.Mismatch!;
            await output.WriteLineAsync($"NOT VERIFIED at sequence {m.Sequence}: {m.Kind}. {m.Detail}");
            await output.WriteLineAsync($"  expected hash {m.ExpectedHash ?? "-"}\n  actual hash   {m.ActualHash ?? "-"}");
            await output.WriteLineAsync($"  {report.EventsChecked} events checked before it.");
        }
        if (report.EventsNotYetChained > 0) await output.WriteLineAsync($"{report.EventsNotYetChained} newer events are not chained yet.");
        await WriteReportAsync(input.OutFlag, report, cancellation);
        return report.Verified;
    }

    private static async Task<bool> ExportAsync(IDocumentStore store, AuditInput input, TextWriter output, ProgressDisplay progress,
        CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(input.OutFlag)) throw new AuditInputException("audit export needs --out FILE.");
        var format = input.FormatFlag.ToLowerInvariant() switch
        {
            "jsonl" => ExportFormat.Jsonl,
            "csv" => ExportFormat.Csv,
            _ => throw new AuditInputException("--format is jsonl or csv.")
        };
        var (fromSequence, fromInstant) = SequenceOrInstant(input.FromFlag, "--from");
        var (toSequence, toInstant) = SequenceOrInstant(input.ToFlag, "--to");
        CheckOrder(fromSequence, toSequence);
        CheckOrder(fromInstant, toInstant);
        var range = new ExportRange(fromSequence, toSequence, fromInstant, toInstant);

        var head = await HeadAsync(store, cancellation);
        var result = await progress.RunAsync("audit export", fromSequence ?? 1, toSequence ?? head,
            p => new EventExporter(store).ExportAsync(input.OutFlag, format, range, input.ResumeFlag, p, cancellation), r => r.Events);

        var resumed = result.ResumedAfter > 0 ? $" (resumed after {result.ResumedAfter})" : "";
        await output.WriteLineAsync($"exported {result.Events} events{resumed}, sequences {result.FirstSequence}-{result.LastSequence}, to {result.Path}");
        if (result.NotYetChained > 0) await output.WriteLineAsync($"{result.NotYetChained} newer events are not chained yet and were not exported.");
        return true;
    }

    private static async Task<bool> ReplayAsync(IDocumentStore store, AuditInput input, TextWriter output, CancellationToken cancellation)
    {
        if (!SystemAccounts.TryParse(input.AccountFlag, out var account)) throw new AuditInputException($"--account: {AccountIds.Description}");
        var asOf = Instants.TryParse(input.AsOfFlag);
        if (input.AsOfFlag is not null && asOf is null) throw new AuditInputException(Instants.Expected("--as-of"));

        await using var session = store.QuerySession();
        var replay = await AccountReplays.ReplayAsync(session, account, asOf, cancellation);
        if (replay is null)
        {
            await output.WriteLineAsync($"No account has id {input.AccountFlag}.");
            return false;
        }

        await output.WriteLineAsync($"account {replay.AccountId} as of {(asOf is null ? "now" : InstantPattern.ExtendedIso.Format(asOf.Value))}");
        await output.WriteLineAsync($"{"sequence",10} {"at",-20} {"kind",-16} {"amount",8} {"balance",8} {"held",6} {"available",9} {"points",7}  hash");
        foreach (var e in replay.Entries)
        {
            var change = e.Changes[AccountReplays.Minutes];
            var after = e.After[AccountReplays.Minutes];
            var points = e.After[AccountReplays.Points];
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{e.Sequence,10} {InstantPattern.General.Format(e.At),-20} {e.Kind,-16} {change.Balance,8} {after.Balance,8} {after.Held,6} {after.Available,9} {points.Balance,7}  {e.Hash?[..16]}"));
        }
        var final = replay.Balances[AccountReplays.Minutes];
        await output.WriteLineAsync($"balance {final.Balance} min, held {final.Held}, available {final.Available}, served {final.Served}; " +
                                    $"{replay.Balances[AccountReplays.Points].Balance} points");
        await WriteReportAsync(input.OutFlag, replay, cancellation);
        return true;
    }

    private static async Task WriteReportAsync<T>(string? path, T report, CancellationToken cancellation)
    {
        if (string.IsNullOrWhiteSpace(path)) return;
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, report, Idempotency.Canonical, cancellation);
    }

    private static async Task<long> HeadAsync(IDocumentStore store, CancellationToken cancellation)
    {
        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        return (await Chain.ChainStore.LoadHeadAsync(connection, cancellation)).Sequence;
    }

    /// <summary>Before any work: a report or export whose folder does not exist would only fail at the end of a long run.</summary>
    private static void CheckOut(string? path)
    {
        if (string.IsNullOrWhiteSpace(path)) return;
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder)) throw new AuditInputException($"--out: the folder {folder} does not exist.");
    }

    private static void CheckOrder<T>(T? from, T? to) where T : struct, IComparable<T>
    {
        if (from is { } first && to is { } last && last.CompareTo(first) < 0) throw new AuditInputException("--to must not be before --from.");
    }

    private static long? Sequence(string? value, string flag)
    {
        if (value is null) return null;
        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1
            ? n
            : throw new AuditInputException($"{flag} is a sequence number, 1 or more.");
    }

    private static (long? Sequence, Instant? Instant) SequenceOrInstant(string? value, string flag)
    {
        if (value is null) return (null, null);
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1) return (n, null);
        if (Instants.TryParse(value) is { } instant) return (null, instant);
        throw new AuditInputException($"{flag} is a sequence number or an ISO 8601 instant.");
    }
}

public sealed class AuditInputException(string message) : Exception(message);

/// <summary>
/// A progress bar with events per second on a terminal; elsewhere (logs, CI) a line every few seconds.
/// Progress is reported as the sequence reached, so the bar runs over the sequence range.
/// </summary>
public sealed class ProgressDisplay(TextWriter output, bool enabled)
{
    public async Task<T> RunAsync<T>(string title, long first, long last, Func<IProgress<long>, Task<T>> work, Func<T, long> events)
    {
        var clock = Stopwatch.StartNew();
        T result;
        if (!enabled)
        {
            result = await work(new Progress<long>(_ => { }));
        }
        else if (AnsiConsole.Profile.Capabilities.Interactive)
        {
            result = await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EventRateColumn(clock),
                    new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask(title, maxValue: Math.Max(1, last - first + 1));
                    var r = await work(new SynchronousProgress(sequence => task.Value = Math.Max(task.Value, sequence - first + 1)));
                    task.Value = task.MaxValue;
                    return r;
                });
        }
        else
        {
            var lastPrinted = TimeSpan.Zero;
            result = await work(new SynchronousProgress(sequence =>
            {
                if (clock.Elapsed - lastPrinted < TimeSpan.FromSeconds(2)) return;
                lastPrinted = clock.Elapsed;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{title}: sequence {sequence:N0} of {last:N0}, {(sequence - first + 1) / clock.Elapsed.TotalSeconds:N0} events/s"));
            }));
        }

        // Always printed, with plain numbers: ops/bench reads its events_per_s from this line.
        var seconds = Math.Max(clock.Elapsed.TotalSeconds, 1e-6);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{title}: events={events(result)} seconds={seconds:F2} events_per_s={events(result) / seconds:F0}"));
        return result;
    }

    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    private sealed class EventRateColumn(Stopwatch clock) : ProgressColumn
    {
        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime)
        {
            var rate = clock.Elapsed.TotalSeconds > 0 ? task.Value / clock.Elapsed.TotalSeconds : 0;
            return new Text(string.Create(CultureInfo.InvariantCulture, $"{rate:N0} events/s"));
        }
    }
}
