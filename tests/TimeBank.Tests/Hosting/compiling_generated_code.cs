using System.Diagnostics;
using System.Reflection;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// The handler and endpoint code Wolverine generates runs on every request. ops/test generates it before building
/// (ops/codegen), so it is compiled with the service: it must be what runs, and the JIT must be allowed to optimise it.
/// </summary>
public sealed class compiling_generated_code(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task handlers_and_endpoints_run_the_code_compiled_with_the_service_as_a_release_build()
    {
        await Fixture.VolunteerWithBalance(30);

        var generated = AppDomain.CurrentDomain.GetAssemblies().Where(DefinesGeneratedTypes).ToList();

        generated.ShouldBe([typeof(TimeBankSetup).Assembly], "a chain was generated at run time: run ops/codegen");
        generated.ShouldAllBe(a => a.GetCustomAttribute<DebuggableAttribute>() == null
                                   || !a.GetCustomAttribute<DebuggableAttribute>()!.IsJITOptimizerDisabled);
    }

    private static bool DefinesGeneratedTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes().Any(t => t.Namespace?.StartsWith("Internal.Generated", StringComparison.Ordinal) == true);
        }
        catch (ReflectionTypeLoadException)
        {
            return false;
        }
    }
}
