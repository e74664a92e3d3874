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
    public void anything_else_is_reported_against_its_field(string text)
    {
        var errors = new Dictionary<string, string[]>();
        Instants.Parse(text, "asOf", errors).ShouldBeNull();
        errors["asOf"].ShouldBe([Instants.Expected("asOf")]);
    }
}
