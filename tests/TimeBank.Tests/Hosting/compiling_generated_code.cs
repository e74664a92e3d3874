using System.Diagnostics;
using System.Reflection;
using Shouldly;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Hosting;

/// <summary>The handler and endpoint code generated at start-up runs on every request: the JIT must be allowed to optimise it.</summary>
public sealed class compiling_generated_code(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task generated_handlers_and_endpoints_are_release_builds()
    {
        await Fixture.VolunteerWithBalance(30);

        var generated = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => a.IsDynamic == false && DefinesGeneratedTypes(a))
            .ToList();

        generated.ShouldNotBeEmpty();
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
