using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>
/// Each bench line says how much of the host's time other guests took while it was measured (/proc/stat) and how long the
/// service's JIT was still compiling (its Prometheus metrics), so a figure of a noisy or cold minute is known as such.
/// </summary>
public sealed class what_a_bench_line_says
{
    [Fact]
    public void the_steal_share_is_stolen_ticks_over_all_ticks_between_two_readings()
    {
        var before = HostCpu.Parse("cpu  1000 10 500 8000 100 0 20 370 0 0").ShouldNotBeNull();
        var after = HostCpu.Parse("cpu  1600 10 800 8400 100 0 30 770 50 0").ShouldNotBeNull();

        (before.Total, before.Steal).ShouldBe((10_000, 370));
        HostCpu.StealPercent(before, after).ShouldBe(100.0 * 400 / 1_710);
    }

    [Theory]
    [InlineData("cpu0 1 2 3 4 5 6 7 8 0 0")]
    [InlineData("cpu  1 2 3")]
    [InlineData("cpu  1 2 3 4 5 6 7 x 0 0")]
    [InlineData("")]
    public void a_line_that_is_not_the_hosts_total_is_not_read(string line) => HostCpu.Parse(line).ShouldBeNull();

    [Fact]
    public void without_two_readings_or_time_between_them_there_is_no_share()
    {
        var reading = HostCpu.Parse("cpu  1 0 0 1 0 0 0 1 0 0");
        HostCpu.StealPercent(null, reading).ShouldBeNull();
        HostCpu.StealPercent(reading, reading).ShouldBeNull();
    }

    [Fact]
    public void the_jit_time_is_the_sum_of_the_runtimes_series_and_nothing_else()
    {
        const string metrics = """
            # TYPE dotnet_jit_compilation_time_seconds_total counter
            dotnet_jit_compilation_time_seconds_total{otel_scope_name="System.Runtime"} 13.25
            dotnet_jit_compilation_time_seconds_total_extra 100
            dotnet_jit_compiled_methods_total{otel_scope_name="System.Runtime"} 45000
            dotnet_jit_compilation_time_seconds_total{otel_scope_name="Other",x="a}b"} 0.5 1700000000000
            """;
        ServiceJit.Seconds(metrics.ReplaceLineEndings("\n")).ShouldBe(13.75);
        ServiceJit.Seconds("dotnet_jit_compiled_methods_total 45000\n").ShouldBeNull();
    }

    [Fact]
    public void the_line_ends_with_what_is_known_of_the_host_and_the_jit()
    {
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6, 0.04).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13 jit_s=0.0");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0).ToString().ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0");
    }

    [Theory]
    [InlineData(0.5, 5, true)]
    [InlineData(0.11, 5, true)]
    [InlineData(0.1, 5, false)]
    [InlineData(0.0, 5, false)]
    [InlineData(null, 5, false)]
    public void warm_up_goes_on_while_the_jit_compiled_for_more_than_a_fiftieth_of_the_last_slice(double? compiled, double slice, bool goesOn) =>
        Load.StillCompiling(compiled, slice).ShouldBe(goesOn);

    [Fact]
    public void the_added_warm_up_is_capped_by_an_option_that_defaults_to_a_minute()
    {
        string[] required = ["--url", "http://127.0.0.1:5091", "--admin-key", "k"];
        BenchOptions.Parse(required)!.SettleSeconds.ShouldBe(60);
        BenchOptions.Parse([.. required, "--settle", "0"])!.SettleSeconds.ShouldBe(0);
        BenchOptions.Parse([.. required, "--settle", "-5"]).ShouldBeNull();
    }
}
