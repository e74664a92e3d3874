using System.Net.Sockets;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>A database that cannot be reached is a 503 the client may retry, not a 500; other failures stay 500s.</summary>
public sealed class database_outages
{
    public static TheoryData<Exception> Outages => new()
    {
        new NpgsqlException("Failed to connect to 127.0.0.1:5432", new SocketException((int)SocketError.ConnectionRefused)),
        new NpgsqlException("Exception while reading from stream", new IOException("Unable to read data from the transport connection")),
        new NpgsqlException("Exception while reading from stream", new TimeoutException()),
        new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"),
        new PostgresException("the database system is starting up", "FATAL", "FATAL", "57P03"),
        new PostgresException("connection failure", "FATAL", "FATAL", "08006"),
        new InvalidOperationException("wrapped", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.HostUnreachable)))
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void an_unreachable_database_is_a_503_problem(Exception outage)
    {
        var problem = ProblemExceptionHandler.ProblemFor(outage).ShouldNotBeNull();
        (problem.Status, problem.Type).ShouldBe((503, "urn:timebank:problem:unavailable"));
    }

    [Fact]
    public void a_refusal_by_a_reachable_database_or_a_bug_is_not_an_outage()
    {
        ProblemExceptionHandler.IsDatabaseOutage(new PostgresException("syntax error", "ERROR", "ERROR", "42601")).ShouldBeFalse();
        ProblemExceptionHandler.ProblemFor(new NullReferenceException()).ShouldBeNull();
        ProblemExceptionHandler.ProblemFor(new PostgresException("duplicate key", "ERROR", "ERROR", "23505"))!.Status.ShouldBe(409);
    }
}
