using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Shouldly;
using TimeBank.Auditing.CommandLine;
using TimeBank.Auditing.Exporting;
using TimeBank.Ledger.GettingAccount;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Auditing;

public sealed class audit_command_line(AppFixture fixture) : ApiTest(fixture), IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("timebank-audit-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private async Task<(bool Ok, string Output)> Run(AuditInput input)
    {
        var output = new StringWriter();
        var ok = await AuditCommand.RunAsync(Host.Services, input, output, CancellationToken.None);
        return (ok, output.ToString());
    }

    /// <summary>A volunteer's history, chained; returns the sequence range it spans.</summary>
    private async Task<(Guid Volunteer, long First, long Last)> History()
    {
        await using var connection = await Store.OpenAsync();
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(650);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 50, reason = "赠与" }, 201, Guid.NewGuid().ToString());
        await Fixture.WaitForChainAsync();
        var sequences = await connection.SequencesOfAsync(volunteer);
        return (volunteer, sequences[0], sequences[^1]);
    }

    [Fact]
    public async Task export_writes_json_lines_an_auditor_can_rehash_and_resumes_after_a_torn_line()
    {
        var (volunteer, first, last) = await History();
        var path = Path.Combine(_folder, "events.jsonl");

        var (ok, output) = await Run(new AuditInput { Action = "export", OutFlag = path, FromFlag = $"{first}", ToFlag = $"{last}" });
        ok.ShouldBeTrue();
        output.ShouldContain($"to {path}");
        var whole = await File.ReadAllTextAsync(path);
        var lines = whole.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        lines.First().GetProperty("sequence").GetInt64().ShouldBe(first);
        lines.Last().GetProperty("sequence").GetInt64().ShouldBe(last);
        lines.Count(l => l.GetProperty("streamId").GetString() == volunteer.ToString()).ShouldBe(4);
        for (var i = 1; i < lines.Count; i++) lines[i].GetProperty("prevHash").GetString().ShouldBe(lines[i - 1].GetProperty("hash").GetString());
        foreach (var line in lines)
        {
            string[] members = ["causationId", "correlationId", "data", "headers", "id", "recordedAt", "sequence", "streamId", "type", "userName", "version"];
            var canonical = "{" + string.Join(",", members.Select(m => $"\"{m}\":" + line.GetProperty(m).GetRawText())) + "}";
            var hash = SHA256.HashData([.. Convert.FromHexString(line.GetProperty("prevHash").GetString()!), .. Encoding.UTF8.GetBytes(canonical)]);
            Convert.ToHexStringLower(hash).ShouldBe(line.GetProperty("hash").GetString());
        }

        // Interrupted half-way through a line: resuming cuts the torn line and continues after the last whole one.
        var torn = Encoding.UTF8.GetBytes(whole);
        var cut = Array.LastIndexOf(torn, (byte)'\n', torn.Length - 2) - 40;
        await File.WriteAllBytesAsync(path, torn[..cut]);
        (ok, output) = await Run(new AuditInput { Action = "export", OutFlag = path, FromFlag = $"{first}", ToFlag = $"{last}", ResumeFlag = true });
        ok.ShouldBeTrue();
        output.ShouldContain("resumed after");
        (await File.ReadAllTextAsync(path)).ShouldBe(whole);
    }

    [Fact]
    public async Task export_writes_csv_with_a_header_and_one_row_per_event()
    {
        var (volunteer, first, last) = await History();
        var path = Path.Combine(_folder, "events.csv");

        var (ok, _) = await Run(new AuditInput { Action = "export", FormatFlag = "csv", OutFlag = path, FromFlag = $"{first}", ToFlag = $"{last}" });
        ok.ShouldBeTrue();
        var rows = await File.ReadAllLinesAsync(path);
        rows[0].ShouldBe(string.Join(",", EventExporter.CsvColumns));
        var mine = rows.Skip(1).Where(r => r.Split(',')[2] == volunteer.ToString()).ToList();
        mine.Select(r => r.Split(',')[5]).ShouldBe(["account_opened", "service_recorded", "service_recorded", "transfer_sent"]);
        mine[1].ShouldContain("\"{\"\"balanceMinutesAfter\"\":");
        rows.Skip(1).Select(r => long.Parse(r.Split(',')[0])).ShouldBeInOrder(SortDirection.Ascending);
        rows.Skip(1).First().Split(',')[0].ShouldBe($"{first}");

        (await Run(new AuditInput { Action = "export", FormatFlag = "xml", OutFlag = path }).ContinueWith(t => t.Exception?.InnerException))
            .ShouldBeOfType<AuditInputException>();
    }

    [Theory]
    [InlineData("verify", "10", "2", null, "--to must not be before --from.")]
    [InlineData("export", "10", "2", "events.jsonl", "--to must not be before --from.")]
    [InlineData("export", "2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z", "events.jsonl", "--to must not be before --from.")]
    [InlineData("verify", null, null, "no-such-folder/verify.json", "--out: the folder")]
    [InlineData("export", null, null, "no-such-folder/events.jsonl", "--out: the folder")]
    public async Task a_reversed_range_or_a_missing_folder_is_refused_before_any_work(string action, string? from, string? to, string? file, string message)
    {
        var outFile = file is null ? null : Path.Combine(_folder, file);
        var refused = await Run(new AuditInput { Action = action, FromFlag = from, ToFlag = to, OutFlag = outFile }).ContinueWith(t => t.Exception?.InnerException);
        refused.ShouldBeOfType<AuditInputException>().Message.ShouldStartWith(message);
        if (outFile is not null) File.Exists(outFile).ShouldBeFalse();
    }

    [Fact]
    public async Task verify_reports_the_chain_and_writes_its_report()
    {
        var (_, first, last) = await History();
        var path = Path.Combine(_folder, "verify.json");

        var (ok, output) = await Run(new AuditInput { Action = "verify", FromFlag = $"{first}", ToFlag = $"{last}", OutFlag = path });
        ok.ShouldBeTrue();
        output.ShouldContain("verified: ");
        output.ShouldContain("audit verify: events=");
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        report.RootElement.GetProperty("verified").GetBoolean().ShouldBeTrue();
        report.RootElement.GetProperty("from").GetInt64().ShouldBe(first);
        report.RootElement.GetProperty("to").GetInt64().ShouldBe(last);
    }

    [Fact]
    public async Task replay_prints_the_statement_and_writes_the_figures_of_the_account_endpoint()
    {
        var (volunteer, _, _) = await History();
        var path = Path.Combine(_folder, "replay.json");

        var (ok, output) = await Run(new AuditInput { Action = "replay", AccountFlag = volunteer.ToString(), OutFlag = path });
        ok.ShouldBeTrue();
        output.ShouldContain("transfer-out");
        using var replay = JsonDocument.Parse(await File.ReadAllTextAsync(path));
        var minutes = replay.RootElement.GetProperty("balances").GetProperty("minutes");
        var account = await Host.GetAsync<AccountView>(Keys.Auditor, $"/api/accounts/{volunteer}");
        (minutes.GetProperty("balance").GetInt32(), minutes.GetProperty("served").GetInt32()).ShouldBe((account.BalanceMinutes, account.ServedMinutes));
        replay.RootElement.GetProperty("entries").GetArrayLength().ShouldBe(3);

        (await Run(new AuditInput { Action = "replay", AccountFlag = Guid.NewGuid().ToString() })).Ok.ShouldBeFalse();
    }

    [Fact]
    public async Task the_service_executable_runs_the_audit_commands_against_its_database()
    {
        var (volunteer, first, last) = await History();
        var report = Path.Combine(_folder, "cli-verify.json");
        var export = Path.Combine(_folder, "cli-export.csv");

        async Task<(int Code, string Output)> Exe(params string[] arguments)
        {
            var start = new ProcessStartInfo("dotnet") { WorkingDirectory = AppContext.BaseDirectory, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "TimeBank.dll"), "audit" }.Concat(arguments)) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(90)).Token);
            return (process.ExitCode, await stdout + await stderr);
        }

        var (code, output) = await Exe("verify", "--from", $"{first}", "--to", $"{last}", "--out", report);
        code.ShouldBe(0, output);
        output.ShouldContain("verified: ");
        JsonDocument.Parse(await File.ReadAllTextAsync(report)).RootElement.GetProperty("verified").GetBoolean().ShouldBeTrue();

        (code, output) = await Exe("export", "--format", "csv", "--out", export, "--from", $"{first}", "--to", $"{last}");
        code.ShouldBe(0, output);
        (await File.ReadAllLinesAsync(export)).Count(r => r.Contains(volunteer.ToString())).ShouldBeGreaterThanOrEqualTo(4);

        (code, output) = await Exe("replay", "--account", "not-an-account");
        code.ShouldNotBe(0);
        output.ShouldContain("--account");
    }
}
