using Shouldly;

namespace TimeBank.Tests.Hosting;

/// <summary>The service executable's command line, run as its own process.</summary>
public sealed class command_line
{
    [Fact]
    public async Task help_lists_the_commands_without_a_database()
    {
        var (exitCode, output, error) = await ServiceProcess.RunCommandAsync(null, "help");
        exitCode.ShouldBe(0, error);
        output.ShouldContain("audit");
        output.ShouldContain("projections");
        error.ShouldNotContain("Unhandled exception");
    }

    [Theory]
    [InlineData("audit", "verify")]
    [InlineData("projections", "rebuild")]
    public async Task a_command_that_needs_the_database_says_what_to_set_without_a_stack_trace(string command, string action)
    {
        var (exitCode, _, error) = await ServiceProcess.RunCommandAsync(null, command, action);
        exitCode.ShouldBe(2);
        error.ShouldContain("ConnectionStrings__TimeBank");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task a_rebuild_on_a_database_no_node_ever_ran_on_is_not_refused()
    {
        var database = await ServiceProcess.CreateDatabaseAsync();
        try
        {
            var (exitCode, output, error) = await ServiceProcess.RunCommandAsync(ServiceProcess.ConnectionTo(database).ConnectionString, "projections", "rebuild",
                "-p", "CareCoverage");
            exitCode.ShouldBe(0, output + error);
            error.ShouldNotContain("refused");
        }
        finally
        {
            await ServiceProcess.DropDatabaseAsync(database);
        }
    }

    [Fact]
    public async Task a_rebuild_that_cannot_reach_the_database_says_so_without_a_stack_trace()
    {
        var closedPort = ServiceProcess.FreePort();
        var (exitCode, _, error) = await ServiceProcess.RunCommandAsync(
            $"Host=127.0.0.1;Port={closedPort};Database=timebank;Username=timebank;Password=timebank", "projections", "rebuild");
        exitCode.ShouldBe(1, error);
        error.ShouldContain("could not read the database's nodes to check that none is live");
        error.ShouldNotContain("   at ");
    }
}
