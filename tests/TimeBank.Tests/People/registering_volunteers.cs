using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.Tests.People;

public sealed class registering_volunteers(AppFixture fixture) : ApiTest(fixture)
{
    private const string Url = "/api/volunteers";

    [Fact]
    public async Task a_registered_volunteer_owns_an_empty_time_account_with_their_id()
    {
        var body = PeopleRequests.Volunteer();
        var idNumber = (string)body["idNumber"]!;

        var registered = await Host.PostAsync(Keys.Platform, Url, body, 201);

        var id = registered.GetProperty("id").GetGuid();
        registered.GetProperty("accountId").GetGuid().ShouldBe(id);
        registered.GetProperty("fullName").GetString().ShouldBe("王建国");
        registered.GetProperty("programme").GetString().ShouldBe("senior");
        registered.GetProperty("birthDate").GetString().ShouldBe($"{idNumber[6..10]}-{idNumber[10..12]}-{idNumber[12..14]}");
        registered.GetProperty("district").GetString().ShouldBe("河西区");
        registered.GetProperty("street").GetString().ShouldBe("友谊路街道");
        registered.GetProperty("community").GetString().ShouldBe("平江里社区");
        registered.GetProperty("registeredAt").GetString().ShouldNotBeNullOrEmpty();

        await using var session = Store.QuerySession();
        var account = await session.LoadAsync<Account>(id);
        account.ShouldNotBeNull();
        account.Holder.ShouldBe(AccountHolder.Volunteer);
        account.BalanceMinutes.ShouldBe(0);

        var opened = (await session.Events.FetchStreamAsync(id)).ShouldHaveSingleItem();
        opened.Data.ShouldBeOfType<AccountOpened>().AccountId.ShouldBe(id);
        opened.GetHeader("actor-role")?.ToString().ShouldBe("platform");
    }

    [Fact]
    public async Task the_platform_sees_its_own_registration_masked()
    {
        var body = PeopleRequests.Volunteer();
        var idNumber = (string)body["idNumber"]!;
        var phone = (string)body["phone"]!;

        var registered = await Host.PostAsync(Keys.Platform, Url, body, 201);

        registered.GetProperty("idNumber").GetString().ShouldBe($"{idNumber[..6]}********{idNumber[14..]}");
        registered.GetProperty("phone").GetString().ShouldBe($"{phone[..3]}****{phone[7..]}");
    }

    [Fact]
    public async Task identity_numbers_and_phones_are_not_stored_in_clear()
    {
        var body = PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(Fixture.Today().PlusYears(-15)))
            .With("programme", "youth")
            .With("guardian", new { fullName = "赵敏", phone = "13987654321" });
        var idNumber = (string)body["idNumber"]!;
        var phone = (string)body["phone"]!;

        var id = (await Host.PostAsync(Keys.Admin, Url, body, 201)).GetProperty("id").GetGuid();

        await using var session = Store.QuerySession();
        var stored = (await session.Json.FindByIdAsync<Volunteer>(id))!;
        stored.ShouldContain("王建国");
        stored.ShouldNotContain(idNumber);
        stored.ShouldNotContain(idNumber[6..14] + idNumber[14..]);
        stored.ShouldNotContain(phone);
        stored.ShouldNotContain("13987654321");

        var row = (await session.QueryAsync<string>($"select data::text from {Store.TableOf<Volunteer>()} where id = ?", id)).Single();
        row.ShouldNotContain(idNumber);
        row.ShouldNotContain(phone);
    }

    [Fact]
    public async Task a_lower_case_x_is_read_as_the_same_number()
    {
        var idNumber = IdNumberEndingInX(new LocalDate(1962, 8, 8));

        var registered = await Host.PostAsync(Keys.Admin, Url, PeopleRequests.Volunteer(idNumber.ToLowerInvariant()), 201);
        registered.GetProperty("idNumber").GetString().ShouldBe(idNumber);

        var again = await Host.PostAsync(Keys.Admin, Url, PeopleRequests.Volunteer(idNumber), 409);
        again.GetProperty("existingId").GetGuid().ShouldBe(registered.GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task a_second_registration_of_the_same_person_is_a_conflict_naming_the_first()
    {
        var idNumber = PeopleRequests.NewIdNumber(new LocalDate(1958, 11, 2));
        var first = (await Host.PostAsync(Keys.Platform, Url, PeopleRequests.Volunteer(idNumber), 201)).GetProperty("id").GetGuid();
        var before = await Fixture.CountPeopleAndAccountsAsync();

        var problem = await Host.PostAsync(Keys.OtherPlatform, Url, PeopleRequests.Volunteer(idNumber).With("fullName", "王建华"), 409);

        problem.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:duplicate-person");
        problem.GetProperty("existingId").GetGuid().ShouldBe(first);
        (await Fixture.CountPeopleAndAccountsAsync()).ShouldBe(before);
    }

    [Fact]
    public async Task of_concurrent_registrations_of_one_person_exactly_one_succeeds()
    {
        var body = PeopleRequests.Volunteer();
        using var client = Host.Server.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", Keys.Platform);

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PostAsJsonAsync(Url, body)));
        var bodies = await Task.WhenAll(responses.Select(async r => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement));

        responses.Count(r => r.StatusCode == HttpStatusCode.Created).ShouldBe(1);
        responses.Count(r => r.StatusCode == HttpStatusCode.Conflict).ShouldBe(7);
        var id = bodies.Single(b => b.TryGetProperty("accountId", out _)).GetProperty("id").GetGuid();
        bodies.Where(b => b.TryGetProperty("existingId", out _)).ShouldAllBe(b => b.GetProperty("existingId").GetGuid() == id);

        var hash = Host.Services.GetRequiredService<PersonalData>().IdNumberHash(ResidentIdNumber.TryParse((string)body["idNumber"]!, out _)!);
        await using var session = Store.QuerySession();
        (await session.Query<Volunteer>().CountAsync(v => v.IdNumberHash == hash)).ShouldBe(1);
        (await session.Events.FetchStreamAsync(id)).Count.ShouldBe(1);
    }

    [Fact]
    public async Task a_volunteer_may_also_be_registered_as_an_elder()
    {
        var idNumber = PeopleRequests.NewIdNumber(new LocalDate(1950, 1, 20));

        var asVolunteer = (await Host.PostAsync(Keys.Platform, Url, PeopleRequests.Volunteer(idNumber), 201)).GetProperty("id").GetGuid();
        var asElder = (await Host.PostAsync(Keys.Platform, "/api/elders", PeopleRequests.Elder(idNumber), 201)).GetProperty("id").GetGuid();

        asElder.ShouldNotBe(asVolunteer);
    }

    [Fact]
    public async Task volunteers_from_their_tenth_birthday_register_with_a_guardian_and_from_their_eighteenth_alone()
    {
        var today = Fixture.Today();
        var guardian = new { fullName = "孙丽", phone = "022-23456789" };

        var ten = await Host.PostAsync(Keys.Platform, Url,
            PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusYears(-10))).With("programme", "youth").With("guardian", guardian), 201);
        ten.GetProperty("guardian").GetProperty("fullName").GetString().ShouldBe("孙丽");
        ten.GetProperty("guardian").GetProperty("phone").GetString().ShouldBe("022*****6789");

        await Host.PostAsync(Keys.Platform, Url, PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusYears(-18))), 201);
    }

    [Theory]
    [InlineData("bad-checksum", "idNumber")]
    [InlineData("not-a-date", "idNumber")]
    [InlineData("born-tomorrow", "idNumber")]
    [InlineData("too-short", "idNumber")]
    [InlineData("under-ten", "idNumber")]
    [InlineData("minor-without-guardian", "guardian")]
    [InlineData("guardian-with-bad-phone", "guardian.phone")]
    [InlineData("unknown-programme", "programme")]
    [InlineData("missing-programme", "programme")]
    [InlineData("bad-phone", "phone")]
    [InlineData("phone-with-letter", "phone")]
    [InlineData("name-too-long", "fullName")]
    [InlineData("blank-name", "fullName")]
    [InlineData("no-district", "district")]
    [InlineData("street-too-long", "street")]
    public async Task an_invalid_registration_names_the_field_and_writes_nothing(string fault, string field)
    {
        var today = Fixture.Today();
        var body = fault switch
        {
            "bad-checksum" => PeopleRequests.Volunteer(WithWrongCheckCharacter(PeopleRequests.NewIdNumber(new LocalDate(1961, 4, 4)))),
            "not-a-date" => PeopleRequests.Volunteer(WithCheckCharacter("12010119610230123")),
            "born-tomorrow" => PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusDays(1))),
            "too-short" => PeopleRequests.Volunteer("12010119610101123"),
            "under-ten" => PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusYears(-10).PlusDays(1)))
                .With("guardian", new { fullName = "孙丽", phone = "13812345678" }),
            "minor-without-guardian" => PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusYears(-18).PlusDays(1))),
            "guardian-with-bad-phone" => PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(today.PlusYears(-12)))
                .With("guardian", new { fullName = "孙丽", phone = "12345" }),
            "unknown-programme" => PeopleRequests.Volunteer().With("programme", "寸草心"),
            "missing-programme" => PeopleRequests.Volunteer().Without("programme"),
            "bad-phone" => PeopleRequests.Volunteer().With("phone", "12812345678"),
            "phone-with-letter" => PeopleRequests.Volunteer().With("phone", "1381234567x"),
            "name-too-long" => PeopleRequests.Volunteer().With("fullName", new string('张', 51)),
            "blank-name" => PeopleRequests.Volunteer().With("fullName", "   "),
            "no-district" => PeopleRequests.Volunteer().Without("district"),
            "street-too-long" => PeopleRequests.Volunteer().With("street", new string('街', 101)),
            _ => throw new ArgumentOutOfRangeException(nameof(fault))
        };

        await Fixture.ShouldBeRefusedAsync(Url, body, field);
    }

    [Fact]
    public async Task every_invalid_field_is_named_in_one_problem()
    {
        var body = new Dictionary<string, object?>
        {
            ["fullName"] = "",
            ["idNumber"] = WithWrongCheckCharacter(WithCheckCharacter("12010119610404123")),
            ["phone"] = "call me",
            ["programme"] = "elders",
            ["district"] = "",
            ["street"] = null,
            ["community"] = new string('社', 101),
            ["guardian"] = new { fullName = "", phone = "" }
        };

        await Fixture.ShouldBeRefusedAsync(Url, body,
            "fullName", "idNumber", "phone", "programme", "district", "street", "community", "guardian.fullName", "guardian.phone");
    }

    [Fact]
    public async Task only_writers_register_volunteers()
    {
        await Host.PostAsync(Keys.Kiosk, Url, PeopleRequests.Volunteer(), 403);
        await Host.PostAsync(Keys.Auditor, Url, PeopleRequests.Volunteer(), 403);
        await Host.Scenario(s =>
        {
            s.Post.Json(PeopleRequests.Volunteer()).ToUrl(Url);
            s.StatusCodeShouldBe(401);
        });
    }

    internal static string WithCheckCharacter(string first17) => first17 + TestPeople.CheckCharacter(first17);

    internal static string WithWrongCheckCharacter(string idNumber)
    {
        var wrong = idNumber[17] == '0' ? '1' : '0';
        return idNumber[..17] + wrong;
    }

    private static string IdNumberEndingInX(LocalDate birth)
    {
        while (true)
        {
            var first17 = $"12{Random.Shared.Next(0, 10000):D4}{birth:yyyyMMdd}{Random.Shared.Next(0, 1000):D3}";
            if (TestPeople.CheckCharacter(first17) == 'X') return first17 + 'X';
        }
    }
}
