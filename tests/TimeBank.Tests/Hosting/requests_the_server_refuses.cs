using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Shouldly;
using TimeBank.Bench;
using TimeBank.Hosting;
using Xunit.Abstractions;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Requests the HTTP server refuses before any middleware runs, sent over a real socket (the in-memory test server has no
/// request line to refuse): each answer is a problem document, and answers before it on the connection are untouched.
/// </summary>
public sealed class requests_the_server_refuses(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    [Fact]
    public async Task a_nul_in_the_path_an_overlong_request_line_or_headers_answer_a_problem_and_earlier_answers_stay_whole()
    {
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output));

        var nulInPath = Answers(await ExchangeAsync(service.Port, Get("/api/accounts/a%00b")));
        nulInPath.Count.ShouldBe(1);
        ShouldBeProblem(nulInPath[0], 400, "400 Bad Request");

        var longLine = Answers(await ExchangeAsync(service.Port, Get("/api/elders?district=" + new string('x', 9000))));
        ShouldBeProblem(longLine.Single(), 414, "414 URI Too Long").GetProperty("detail").GetString()!.ShouldContain("8192 bytes");

        var bigHeaders = Answers(await ExchangeAsync(service.Port, Get("/health/live", ("X-Padding", new string('y', 40_000)))));
        ShouldBeProblem(bigHeaders.Single(), 431, "431 Request Header Fields Too Large");

        // Two good requests and a refused one, pipelined on one connection: the good answers arrive whole and in order.
        var pipelined = Answers(await ExchangeAsync(service.Port, Get("/health/live") + Get("/api/service-types", ("X-Api-Key", Keys.Platform)) + Get("/api/accounts/%00")));
        pipelined.Count.ShouldBe(3);
        pipelined[0].Head.ShouldStartWith("HTTP/1.1 200 OK");
        pipelined[1].Head.ShouldStartWith("HTTP/1.1 200 OK");
        JsonDocument.Parse(pipelined[1].Body).RootElement.ValueKind.ShouldBe(JsonValueKind.Array);
        ShouldBeProblem(pipelined[2], 400, "400 Bad Request");

        // Keep-alive still works for requests nobody refuses.
        var kept = Answers(await ExchangeAsync(service.Port, Get("/health/live") + Get("/health/live") + Get("/health/live", ("Connection", "close"))));
        kept.Count.ShouldBe(3);
        kept.ShouldAllBe(a => a.Head.StartsWith("HTTP/1.1 200 OK"));
    }

    [Fact]
    public async Task over_tls_the_server_keeps_its_own_empty_refusal_and_the_connection_stays_readable()
    {
        var certificate = Path.Combine(Path.GetTempPath(), $"timebank-test-{Guid.NewGuid():N}.pfx");
        await File.WriteAllBytesAsync(certificate, SelfSignedCertificate());
        try
        {
            var tlsPort = ServiceProcess.FreePort();
            await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output), settings: new Dictionary<string, string>
            {
                ["Kestrel__Certificates__Default__Path"] = certificate,
                ["Kestrel__Certificates__Default__Password"] = CertificatePassword
            }, alsoListenOn: $"https://127.0.0.1:{tlsPort}");

            var good = Answers(await ExchangeOverTlsAsync(tlsPort, Get("/health/live", ("Connection", "close"))));
            good.Single().Head.ShouldStartWith("HTTP/1.1 200 OK");

            // The bytes below the TLS layer are encrypted: the refusal there is Kestrel's own, and still a whole answer.
            var refused = Answers(await ExchangeOverTlsAsync(tlsPort, Get("/api/accounts/a%00b"))).Single();
            refused.Head.ShouldStartWith("HTTP/1.1 400 Bad Request");
            refused.Body.ShouldBeEmpty();
        }
        finally
        {
            File.Delete(certificate);
        }
    }

    [Fact]
    public async Task a_body_over_the_limit_is_refused_with_a_413_problem_unread_and_one_under_it_is_read()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output), settings: new Dictionary<string, string>
        {
            ["TimeBank__MaxRequestBodyBytes"] = "65536"
        });
        using var http = new HttpClient { BaseAddress = new Uri(service.Url) };
        // A valid deposit padded with JSON whitespace: only its size differs between the two.
        Task<HttpResponseMessage> Deposit(string recordId, int padding)
        {
            var body = JsonSerializer.Serialize(new
            {
                platformRecordId = recordId, volunteerId = volunteer, elderId = elder, serviceType = "home-visit",
                startedAt = "2026-11-20T09:00:00", endedAt = "2026-11-20T10:00:00"
            });
            var request = new HttpRequestMessage(HttpMethod.Post, "/api/service-records")
            {
                Content = new StringContent(new string(' ', padding) + body, Encoding.UTF8, "application/json")
            };
            request.Headers.Add("X-Api-Key", Keys.Platform);
            return http.SendAsync(request);
        }

        var refused = await Deposit("padded", 70_000);
        ((int)refused.StatusCode).ShouldBe(413);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("status").GetInt32().ShouldBe(413);
        problem.GetProperty("detail").GetString()!.ShouldContain("65536 bytes");

        // The same record under the limit is read and credited as new: the refused one wrote nothing.
        ((int)(await Deposit("padded", 60_000)).StatusCode).ShouldBe(201);
    }

    private const string CertificatePassword = "test-only";

    private static byte[] SelfSignedCertificate()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key,
            System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var names = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, CertificatePassword);
    }

    private static async Task<byte[]> ExchangeOverTlsAsync(int port, string requests)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        await using var tls = new System.Net.Security.SslStream(client.GetStream(), false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("127.0.0.1");
        await tls.WriteAsync(Encoding.ASCII.GetBytes(requests));
        return await ReadToCloseAsync(tls);
    }

    [Theory]
    [InlineData(400, "The request could not be read.")]
    [InlineData(414, "The request line is too long.")]
    [InlineData(431, "The request headers are too large.")]
    [InlineData(408, "The request headers did not arrive in time.")]
    [InlineData(505, "The request could not be read.")]
    public void each_refusal_is_framed_as_one_whole_answer_that_closes_the_connection(int status, string title)
    {
        var parsed = Answers(ServerRefusals.Answer(ServerRefusals.ProblemFor(status, new KestrelServerOptions()))).Single();

        parsed.Status.ShouldBe(status);
        parsed.Head.ShouldContain("\r\nConnection: close");
        parsed.Head.ShouldContain("\r\nContent-Type: application/problem+json; charset=utf-8");
        var problem = JsonDocument.Parse(parsed.Body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe(Problems.Types.MalformedRequest);
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        problem.GetProperty("title").GetString().ShouldBe(title);
        problem.GetProperty("detail").GetString().ShouldNotBeNullOrWhiteSpace();
    }

    private static JsonElement ShouldBeProblem(Answer answer, int status, string statusLine)
    {
        answer.Head.ShouldStartWith("HTTP/1.1 " + statusLine);
        answer.Head.ShouldContain("\r\nContent-Type: application/problem+json");
        answer.Head.ShouldContain("\r\nConnection: close");
        var problem = JsonDocument.Parse(answer.Body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe(Problems.Types.MalformedRequest);
        problem.GetProperty("status").GetInt32().ShouldBe(status);
        return problem;
    }

    private static string Get(string target, params (string Name, string Value)[] headers) =>
        $"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n" + string.Concat(headers.Select(h => $"{h.Name}: {h.Value}\r\n")) + "\r\n";

    /// <summary>Sends the bytes and reads until the server closes the connection (every exchange here ends with a close).</summary>
    private static async Task<byte[]> ExchangeAsync(int port, string requests)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(requests));
        return await ReadToCloseAsync(stream);
    }

    private static async Task<byte[]> ReadToCloseAsync(Stream stream)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0) received.Write(buffer, 0, read);
        }
        catch (IOException)
        {
            // A reset after the last answer still leaves what arrived before it.
        }
        return received.ToArray();
    }

    /// <summary>An answer as it crossed the wire: its head (status line and headers) and its body decoded as UTF-8.</summary>
    private sealed record Answer(int Status, string Head, string Body);

    /// <summary>Splits the bytes of HTTP/1.1 answers, one after another, as the load driver frames them.</summary>
    private static List<Answer> Answers(byte[] stream)
    {
        var answers = new List<Answer>();
        var at = 0;
        while (at < stream.Length)
        {
            AnswerFraming.TryRead(stream.AsSpan(at), out var answer, out var consumed)
                .ShouldBeTrue($"an answer cut short: {Encoding.Latin1.GetString(stream, at, stream.Length - at)}");
            answers.Add(new Answer(answer.Status, Encoding.Latin1.GetString(stream, at, answer.HeadLength), Encoding.UTF8.GetString(answer.Body)));
            at += consumed;
        }
        return answers;
    }
}
