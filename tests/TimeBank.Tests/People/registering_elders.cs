using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.Tests.People;

public sealed class registering_elders(AppFixture fixture) : ApiTest(fixture)
{
    private const string Url = "/api/elders";

    [Fact]
    public async Task a_registered_elder_owns_an_empty_time_account_with_their_id()
    {
        var body = PeopleRequests.Elder()
            .Without("phone")
            .With("categories", new[] { "disabled", "solitary", "bereaved-single-child-family" })
            .With("disabilityGrade", "severe")
            .With("emergencyContact", new { fullName = "新津社区居委会", phone = "022-27301234", relation = "community" });

        var registered = await Host.PostAsync(Keys.Platform, Url, body, 201);

        var id = registered.GetProperty("id").GetGuid();
        registered.GetProperty("accountId").GetGuid().ShouldBe(id);
        registered.GetProperty("fullName").GetString().ShouldBe("刘桂兰");
        registered.GetProperty("phone").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
        registered.GetProperty("categories").EnumerateArray().Select(c => c.GetString())
            .ShouldBe(["disabled", "solitary", "bereaved-single-child-family"]);
        registered.GetProperty("disabilityGrade").GetString().ShouldBe("severe");
        var contact = registered.GetProperty("emergencyContact");
        contact.GetProperty("relation").GetString().ShouldBe("community");
        contact.GetProperty("phone").GetString().ShouldBe("022*****1234");

        await using var session = Store.QuerySession();
        var account = await session.LoadAsync<Account>(id);
        account.ShouldNotBeNull();
        account.Holder.ShouldBe(AccountHolder.Elder);
        account.BalanceMinutes.ShouldBe(0);

        var stored = (await session.Json.FindByIdAsync<Elder>(id))!;
        stored.ShouldNotContain((string)body["idNumber"]!);
        stored.ShouldNotContain("022-27301234");
    }

    [Fact]
    public async Task a_second_registration_of_the_same_elder_is_a_conflict_naming_the_first()
    {
        var idNumber = PeopleRequests.NewIdNumber(new LocalDate(1936, 7, 1));
        var first = (await Host.PostAsync(Keys.Platform, Url, PeopleRequests.Elder(idNumber), 201)).GetProperty("id").GetGuid();
        var before = await Fixture.CountPeopleAndAccountsAsync();

        var problem = await Host.PostAsync(Keys.Admin, Url, PeopleRequests.Elder(idNumber.ToLowerInvariant()), 409);

        problem.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:duplicate-person");
        problem.GetProperty("existingId").GetGuid().ShouldBe(first);
        (await Fixture.CountPeopleAndAccountsAsync()).ShouldBe(before);
    }

    [Theory]
    [InlineData("bad-checksum", "idNumber")]
    [InlineData("no-categories", "categories")]
    [InlineData("missing-categories", "categories")]
    [InlineData("unknown-category", "categories[1]")]
    [InlineData("repeated-category", "categories")]
    [InlineData("disabled-without-grade", "disabilityGrade")]
    [InlineData("disabled-with-unknown-grade", "disabilityGrade")]
    [InlineData("grade-without-disabled", "disabilityGrade")]
    [InlineData("missing-emergency-contact", "emergencyContact")]
    [InlineData("unknown-relation", "emergencyContact.relation")]
    [InlineData("contact-without-phone", "emergencyContact.phone")]
    [InlineData("contact-without-name", "emergencyContact.fullName")]
    [InlineData("bad-phone", "phone")]
    [InlineData("no-community", "community")]
    public async Task an_invalid_registration_names_the_field_and_writes_nothing(string fault, string field)
    {
        var body = fault switch
        {
            "bad-checksum" => PeopleRequests.Elder(registering_volunteers.WithWrongCheckCharacter(PeopleRequests.NewIdNumber(new LocalDate(1940, 3, 3)))),
            "no-categories" => PeopleRequests.Elder().With("categories", Array.Empty<string>()),
            "missing-categories" => PeopleRequests.Elder().Without("categories"),
            "unknown-category" => PeopleRequests.Elder().With("categories", new[] { "empty-nest", "lonely" }),
            "repeated-category" => PeopleRequests.Elder().With("categories", new[] { "empty-nest", "left-behind", "empty-nest" }),
            "disabled-without-grade" => PeopleRequests.Elder().With("categories", new[] { "disabled" }),
            "disabled-with-unknown-grade" => PeopleRequests.Elder().With("categories", new[] { "disabled" }).With("disabilityGrade", "grade-2"),
            "grade-without-disabled" => PeopleRequests.Elder().With("disabilityGrade", "mild"),
            "missing-emergency-contact" => PeopleRequests.Elder().Without("emergencyContact"),
            "unknown-relation" => PeopleRequests.Elder().With("emergencyContact", new { fullName = "刘伟", phone = "13812345678", relation = "son" }),
            "contact-without-phone" => PeopleRequests.Elder().With("emergencyContact", new { fullName = "刘伟", relation = "child" }),
            "contact-without-name" => PeopleRequests.Elder().With("emergencyContact", new { phone = "13812345678", relation = "relative" }),
            "bad-phone" => PeopleRequests.Elder().With("phone", "+86 138"),
            "no-community" => PeopleRequests.Elder().With("community", ""),
            _ => throw new ArgumentOutOfRangeException(nameof(fault))
        };

        await Fixture.ShouldBeRefusedAsync(Url, body, field);
    }

    [Fact]
    public async Task every_invalid_field_is_named_in_one_problem()
    {
        var body = new Dictionary<string, object?>
        {
            ["fullName"] = new string('李', 51),
            ["idNumber"] = "not a number",
            ["phone"] = "0",
            ["district"] = "和平区",
            ["street"] = "",
            ["community"] = "新津社区",
            ["categories"] = new[] { "disabled", "retired" },
            ["emergencyContact"] = new { fullName = "", phone = "", relation = "" }
        };

        await Fixture.ShouldBeRefusedAsync(Url, body,
            "fullName", "idNumber", "phone", "street", "categories[1]", "disabilityGrade",
            "emergencyContact.fullName", "emergencyContact.phone", "emergencyContact.relation");
    }

    [Fact]
    public async Task only_writers_register_elders()
    {
        await Host.PostAsync(Keys.Kiosk, Url, PeopleRequests.Elder(), 403);
        await Host.Scenario(s =>
        {
            s.Post.Json(PeopleRequests.Elder()).ToUrl(Url);
            s.StatusCodeShouldBe(401);
        });
    }
}
