using System.Diagnostics;
using Shouldly;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Generated handler code is compiled with the service, so code generated from older sources would run the handlers'
/// previous pipeline: ops/run and ops/cluster-test remove it unless it was generated from the sources as they are
/// (ops/lib/codegen.sh, on a copy of the service's layout).
/// </summary>
public sealed class discarding_stale_generated_code : IDisposable
{
    private readonly string _repo = Directory.CreateTempSubdirectory("timebank-codegen-").FullName;

    public discarding_stale_generated_code()
    {
        Write("src/TimeBank/TimeBank.csproj", "<Project />");
        Write("src/TimeBank/Ledger/Account.cs", "class Account {}");
        Write("src/TimeBank/Internal/Generated/WolverineHandlers/Handler.cs", "class Handler {}");
        Bash("codegen_write_stamp \"$REPO\"");
    }

    private string Generated => Path.Combine(_repo, "src/TimeBank/Internal/Generated");

    [Fact]
    public void generated_code_of_the_current_sources_is_kept()
    {
        Write("src/TimeBank/obj/Release/Other.cs", "class BuildOutput {}");

        Bash("codegen_discard_if_stale \"$REPO\"");

        File.Exists(Path.Combine(Generated, "WolverineHandlers/Handler.cs")).ShouldBeTrue();
    }

    [Theory]
    [InlineData("src/TimeBank/Ledger/Account.cs", "class Account { int Minutes; }")]
    [InlineData("src/TimeBank/Ledger/Transfer.cs", "class Transfer {}")]
    [InlineData("src/TimeBank/TimeBank.csproj", "<Project Sdk=\"Microsoft.NET.Sdk.Web\" />")]
    public void generated_code_is_removed_when_a_source_changed(string file, string text)
    {
        Write(file, text);

        var stderr = Bash("codegen_discard_if_stale \"$REPO\"");

        Directory.Exists(Generated).ShouldBeFalse();
        stderr.ShouldContain("run ops/codegen");
    }

    [Fact]
    public void generated_code_without_its_stamp_is_removed()
    {
        File.Delete(Path.Combine(Generated, ".sources"));

        Bash("codegen_discard_if_stale \"$REPO\"");

        Directory.Exists(Generated).ShouldBeFalse();
    }

    [Fact]
    public void no_generated_folder_is_nothing_to_do()
    {
        Directory.Delete(Generated, recursive: true);

        Bash("codegen_discard_if_stale \"$REPO\"").ShouldBeEmpty();
    }

    private void Write(string relative, string text)
    {
        var path = Path.Combine(_repo, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private string Bash(string script)
    {
        var start = new ProcessStartInfo("bash", ["-c", $"set -euo pipefail; source \"$LIB\"; {script}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["REPO"] = _repo;
        start.Environment["LIB"] = ServiceProcess.RepoFolder("ops", "lib", "codegen.sh");
        using var bash = Process.Start(start)!;
        var stderr = bash.StandardError.ReadToEndAsync();
        bash.StandardOutput.ReadToEnd();
        bash.WaitForExit();
        bash.ExitCode.ShouldBe(0, stderr.Result);
        return stderr.Result;
    }

    public void Dispose() => Directory.Delete(_repo, recursive: true);
}
