using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>
/// Each bench line says how much of the host's time other guests took while it was measured (/proc/stat) and how long the
/// service's JIT was still compiling (its Prometheus metrics), so a figure of a noisy or cold minute is known as such, and
/// how much of the service's CPU an answer took, which two builds can be compared by on a noisy day.
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
        ServiceCounters.Of(metrics.ReplaceLineEndings("\n")).JitSeconds.ShouldBe(13.75);
        ServiceCounters.Of("dotnet_jit_compiled_methods_total 45000\n").JitSeconds.ShouldBeNull();
    }

    [Fact]
    public void the_service_cpu_per_answer_is_the_growth_of_its_user_and_system_time_over_the_answers()
    {
        const string before = """
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="user"} 80.5
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="system"} 7.5
            dotnet_process_cpu_count{otel_scope_name="System.Runtime"} 2
            """;
        const string after = """
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="user"} 90.0
            dotnet_process_cpu_time_seconds_total{otel_scope_name="System.Runtime",cpu_mode="system"} 9.0
            dotnet_process_cpu_count{otel_scope_name="System.Runtime"} 2
            """;
        var phase = ServiceCounters.Of(after.ReplaceLineEndings("\n")) - ServiceCounters.Of(before.ReplaceLineEndings("\n"));

        phase.CpuSeconds.ShouldBe(11.0);
        phase.CpuMicrosecondsPer(20_000).ShouldBe(550.0);
        phase.CpuMicrosecondsPer(0).ShouldBeNull();
        (ServiceCounters.Of("") - ServiceCounters.Of(before)).CpuMicrosecondsPer(20_000).ShouldBeNull();
    }

    [Fact]
    public void a_metrics_series_can_be_summed_by_its_labels()
    {
        const string metrics = """
            timebank_fold_events_total{otel_scope_name="TimeBank",fold="hash-chain"} 5
            timebank_fold_events_total{otel_scope_name="TimeBank",fold="statistics"} 3
            timebank_fold_events_total_other{fold="statistics"} 100
            timebank_alerts_open{district="东城区",status="open"} 2
            timebank_alerts_open{district="东城区",status="acknowledged"} 1
            timebank_alerts_open{district="西城区",status="open"} 4
            """;
        var text = metrics.ReplaceLineEndings("\n");
        ServiceCounters.Sum(text, "timebank_fold_events_total").ShouldBe(8);
        ServiceCounters.Sum(text, "timebank_fold_events_total", "fold=\"statistics\"").ShouldBe(3);
        ServiceCounters.Sum(text, "timebank_fold_events_total", "fold=\"star-levels\"").ShouldBeNull();
        ServiceCounters.Sum(text, "timebank_alerts_open", "district=\"东城区\"").ShouldBe(3);
        ServiceCounters.Sum(text, "timebank_alerts_open", "district=\"东城区\"", "status=\"open\"").ShouldBe(2);
    }

    [Fact]
    public void the_nodes_counters_add_up_and_one_unknown_makes_the_sum_unknown()
    {
        var sum = new ServiceCounters(1.5, 10) + new ServiceCounters(0.5, 20);
        sum.ShouldBe(new ServiceCounters(2.0, 30));
        (sum + new ServiceCounters(null, 5)).ShouldBe(new ServiceCounters(null, 35));
    }

    [Fact]
    public void the_line_ends_with_what_is_known_of_the_host_and_the_jit()
    {
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6, 0.04).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13 jit_s=0.0");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6, 0.04, 512.6).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13 jit_s=0.0 svc_cpu_us=513");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6, 0.04, 512.6, 9.5, 801.2).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13 jit_s=0.0 svc_cpu_us=513 idle_pct=10 host_cpu_us=801");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6, 0.04, 512.6, 9.5, 801.2, 41.6).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13 jit_s=0.0 svc_cpu_us=513 idle_pct=10 host_cpu_us=801 drv_cpu_us=42");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0).ToString().ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0");
    }

    [Fact]
    public void the_idle_share_counts_waiting_for_the_disk_as_idle()
    {
        var before = HostCpu.Parse("cpu  1000 10 500 8000 100 0 20 370 0 0", cores: 2).ShouldNotBeNull();
        var after = HostCpu.Parse("cpu  1600 10 800 8400 150 0 30 770 50 0", cores: 2).ShouldNotBeNull();

        (before.Idle, before.Cores).ShouldBe((8_100, 2));
        HostCpu.IdlePercent(before, after).ShouldBe(100.0 * 450 / 1_760);
    }

    [Fact]
    public void the_hosts_time_per_answer_is_its_busy_share_of_every_core_over_the_answers()
    {
        // 2,000 ticks pass: 500 idle or waiting, 500 stolen, 1,000 busy; two cores for 10 s are 20 s, half of it busy.
        var before = HostCpu.Parse("cpu  1000 0 0 1000 0 0 0 0 0 0", cores: 2);
        var after = HostCpu.Parse("cpu  1800 0 200 1400 100 0 0 500 0 0", cores: 2);

        HostCpu.BusyMicrosecondsPer(before, after, seconds: 10, answers: 20_000).ShouldBe(500.0);
        HostCpu.BusyMicrosecondsPer(before, after, seconds: 10, answers: 0).ShouldBeNull();
        HostCpu.BusyMicrosecondsPer(null, after, seconds: 10, answers: 20_000).ShouldBeNull();
        HostCpu.BusyMicrosecondsPer(after, after, seconds: 10, answers: 20_000).ShouldBeNull();
    }

    [Fact]
    public void the_cores_are_the_lines_of_one_core_after_the_total()
    {
        string[] stat = ["cpu  10 0 5 100 1 0 0 0 0 0", "cpu0 5 0 2 50 1 0 0 0 0 0", "cpu1 5 0 3 50 0 0 0 0 0 0", "intr 12345 0 1", "ctxt 999"];
        HostCpu.Of(stat).ShouldBe(new HostCpu(116, 0, 101, 2));
        HostCpu.Of([]).ShouldBeNull();
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

    [Theory]
    [InlineData("deposit,transfer", "deposit", 40)]
    [InlineData("deposit,transfer", "transfer", 10)]
    [InlineData("complete,claim", "claim", 40)]
    [InlineData("complete,claim", "complete", 10)]
    [InlineData("complete", "complete", 40)]
    public void the_first_operation_measured_in_the_drivers_order_gets_the_first_warm_up(string operations, string operation, int seconds) =>
        BenchOptions.Parse(["--url", "http://127.0.0.1:5091", "--admin-key", "k", "--warmup", "10", "--first-warmup", "40", "--operations", operations])!
            .WarmupOf(operation).ShouldBe(seconds);

    [Fact]
    public void the_database_to_vacuum_before_each_phase_is_an_option_and_none_means_no_vacuum()
    {
        string[] required = ["--url", "http://127.0.0.1:5091", "--admin-key", "k"];
        BenchOptions.Parse(required)!.VacuumConnectionString.ShouldBeNull();
        BenchOptions.Parse([.. required, "--vacuum", "Host=127.0.0.1;Port=54331;Database=timebank_bench"])!.VacuumConnectionString
            .ShouldBe("Host=127.0.0.1;Port=54331;Database=timebank_bench");
    }

    [Theory]
    [InlineData(40, 35, 5)]
    [InlineData(10, 5, 5)]
    [InlineData(5, 0, 5)]
    [InlineData(2, 0, 2)]
    [InlineData(0, 0, 0)]
    public void the_vacuum_comes_before_the_warm_ups_last_seconds_and_the_warm_up_keeps_its_length(int warmup, int before, int after) =>
        Load.SplitAroundVacuum(warmup).ShouldBe((before, after));
}
