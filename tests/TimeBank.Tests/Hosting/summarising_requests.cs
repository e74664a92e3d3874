using System.Text.RegularExpressions;
using Alba;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Tests.People;

namespace TimeBank.Tests.Hosting;

/// <summary>No log line per request: the API's requests are summed per key and written as one line per key that called.</summary>
public sealed class summarising_requests(AppFixture fixture) : ApiTest(fixture)
{
    private static readonly Regex Line = new(
        @"by key (?<key>\S+) \((?<role>[^)]+)\): (?<requests>\d+), of which (?<ok>\d+) succeeded, (?<refused>\d+) refused, (?<throttled>\d+) throttled \(429\), (?<failed>\d+) failed");

    [Fact]
    public async Task a_keys_answers_are_counted_by_outcome_and_written_without_paths()
    {
        var key = await ApiKeys.IssueAsync(Host, "platform", "Summarised platform");
        var keyId = (await Host.GetAsync(key, "/api/api-keys/current")).GetProperty("id").GetString()!;
        Writer().Write();
        var logged = Fixture.Logs.Entries.Count;

        await Host.GetAsync(key, "/api/service-types");
        await Host.GetAsync(key, "/api/service-types");
        await Host.PostAsync(key, "/api/service-records", new { platformRecordId = "" }, 400);
        await Host.GetAsync(key, $"/api/accounts/{Guid.NewGuid()}", 404);
        await Host.Scenario(s =>
        {
            s.Get.Url("/api/service-types");
            s.WithRequestHeader("X-Api-Key", "not-a-key");
            s.StatusCodeShouldBe(401);
        });

        // A request is counted once the server has finished with it, which can be just after its client has the answer;
        // and the writer's own timer may take some of them first: every line since the requests counts.
        var lines = await Polling.Eventually(() =>
        {
            Writer().Write();
            return Task.FromResult(Fixture.Logs.Entries.Skip(logged).Where(e => e.Category == typeof(RequestSummary).FullName).ToList());
        }, written => Matches(written, keyId).Sum(m => int.Parse(m.Groups["requests"].Value)) >= 4 && Matches(written, RequestSummary.Anonymous).Any(),
            seconds: 10);
        var mine = Matches(lines, keyId);
        mine.ShouldAllBe(m => m.Groups["role"].Value == "platform");
        int Sum(string group) => mine.Sum(m => int.Parse(m.Groups[group].Value));
        (Sum("requests"), Sum("ok"), Sum("refused"), Sum("throttled"), Sum("failed")).ShouldBe((4, 2, 2, 0, 0));
        lines.ShouldAllBe(e => !e.Message.Contains("/api/") && !e.Message.Contains("Summarised platform"));
    }

    [Fact]
    public void counts_go_by_status_class_the_slowest_is_kept_and_taking_them_starts_afresh()
    {
        var summary = new RequestSummary();
        summary.Record("k1", "kiosk", 200, TimeSpan.FromMilliseconds(3));
        summary.Record("k1", "kiosk", 201, TimeSpan.FromMilliseconds(12.5));
        summary.Record("k1", "kiosk", 409, TimeSpan.FromMilliseconds(1));
        summary.Record("k1", "kiosk", 429, TimeSpan.FromMilliseconds(1));
        summary.Record("k1", "kiosk", 503, TimeSpan.FromMilliseconds(7));
        summary.Record("k2", "auditor", 200, TimeSpan.FromMilliseconds(2));

        var lines = summary.TakeLines();

        lines.Select(l => l.KeyId).ShouldBe(["k1", "k2"]);
        lines[0].ShouldBe(new RequestSummary.KeyLine("k1", "kiosk", 5, 2, 1, 1, 1, 12.5));
        lines[1].ShouldBe(new RequestSummary.KeyLine("k2", "auditor", 1, 1, 0, 0, 0, 2));
        summary.TakeLines().ShouldBeEmpty();
    }

    private static List<Match> Matches(IEnumerable<LogCapture.Entry> lines, string keyId) =>
        lines.Select(e => Line.Match(e.Message)).Where(m => m.Success && m.Groups["key"].Value == keyId).ToList();

    private RequestSummaryWriter Writer() => Host.Services.GetServices<IHostedService>().OfType<RequestSummaryWriter>().Single();
}
