using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// <c>projections rebuild</c> refuses while a node of the database is live, since it deletes what it rebuilds; the
/// command line run against a live node is in <see cref="Care.rebuilding_coverage"/>.
/// </summary>
public sealed class guarding_rebuilds
{
    private static readonly TimeSpan PresumedDeadAfter = TimeSpan.FromSeconds(12);

    [Theory]
    [InlineData(true, "projections", "rebuild")]
    [InlineData(true, "projections", "rebuild", "-p", "CareCoverage")]
    [InlineData(true, "Projections", "-p", "CareCoverage", "REBUILD")]
    [InlineData(false, "projections")]
    [InlineData(false, "projections", "list")]
    [InlineData(false, "projections", "run", "-p", "CareCoverage")]
    [InlineData(false, "audit", "verify")]
    [InlineData(false, "help", "projections")]
    [InlineData(false)]
    public void only_a_rebuild_is_guarded(bool applies, params string[] args) => RebuildGuard.Applies(args).ShouldBe(applies);

    [Fact]
    public void the_force_flag_is_the_guards_and_is_not_passed_on() =>
        RebuildGuard.WithoutForce(["projections", "rebuild", "--FORCE", "-p", "CareCoverage"]).ShouldBe(["projections", "rebuild", "-p", "CareCoverage"]);

    [Fact]
    public void a_node_heard_from_within_the_stale_time_refuses_the_rebuild_and_is_named()
    {
        var refusal = RebuildGuard.WhyRefused(
            [new(1, "node-a", TimeSpan.FromSeconds(2.5)), new(2, "node-b", TimeSpan.FromMinutes(5))], PresumedDeadAfter, forced: false);

        refusal.ShouldNotBeNull();
        refusal.ShouldContain("node 1 (node-a) 2.5 s ago");
        refusal.ShouldNotContain("node-b");
        refusal.ShouldContain(RebuildGuard.Force);
        refusal.ShouldContain("TimeBank__NodeStaleAfter");
    }

    [Fact]
    public void a_node_silent_for_the_stale_time_is_presumed_dead() =>
        RebuildGuard.WhyRefused([new(1, "node-a", PresumedDeadAfter)], PresumedDeadAfter, forced: false).ShouldBeNull();

    [Fact]
    public void no_node_or_a_forced_rebuild_runs()
    {
        RebuildGuard.WhyRefused([], PresumedDeadAfter, forced: false).ShouldBeNull();
        RebuildGuard.WhyRefused([new(1, "node-a", TimeSpan.Zero)], PresumedDeadAfter, forced: true).ShouldBeNull();
    }
}
