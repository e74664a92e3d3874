using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>What the last-line handler logs: the service's own fault once as an error, a race lost at every retry and a database outage as warnings.</summary>
public sealed class logging_failures(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task a_500_is_an_error_and_a_lost_race_or_an_outage_a_warning()
    {
        (await Handle(new NullReferenceException())).ShouldBe((500, LogLevel.Error));
        (await Handle(new PostgresException("duplicate key value violates unique constraint", "ERROR", "ERROR", "23505"))).ShouldBe((409, LogLevel.Warning));
        (await Handle(new PostgresException("the database system is shutting down", "FATAL", "FATAL", "57P03"))).ShouldBe((503, LogLevel.Warning));
    }

    private async Task<(int Status, LogLevel Level)> Handle(Exception exception)
    {
        var logs = new LogCapture();
        using var factory = LoggerFactory.Create(logging => logging.AddProvider(logs));
        var handler = new ProblemExceptionHandler(Host.Services.GetRequiredService<IProblemDetailsService>(), factory.CreateLogger<ProblemExceptionHandler>());
        var context = new DefaultHttpContext { RequestServices = Host.Services };
        context.Request.Method = "POST";
        context.Request.Path = "/api/transfers";
        context.Response.Body = new MemoryStream();

        (await handler.TryHandleAsync(context, exception, CancellationToken.None)).ShouldBeTrue();
        return (context.Response.StatusCode, logs.Entries.ShouldHaveSingleItem().Level);
    }
}
