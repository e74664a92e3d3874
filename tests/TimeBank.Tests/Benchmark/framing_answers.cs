using System.Text;
using Shouldly;
using TimeBank.Bench;

namespace TimeBank.Tests.Benchmark;

/// <summary>
/// Where an HTTP/1.1 answer ends, for the load driver reading answers as they arrive and for tests reading a captured
/// connection: never before the answer is whole, exactly at its end, and never by guessing.
/// </summary>
public sealed class framing_answers
{
    [Theory]
    [InlineData("HTTP/1.1 201 Created\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello", 201, "hello", false)]
    [InlineData("HTTP/1.1 200 OK\r\ncontent-length:2\r\nConnection: close\r\n\r\n{}", 200, "{}", true)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n", 200, "hello, world", false)]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\nX-Checksum: 1\r\n\r\n", 200, "0123456789", false)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n", 204, "", false)]
    [InlineData("HTTP/1.1 304 Not Modified\r\n\r\n", 304, "", false)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", 200, "x", true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 1\r\nConnection: keep-alive\r\n\r\nx", 200, "x", false)]
    public void an_answer_is_found_only_once_whole_and_ends_where_its_framing_says(string wire, int status, string body, bool close)
    {
        var answer = Encoding.UTF8.GetBytes(wire);
        var next = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8.ToArray();
        var stream = answer.Concat(next).ToArray();

        for (var cut = 0; cut < answer.Length; cut++)
        {
            AnswerFraming.TryRead(stream.AsSpan(0, cut), out _, out _).ShouldBeFalse($"whole after {cut} of {answer.Length} bytes");
        }
        AnswerFraming.TryRead(stream, out var framed, out var consumed).ShouldBeTrue();

        consumed.ShouldBe(answer.Length);
        framed.Status.ShouldBe(status);
        Encoding.UTF8.GetString(framed.Body).ShouldBe(body);
        framed.Close.ShouldBe(close);
        Encoding.UTF8.GetString(answer, 0, framed.HeadLength).ShouldBe(wire[..wire.IndexOf("\r\n\r\n", StringComparison.Ordinal)]);
    }

    [Theory]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nbody", "neither a length nor chunks")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nbody", "malformed Content-Length")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "malformed chunk size")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", "malformed chunk size")]
    [InlineData("SSH-2.0-OpenSSH\r\n\r\n", "malformed status line")]
    public void an_answer_it_cannot_frame_is_an_error_not_a_guess(string wire, string reason)
    {
        Should.Throw<IOException>(() => AnswerFraming.TryRead(Encoding.UTF8.GetBytes(wire), out _, out _)).Message.ShouldContain(reason);
    }

    [Fact]
    public void a_head_that_never_ends_is_refused_past_64_kb()
    {
        var head = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nX-Padding: " + new string('y', AnswerFraming.MaxHeadBytes));
        AnswerFraming.TryRead(head.AsSpan(0, AnswerFraming.MaxHeadBytes), out _, out _).ShouldBeFalse();
        Should.Throw<IOException>(() => AnswerFraming.TryRead(head, out _, out _)).Message.ShouldContain("64 KB");
    }
}
