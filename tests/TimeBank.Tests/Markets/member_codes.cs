using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Markets.LookingUpMembers;
using TimeBank.People;
using TimeBank.People.GettingDetails;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Markets;

public sealed class member_codes(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public void new_codes_are_eight_characters_of_the_alphabet_and_read_back()
    {
        for (var i = 0; i < 1000; i++)
        {
            var code = MemberCodes.New();
            code.Length.ShouldBe(8);
            code.ShouldAllBe(c => MemberCodes.Alphabet.Contains(c));
            MemberCodes.Read(code).Code.ShouldBe(code);
        }
        MemberCodes.Alphabet.ShouldNotContain('0');
        MemberCodes.Alphabet.ShouldNotContain('O');
        MemberCodes.Alphabet.ShouldNotContain('1');
        MemberCodes.Alphabet.ShouldNotContain('I');
        MemberCodes.Alphabet.ShouldNotContain('L');
    }

    [Fact]
    public void every_single_mistyped_character_and_every_swap_is_caught()
    {
        for (var n = 0; n < 200; n++)
        {
            var code = MemberCodes.New();
            for (var position = 0; position < code.Length; position++)
            {
                foreach (var other in MemberCodes.Alphabet.Where(c => c != code[position]))
                {
                    var typo = code[..position] + other + code[(position + 1)..];
                    MemberCodes.Read(typo).IsValid.ShouldBeFalse(typo);
                }
                for (var second = position + 1; second < code.Length; second++)
                {
                    if (code[position] == code[second]) continue;
                    var swapped = code.ToCharArray();
                    (swapped[position], swapped[second]) = (swapped[second], swapped[position]);
                    MemberCodes.Read(new string(swapped)).IsValid.ShouldBeFalse(new string(swapped));
                }
            }
        }
    }

    [Fact]
    public void reading_forgives_case_spaces_and_hyphens_and_says_what_is_wrong()
    {
        var code = MemberCodes.New();
        MemberCodes.Read($" {code[..4].ToLowerInvariant()}-{code[4..]} ").Code.ShouldBe(code);
        MemberCodes.Read("ABC").Problem!.ShouldContain("8 characters");
        MemberCodes.Read("AB0DEFGH").Problem!.ShouldContain("'0' at position 3");
        var wrongCheck = code[..7] + MemberCodes.Alphabet.First(c => c != code[7]);
        MemberCodes.Read(wrongCheck).Problem!.ShouldContain("check character");
    }

    [Fact]
    public void names_are_masked_for_the_counter()
    {
        Masking.Name("张晓明").ShouldBe("张*明");
        Masking.Name("张明").ShouldBe("张*");
        Masking.Name("欧阳晓明").ShouldBe("欧**明");
        Masking.Name("李").ShouldBe("*");
    }

    [Fact]
    public async Task registration_issues_a_card_and_kiosks_look_members_up_by_it()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(90);
        var code = await Fixture.MemberCodeOf(volunteer);
        code.ShouldNotBeNull();
        (await Host.GetAsync<ElderView>(Keys.Auditor, $"/api/elders/{elder}")).MemberCode!.Length.ShouldBe(8);

        var member = await Host.GetAsync<KioskMember>(Keys.Kiosk, $"/api/kiosk/members/{code.ToLowerInvariant()}");
        member.ShouldBe(new KioskMember(volunteer, code, "张*明", 15, 90));
        (await Host.GetAsync<KioskMember>(Keys.Admin, $"/api/kiosk/members/{code[..4]}-{code[4..]}")).PersonId.ShouldBe(volunteer);

        await Host.GetAsync<object>(Keys.Platform, $"/api/kiosk/members/{code}", 403);
        await Host.GetAsync<object>(Keys.Auditor, $"/api/kiosk/members/{code}", 403);
    }

    [Fact]
    public async Task a_mistyped_code_is_a_404_that_names_the_check_character_and_an_unknown_one_is_not_found()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var code = await Fixture.MemberCodeOf(volunteer);
        var typo = code[..2] + MemberCodes.Alphabet.First(c => c != code[2]) + code[3..];

        var mistyped = await Host.SendAsync(Keys.Kiosk, "GET", $"/api/kiosk/members/{typo}");
        mistyped.Status().ShouldBe(404);
        (await mistyped.Problem("urn:timebank:problem:mistyped-member-code")).GetProperty("detail").GetString()!.ShouldContain("check character");

        var badLetters = await Host.SendAsync(Keys.Kiosk, "GET", "/api/kiosk/members/OOOOOOOO");
        badLetters.Status().ShouldBe(404);
        await badLetters.Problem("urn:timebank:problem:mistyped-member-code");

        string unknown;
        do unknown = MemberCodes.New(); while (unknown == code);
        var missing = await Host.SendAsync(Keys.Kiosk, "GET", $"/api/kiosk/members/{unknown}");
        missing.Status().ShouldBe(404);
        await missing.Problem("urn:timebank:problem:not-found");
    }

    [Fact]
    public async Task people_registered_before_member_codes_get_a_card_at_start_up()
    {
        var id = Guid.CreateVersion7();
        var personalData = Host.Services.GetRequiredService<PersonalData>();
        var idNumber = ResidentIdNumber.TryParse(TestPeople.IdNumber(TestPeople.SomeBirthDate(1950, 1965)), out _)!;
        await using (var session = Store.LightweightSession())
        {
            session.Insert(new Volunteer(id, personalData.IdNumberHash(idNumber)) { FullName = "王建国", RegisteredAt = Fixture.Clock.GetCurrentInstant() });
            session.Events.StartStream<Account>(id, new AccountOpened(id, AccountHolder.Volunteer, Fixture.Clock.GetCurrentInstant()));
            await session.SaveChangesAsync();
        }

        await Host.Services.GetRequiredService<MemberCardBackfill>().IssueMissingAsync(CancellationToken.None);

        await using var query = Store.QuerySession();
        var code = await MemberDirectory.CodeOfAsync(query, id, CancellationToken.None);
        code.ShouldNotBeNull();
        (await Host.GetAsync<KioskMember>(Keys.Kiosk, $"/api/kiosk/members/{code}")).DisplayName.ShouldBe("王*国");
        (await query.Query<MemberCard>().CountAsync(c => c.PersonId == id)).ShouldBe(1);

        await Host.Services.GetRequiredService<MemberCardBackfill>().IssueMissingAsync(CancellationToken.None);
        (await query.Query<MemberCard>().CountAsync(c => c.PersonId == id)).ShouldBe(1);
    }
}
