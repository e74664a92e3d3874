using NodaTime;
using Shouldly;

namespace TimeBank.Tests.People;

public sealed class reading_people(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task admin_sees_identity_numbers_and_phones_in_full_and_other_readers_masked()
    {
        var body = PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(Fixture.Today().PlusYears(-16)))
            .With("phone", "13812345678")
            .With("programme", "youth")
            .With("guardian", new { fullName = "周敏", phone = "15900001111" });
        var idNumber = (string)body["idNumber"]!;
        var id = (await Host.PostAsync(Keys.Platform, "/api/volunteers", body, 201)).GetProperty("id").GetGuid();

        var full = await Host.GetAsync(Keys.Admin, $"/api/volunteers/{id}");
        full.GetProperty("idNumber").GetString().ShouldBe(idNumber);
        full.GetProperty("phone").GetString().ShouldBe("13812345678");
        full.GetProperty("guardian").GetProperty("phone").GetString().ShouldBe("15900001111");
        full.GetProperty("age").GetInt32().ShouldBe(16);
        full.GetProperty("accountId").GetGuid().ShouldBe(id);

        foreach (var key in new[] { Keys.Platform, Keys.Auditor })
        {
            var masked = await Host.GetAsync(key, $"/api/volunteers/{id}");
            masked.GetProperty("idNumber").GetString().ShouldBe($"{idNumber[..6]}********{idNumber[14..]}");
            masked.GetProperty("phone").GetString().ShouldBe("138****5678");
            masked.GetProperty("guardian").GetProperty("phone").GetString().ShouldBe("159****1111");
            masked.GetProperty("guardian").GetProperty("fullName").GetString().ShouldBe("周敏");
            masked.GetProperty("birthDate").GetString().ShouldBe(full.GetProperty("birthDate").GetString());
        }
    }

    [Fact]
    public async Task an_elders_numbers_are_masked_for_every_role_but_admin()
    {
        var body = PeopleRequests.Elder()
            .With("phone", "022-58301234")
            .With("emergencyContact", new { fullName = "刘伟", phone = "13700002222", relation = "child" });
        var idNumber = (string)body["idNumber"]!;
        var id = (await Host.PostAsync(Keys.Platform, "/api/elders", body, 201)).GetProperty("id").GetGuid();

        var full = await Host.GetAsync(Keys.Admin, $"/api/elders/{id}");
        full.GetProperty("idNumber").GetString().ShouldBe(idNumber);
        full.GetProperty("phone").GetString().ShouldBe("022-58301234");
        full.GetProperty("emergencyContact").GetProperty("phone").GetString().ShouldBe("13700002222");

        foreach (var key in new[] { Keys.Platform, Keys.Auditor })
        {
            var masked = await Host.GetAsync(key, $"/api/elders/{id}");
            masked.GetProperty("idNumber").GetString().ShouldBe($"{idNumber[..6]}********{idNumber[14..]}");
            masked.GetProperty("phone").GetString().ShouldBe("022*****1234");
            masked.GetProperty("emergencyContact").GetProperty("phone").GetString().ShouldBe("137****2222");
            masked.GetProperty("emergencyContact").GetProperty("relation").GetString().ShouldBe("child");
            masked.GetProperty("categories").EnumerateArray().Single().GetString().ShouldBe("living-alone");
        }
    }

    [Theory]
    [InlineData("/api/volunteers/{0}")]
    [InlineData("/api/elders/{0}")]
    public async Task an_unknown_person_is_a_404_problem(string url)
    {
        var problem = await Host.GetAsync(Keys.Platform, string.Format(url, Guid.CreateVersion7()), 404);
        problem.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:not-found");
    }

    [Theory]
    [InlineData("/api/volunteers/not-an-id")]
    [InlineData("/api/elders/12345")]
    public async Task a_malformed_id_is_not_found(string url)
    {
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url(url);
            s.StatusCodeShouldBe(404);
        });
    }

    [Fact]
    public async Task a_volunteer_is_not_found_as_an_elder()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Host.GetAsync(Keys.Platform, $"/api/elders/{volunteer}", 404);
    }

    [Fact]
    public async Task kiosks_may_not_read_people_and_anonymous_callers_are_turned_away()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);

        await Host.GetAsync(Keys.Kiosk, $"/api/volunteers/{volunteer}", 403);
        await Host.GetAsync(Keys.Kiosk, $"/api/elders/{elder}", 403);
        await Host.Scenario(s =>
        {
            s.Get.Url($"/api/volunteers/{volunteer}");
            s.StatusCodeShouldBe(401);
        });
    }
}
