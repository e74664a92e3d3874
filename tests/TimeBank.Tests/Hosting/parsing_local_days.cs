using NodaTime;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

public sealed class parsing_local_days
{
    [Theory]
    [InlineData("1900-01-01", 1900, 1, 1)]
    [InlineData("2026-11-24", 2026, 11, 24)]
    [InlineData("9000-12-31", 9000, 12, 31)]
    public void a_date_of_the_years_served_is_read(string text, int year, int month, int day)
    {
        var errors = new Dictionary<string, string[]>();
        LocalDays.Parse(text, "date", errors).ShouldBe(new LocalDate(year, month, day));
        errors.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("9999-12-31")]
    [InlineData("0001-01-01")]
    [InlineData("-9998-01-01")]
    [InlineData("1899-12-31")]
    [InlineData("9001-01-01")]
    [InlineData("2026-13-01")]
    [InlineData("24/11/2026")]
    [InlineData("")]
    public void anything_else_is_reported_against_its_field(string text)
    {
        var errors = new Dictionary<string, string[]>();
        LocalDays.Parse(text, "from", errors).ShouldBeNull();
        errors.Keys.ShouldBe(["from"]);
        errors["from"][0].ShouldStartWith("from must be a local date");
    }

    [Fact]
    public void no_value_is_no_date_and_no_error()
    {
        var errors = new Dictionary<string, string[]>();
        LocalDays.Parse(null, "to", errors).ShouldBeNull();
        errors.ShouldBeEmpty();
    }

    [Fact]
    public void the_ends_of_the_years_served_convert_in_every_zone()
    {
        foreach (var zone in new[] { "Etc/GMT+12", "Etc/GMT-14", "Asia/Shanghai" }.Select(id => DateTimeZoneProviders.Tzdb[id]))
        {
            var (start, end) = LocalDays.UnixMillis(new LocalDate(LocalDays.FirstYear, 1, 1), new LocalDate(LocalDays.LastYear, 12, 31), zone);
            end.ShouldBeGreaterThan(start);
        }
    }
}
