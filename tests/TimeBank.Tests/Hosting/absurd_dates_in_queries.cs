using Shouldly;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Dates and instants at the ends of the calendar in query strings: where a zone's offset or PostgreSQL's date range
/// would overflow, each is a 400 naming its parameter, never a 500.
/// </summary>
public sealed class absurd_dates_in_queries(AppFixture fixture) : ApiTest(fixture)
{
    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("-9998-01-01")]
    [InlineData("0001-01-01")]
    public async Task a_local_date_outside_the_years_served_is_refused_naming_its_parameter(string date)
    {
        var market = await Fixture.OpenMarketAsync();
        (string Url, string Parameter)[] queries =
        [
            ($"/api/markets/{market}/daily-summary?date={date}", "date"),
            ($"/api/service-requests?from={date}", "from"),
            ($"/api/service-requests?to={date}", "to"),
            ($"/api/audit/digests?from={date}", "from"),
            ($"/api/audit/digests?to={date}", "to")
        ];
        foreach (var (url, parameter) in queries) await ShouldBeRefusedNaming(url, parameter);
    }

    [Theory]
    [InlineData("-9998-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    public async Task an_instant_outside_the_years_served_is_refused_naming_its_parameter(string instant)
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        var value = Uri.EscapeDataString(instant);
        (string Url, string Parameter)[] queries =
        [
            ($"/api/audit/events?from={value}", "from"),
            ($"/api/audit/events?to={value}", "to"),
            ($"/api/audit/access-log?from={value}", "from"),
            ($"/api/audit/accounts/{volunteer}/replay?asOf={value}", "asOf"),
            ($"/api/accounts/{volunteer}?asOf={value}", "asOf"),
            ($"/api/ledger/trial-balance?asOf={value}", "asOf")
        ];
        foreach (var (url, parameter) in queries) await ShouldBeRefusedNaming(url, parameter);
    }

    private async Task ShouldBeRefusedNaming(string url, string parameter)
    {
        var refused = await Host.SendAsync(Keys.Admin, "GET", url);
        refused.Status().ShouldBe(400, url);
        (await refused.Problem("urn:timebank:problem:validation")).GetProperty("errors").EnumerateObject().Select(p => p.Name).ShouldBe([parameter], url);
    }

    [Fact]
    public async Task the_ends_of_the_years_served_are_answered()
    {
        var market = await Fixture.OpenMarketAsync();
        (await Host.SendAsync(Keys.Admin, "GET", $"/api/markets/{market}/daily-summary?date=9000-12-31")).Status().ShouldBe(200);
        (await Host.SendAsync(Keys.Admin, "GET", "/api/service-requests?from=1900-01-01&to=9000-12-31")).Status().ShouldBe(200);
        (await Host.SendAsync(Keys.Admin, "GET", "/api/audit/events?from=1900-01-01T00:00:00Z&to=9000-12-31T23:59:59Z")).Status().ShouldBe(200);
    }
}
