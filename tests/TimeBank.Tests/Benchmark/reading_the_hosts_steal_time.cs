using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>Each bench line says how much of the host's time other guests took while it was measured (/proc/stat).</summary>
public sealed class reading_the_hosts_steal_time
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
    public void the_line_ends_with_the_share_where_it_is_known()
    {
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0, 12.6).ToString()
            .ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0 steal_pct=13");
        new Measurement("deposit", 1234.4, 12.34, 56.78, 0).ToString().ShouldBe("deposit rps=1234 p50_ms=12.3 p99_ms=56.8 errors=0");
    }
}
