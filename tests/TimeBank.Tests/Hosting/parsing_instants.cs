using NodaTime;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

public sealed class parsing_instants
{
    [Theory]
    [InlineData("2026-11-24T08:30:00Z")]
    [InlineData("2026-11-24T16:30:00+08:00")]
    [InlineData("2026-11-24T08:30:00.000Z")]
    public void utc_and_offset_forms_name_the_same_instant(string text) =>
        Instants.TryParse(text).ShouldBe(Instant.FromUtc(2026, 11, 24, 8, 30));

    [Theory]
    [InlineData("2026-11-24T08:30:00")]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("-9998-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1899-12-31T23:59:59Z")]
    [InlineData("9001-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("-9998-01-01T00:00:00+14:00")]
    public void anything_else_is_reported_against_its_field(string text)
    {
        var errors = new Dictionary<string, string[]>();
        Instants.Parse(text, "asOf", errors).ShouldBeNull();
        errors["asOf"].ShouldBe([Instants.Expected("asOf")]);
    }

    [Theory]
    [InlineData("1900-01-01T00:00:00Z")]
    [InlineData("9000-12-31T23:59:59Z")]
    public void the_years_served_are_accepted_to_their_ends(string text) => Instants.TryParse(text).ShouldNotBeNull();
}
