using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Shouldly;

namespace TimeBank.Tests.Hosting;

/// <summary>What the service logs unless configured otherwise: no per-request lines, no debug output, no request bodies.</summary>
public sealed class logging_defaults(AppFixture fixture) : ApiTest(fixture)
{
    [Theory]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Information, false)]
    [InlineData("Microsoft.AspNetCore.Routing.EndpointMiddleware", LogLevel.Information, false)]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning, true)]
    [InlineData("Marten.IDocumentStore", LogLevel.Debug, false)]
    [InlineData("TimeBank.Ledger.Transferring.TransferRequest", LogLevel.Error, false)]
    [InlineData("TimeBank.Hosting.UnreadableBody", LogLevel.Information, true)]
    [InlineData("TimeBank.Hosting.ProblemExceptionHandler", LogLevel.Error, true)]
    public void levels_by_category(string category, LogLevel level, bool enabled)
    {
        Host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category).IsEnabled(level).ShouldBe(enabled);
    }
}
