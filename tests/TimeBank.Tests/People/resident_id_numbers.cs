using NodaTime;
using Shouldly;
using TimeBank.People;

namespace TimeBank.Tests.People;

public sealed class resident_id_numbers
{
    [Fact]
    public void the_standards_own_example_is_read_with_its_birth_date()
    {
        var idNumber = ResidentIdNumber.TryParse("11010519491231002X", out var error);

        error.ShouldBeNull();
        idNumber.ShouldNotBeNull();
        idNumber.Value.ShouldBe("11010519491231002X");
        idNumber.RegionCode.ShouldBe("110105");
        idNumber.BirthDate.ShouldBe(new LocalDate(1949, 12, 31));
    }

    [Fact]
    public void a_lower_case_x_and_surrounding_spaces_are_normalised()
    {
        ResidentIdNumber.TryParse(" 11010519491231002x ", out _)!.Value.ShouldBe("11010519491231002X");
    }

    [Fact]
    public void the_check_character_follows_gb_11643()
    {
        ResidentIdNumber.CheckCharacter("11010519491231002").ShouldBe('X');
        ResidentIdNumber.CheckCharacter("44052418800101001").ShouldBe('4');
        ResidentIdNumber.CheckCharacter("12010119600517001").ShouldBe(TestPeople.CheckCharacter("12010119600517001"));
    }

    [Theory]
    [InlineData(null, "required")]
    [InlineData("", "required")]
    [InlineData("110105194912310021", "check character")]
    [InlineData("110105194912310029", "check character")]
    [InlineData("11010519491231002", "17 digits")]
    [InlineData("1101051949123100211", "17 digits")]
    [InlineData("11010519491231002Y", "17 digits")]
    [InlineData("1101051949123I002X", "17 digits")]
    [InlineData("00010519491231002X", "region")]
    public void malformed_numbers_are_refused_with_the_reason(string? text, string reason)
    {
        ResidentIdNumber.TryParse(text, out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Theory]
    [InlineData("19610230")]
    [InlineData("19611301")]
    [InlineData("19610000")]
    [InlineData("18991231")]
    public void a_birth_date_that_is_not_a_real_date_is_refused(string birth)
    {
        var first17 = $"120101{birth}123";
        ResidentIdNumber.TryParse(first17 + TestPeople.CheckCharacter(first17), out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("birth date");
    }

    [Fact]
    public void a_leap_day_is_a_real_birth_date()
    {
        const string first17 = "12010120000229123";
        ResidentIdNumber.TryParse(first17 + TestPeople.CheckCharacter(first17), out _)!.BirthDate.ShouldBe(new LocalDate(2000, 2, 29));
    }

    [Theory]
    [InlineData("2016-11-24", 10)]
    [InlineData("2016-11-25", 9)]
    [InlineData("2008-11-24", 18)]
    [InlineData("2008-11-25", 17)]
    public void age_counts_whole_years_to_today(string birth, int age)
    {
        var date = NodaTime.Text.LocalDatePattern.Iso.Parse(birth).Value;
        var idNumber = ResidentIdNumber.TryParse(WithCheck($"120101{date:yyyyMMdd}001"), out _)!;
        idNumber.AgeOn(new LocalDate(2026, 11, 24)).ShouldBe(age);
    }

    [Fact]
    public void printing_a_number_masks_it()
    {
        ResidentIdNumber.TryParse("11010519491231002X", out _)!.ToString().ShouldBe("110105********002X");
    }

    private static string WithCheck(string first17) => first17 + TestPeople.CheckCharacter(first17);
}
