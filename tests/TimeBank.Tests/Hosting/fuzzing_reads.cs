using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using Shouldly;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Every read the API documents, each query parameter and each part of its path in turn given values at the edges of
/// what a URL can carry: never a 5xx, and every 4xx a problem document with a stable type.
/// </summary>
public sealed class fuzzing_reads(AppFixture fixture) : ApiTest(fixture)
{
    private static readonly Regex Placeholder = new("\\{[^}]+\\}");

    private static readonly string[] Nasty =
    [
        "", "%20", "%00", "a%00b", "%ZZ", "%C3%28", "%ED%A0%80", "-1", "0", "1.5", "2147483648", "-2147483649", "99999999999999999999",
        "1e400", "NaN", "true", "null", "9999-12-31", "-9998-01-01", "0001-01-01", "2026-02-30", "9999-12-31T23:59:59-14:00",
        "0001-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "00000000-0000-0000-0000-000000000000", "'%20or%201=1--", "%3Cscript%3E", "..%2F..",
        "%E9%95%BF", new('x', 4000)
    ];

    [Fact]
    public async Task no_query_or_path_value_gets_a_server_error_from_any_documented_read()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        var market = await Fixture.OpenMarketAsync();
        var reads = await DocumentedReadsAsync();
        reads.Count.ShouldBeGreaterThan(40);

        var failures = new List<string>();
        var seen = new Dictionary<int, int>();
        var urls = reads.SelectMany(read =>
        {
            var path = Fill(read.Template, volunteer, elder, market);
            var queries = read.Parameters.SelectMany(parameter => Nasty.Select(value => $"{path}?{parameter}={value}"));
            // An encoded NUL in a path never reaches an endpoint (Kestrel refuses it: requests_the_server_refuses), and the
            // in-memory server cannot carry it.
            var paths = PathParameters(read.Template).SelectMany(parameter => Nasty.Where(v => v.Length > 0 && !v.Contains("%00"))
                .Select(value => Fill(read.Template.Replace(parameter, value), volunteer, elder, market)));
            return queries.Concat(paths);
        }).ToList();
        urls.Count.ShouldBeGreaterThan(1000);

        foreach (var url in urls)
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Admin);
                s.Get.Url(url);
                s.IgnoreStatusCode();
            });
            var status = result.Status();
            seen[status] = seen.GetValueOrDefault(status) + 1;
            if (status >= 500) failures.Add($"{url} -> {status}");
            else if (status >= 400 && await ProblemDocuments.WhyNotAsync(result) is { } why) failures.Add($"{url} -> {status}: {why}");
        }

        failures.ShouldBeEmpty();
        seen.Keys.ShouldContain(200);
        seen.Keys.ShouldContain(400);
    }

    private static IEnumerable<string> PathParameters(string template) =>
        Placeholder.Matches(template).Select(m => m.Value).Distinct();

    /// <summary>The documented GET operations under /api and their query parameters, from the OpenAPI document.</summary>
    private async Task<List<(string Template, string[] Parameters)>> DocumentedReadsAsync()
    {
        var document = JsonDocument.Parse(await (await Host.Scenario(s => s.Get.Url("/swagger/v1/swagger.json"))).ReadAsTextAsync());
        var reads = new List<(string, string[])>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject().Where(p => p.Name.StartsWith("/api/", StringComparison.Ordinal)))
        {
            if (!path.Value.TryGetProperty("get", out var get)) continue;
            var parameters = get.TryGetProperty("parameters", out var all)
                ? all.EnumerateArray().Where(p => p.GetProperty("in").GetString() == "query").Select(p => p.GetProperty("name").GetString()!).ToArray()
                : [];
            reads.Add((path.Name, parameters));
        }
        return reads;
    }

    /// <summary>Real ids where a path names a person or a market, so that the read goes past its look-up.</summary>
    private static string Fill(string template, Guid volunteer, Guid elder, Guid market)
    {
        var id = template.StartsWith("/api/elders/", StringComparison.Ordinal) ? elder
            : template.StartsWith("/api/markets/", StringComparison.Ordinal) ? market
            : volunteer;
        return Placeholder.Replace(template, m => m.Value switch
        {
            "{sku}" => "RICE",
            "{marketId}" => market.ToString(),
            _ => id.ToString()
        });
    }
}
