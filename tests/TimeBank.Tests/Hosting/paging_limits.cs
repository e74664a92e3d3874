using Shouldly;
using TimeBank.Hosting;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Hosting;

/// <summary>Every list reads page and pageSize alike: the last page allowed is answered empty, one past it is a 400 naming page.</summary>
public sealed class paging_limits(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task a_page_past_the_limit_is_refused_and_the_last_one_is_empty()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        (string List, int MaxPageSize)[] lists =
        [
            ("/api/audit/access-log", TimeBank.Auditing.AccessLog.ListAccessLogEndpoint.MaxPageSize),
            ($"/api/accounts/{volunteer}/entries", TimeBank.Ledger.ListingEntries.ListEntriesEndpoint.MaxPageSize),
            ("/api/volunteers", Paging.MaxPageSize),
            ("/api/markets", Paging.MaxPageSize),
            ("/api/service-requests", Paging.MaxPageSize)
        ];
        foreach (var (list, maxPageSize) in lists)
        {
            var last = await Host.SendAsync(Keys.Admin, "GET", $"{list}?page={Paging.MaxPage}&pageSize={maxPageSize}");
            last.Status().ShouldBe(200, list);
            (await last.Json()).GetProperty("items").GetArrayLength().ShouldBe(0, list);

            foreach (var query in new[] { $"page={Paging.MaxPage + 1}", $"page={int.MaxValue}&pageSize={maxPageSize}", "page=0" })
            {
                var refused = await Host.SendAsync(Keys.Admin, "GET", $"{list}?{query}");
                refused.Status().ShouldBe(400, $"{list}?{query}");
                (await refused.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["page"]);
            }
            var tooBig = await Host.SendAsync(Keys.Admin, "GET", $"{list}?pageSize={maxPageSize + 1}");
            tooBig.Status().ShouldBe(400, list);
            (await tooBig.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe(["pageSize"]);
        }
    }
}
