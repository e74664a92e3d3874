using System.Text.Json;
using Alba;
using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;
using PeopleRequests = TimeBank.Tests.People.PeopleRequests;

namespace TimeBank.Tests.ServiceRecords;

public sealed class recording_service(AppFixture fixture) : ApiTest(fixture)
{
    private LocalDateTime Yesterday9 => Fixture.LocalNow().Date.PlusDays(-1).At(new LocalTime(9, 0));

    private async Task<(Guid Volunteer, Guid Elder)> People()
    {
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        return (volunteer, elder);
    }

    private async Task<int> RecordsOf(Guid volunteer)
    {
        await using var session = Store.QuerySession();
        return await session.Query<ServiceRecord>().CountAsync(r => r.VolunteerId == volunteer);
    }

    [Fact]
    public async Task a_service_record_credits_the_volunteer()
    {
        var (volunteer, elder) = await People();

        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 90), 201);
        var body = await result.Body<ServiceRecordResult>();
        body.Status.ShouldBe("credited");
        body.CreditedMinutes.ShouldBe(90);
        body.BalanceMinutes.ShouldBe(90);
        result.Context.Response.Headers.Location.ToString().ShouldBe($"/api/service-records/{body.Id}");

        var record = await Host.GetAsync<ServiceRecordView>(Keys.Auditor, $"/api/service-records/{body.Id}");
        record.VolunteerId.ShouldBe(volunteer);
        record.ElderId.ShouldBe(elder);
        record.Status.ShouldBe(ServiceRecordStatus.Credited);
        record.TimeZone.ShouldBe("Asia/Shanghai");
        record.StartedAt.ShouldBe(Yesterday9);

        var account = await Host.AccountAsync(Keys.Platform, volunteer);
        account.BalanceMinutes.ShouldBe(90);
        account.ServedMinutes.ShouldBe(90);
        account.AvailableMinutes.ShouldBe(90);
    }

    [Fact]
    public async Task minutes_follow_the_time_zone_across_a_daylight_saving_change()
    {
        var (volunteer, elder) = await People();
        var body = new
        {
            platformRecordId = Guid.NewGuid().ToString(),
            volunteerId = volunteer,
            elderId = elder,
            serviceType = "companionship",
            startedAt = "2026-11-01T00:30:00",
            endedAt = "2026-11-01T02:30:00",
            timeZone = "America/New_York"
        };
        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", body, 201);
        // Clocks went back at 02:00, so two local hours were three real ones.
        (await result.Body<ServiceRecordResult>()).CreditedMinutes.ShouldBe(180);
    }

    [Fact]
    public async Task the_same_record_again_returns_the_first_result_and_credits_once()
    {
        var (volunteer, elder) = await People();
        var body = LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 60);

        var first = await (await Host.PostAsync(Keys.Platform, "/api/service-records", body, 201)).Body<ServiceRecordResult>();
        var again = await (await Host.PostAsync(Keys.Platform, "/api/service-records", body, 200)).Body<ServiceRecordResult>();

        again.ShouldBe(first);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
        (await RecordsOf(volunteer)).ShouldBe(1);
    }

    [Fact]
    public async Task concurrent_retries_of_one_record_credit_once()
    {
        var (volunteer, elder) = await People();
        var body = LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 45);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Platform);
                s.Post.Json(body).ToUrl("/api/service-records");
                s.IgnoreStatusCode();
            });
            return result.Context.Response.StatusCode;
        }));

        statuses.Count(s => s == 201).ShouldBe(1);
        statuses.Count(s => s == 200).ShouldBe(7);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(45);
    }

    [Fact]
    public async Task the_same_record_id_with_another_body_is_a_conflict()
    {
        var (volunteer, elder) = await People();
        var recordId = Guid.NewGuid().ToString();
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 60, recordId), 201);

        var result = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9.PlusHours(3), 30, recordId), 409);
        await result.Problem("urn:timebank:problem:idempotency-key-reused");
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
    }

    [Fact]
    public async Task one_record_id_raced_for_different_volunteers_credits_exactly_one()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var volunteers = new List<Guid>();
        for (var i = 0; i < 8; i++) volunteers.Add(await Host.RegisterVolunteerAsync(Keys.Platform));
        var recordId = Guid.NewGuid().ToString();

        var statuses = await Task.WhenAll(volunteers.Select(async volunteer =>
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Platform);
                s.Post.Json(LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 40, recordId)).ToUrl("/api/service-records");
                s.IgnoreStatusCode();
            });
            return result.Context.Response.StatusCode;
        }));

        statuses.Count(s => s == 201).ShouldBe(1);
        statuses.Count(s => s == 409).ShouldBe(7);
        var balances = new List<int>();
        foreach (var volunteer in volunteers) balances.Add((await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes);
        balances.Sum().ShouldBe(40);
        await using var session = Store.QuerySession();
        var record = await session.Query<ServiceRecord>().SingleAsync(r => r.PlatformRecordId == recordId);
        balances[volunteers.IndexOf(record.VolunteerId)].ShouldBe(40);
    }

    [Fact]
    public async Task record_ids_are_scoped_to_the_posting_platform()
    {
        var (volunteer, elder) = await People();
        var recordId = Guid.NewGuid().ToString();
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 60, recordId), 201);
        var otherKeyId = System.Text.Json.JsonDocument.Parse(await (await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.OtherPlatform);
            s.Get.Url("/api/api-keys/current");
        })).ReadAsTextAsync()).RootElement.GetProperty("id").GetString();
        await Host.PostAsync(Keys.Platform, $"/api/people/{volunteer}/grants", new { apiKeyId = otherKeyId }, 201);
        await Host.PostAsync(Keys.OtherPlatform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9.PlusHours(2), 60, recordId), 201);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(120);
    }

    public static TheoryData<string, int, int, string> BadPeriods => new()
    {
        // name, start offset from now (minutes), length (minutes), field
        { "end before start", -120, -30, "endedAt" },
        { "zero length", -120, 0, "endedAt" },
        { "longer than 12 hours", -24 * 60, 12 * 60 + 1, "endedAt" },
        { "ends in the future", -30, 60, "endedAt" }
    };

    [Theory]
    [MemberData(nameof(BadPeriods))]
    public async Task impossible_periods_are_refused_and_nothing_is_written(string name, int startOffset, int length, string field)
    {
        var (volunteer, elder) = await People();
        var start = Fixture.LocalNow().PlusMinutes(startOffset);

        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, start, length), 400);
        var problem = await result.Problem("urn:timebank:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(name);

        (await RecordsOf(volunteer)).ShouldBe(0);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(0);
    }

    [Fact]
    public async Task malformed_records_name_each_bad_field()
    {
        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", new
        {
            platformRecordId = "",
            serviceType = "massage",
            startedAt = "2026-11-20T09:00:00",
            timeZone = "Mars/Olympus"
        }, 400);
        var errors = (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors");
        foreach (var field in new[] { "platformRecordId", "volunteerId", "elderId", "serviceType", "endedAt", "timeZone" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue(field);
        }
    }

    [Theory]
    [InlineData("9999-12-31T23:00:00", "9999-12-31T23:30:00", "Etc/GMT+12")]
    [InlineData("-9998-01-01T09:00:00", "-9998-01-01T10:00:00", "Asia/Shanghai")]
    [InlineData("0001-01-01T00:10:00", "0001-01-01T01:00:00", "Etc/GMT-14")]
    [InlineData("1850-06-01T09:00:00", "1850-06-01T10:00:00", "Asia/Shanghai")]
    public async Task services_dated_at_the_ends_of_the_calendar_are_refused_naming_the_field(string started, string ended, string zone)
    {
        var (volunteer, elder) = await People();
        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", new
        {
            platformRecordId = Guid.NewGuid().ToString(), volunteerId = volunteer, elderId = elder, serviceType = "home-visit",
            startedAt = started, endedAt = ended, timeZone = zone
        }, 400);
        (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("endedAt", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task a_service_older_than_the_back_posting_window_is_refused_naming_startedAt()
    {
        var (volunteer, elder) = await People();
        var old = Fixture.LocalNow().PlusDays(-366);
        var result = await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, old, 60), 400);
        (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("startedAt", out _).ShouldBeTrue();

        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().PlusDays(-364), 60), 201);
    }

    [Fact]
    public async Task a_service_before_the_volunteers_tenth_birthday_is_refused_and_nothing_is_credited()
    {
        var birth = PeopleRequests.Today(Fixture).PlusYears(-10).PlusDays(-100);
        var body = PeopleRequests.Volunteer(PeopleRequests.NewIdNumber(birth));
        body["guardian"] = new Dictionary<string, object?> { ["fullName"] = "王芳", ["phone"] = TestPeople.Phone() };
        var child = (await (await Host.PostAsync(Keys.Platform, "/api/volunteers", body, 201)).Json()).GetProperty("id").GetGuid();
        var elder = await Host.RegisterElderAsync(Keys.Platform);

        var before = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(child, elder, Fixture.LocalNow().PlusDays(-200), 60), 422);
        (await before.Problem("urn:timebank:problem:too-young-to-serve")).GetProperty("errors").TryGetProperty("startedAt", out _).ShouldBeTrue();
        (await Host.AccountAsync(Keys.Platform, child)).BalanceMinutes.ShouldBe(0);

        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(child, elder, Fixture.LocalNow().PlusDays(-50), 60), 201);
    }

    [Fact]
    public async Task unreadable_json_is_a_validation_problem()
    {
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Post.Text("{\"volunteerId\": ").ToUrl("/api/service-records");
            s.ConfigureHttpContext(c => c.Request.ContentType = "application/json");
            s.StatusCodeShouldBe(400);
        });
        await result.Problem("urn:timebank:problem:validation");
    }

    [Fact]
    public async Task unknown_people_are_refused()
    {
        var (volunteer, elder) = await People();

        var unknownVolunteer = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(Guid.NewGuid(), elder, Yesterday9, 30), 422);
        var errors = (await unknownVolunteer.Problem("urn:timebank:problem:unknown-reference")).GetProperty("errors");
        errors.TryGetProperty("volunteerId", out _).ShouldBeTrue();

        // An elder's id where a volunteer is expected, and the other way round.
        var swapped = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(elder, volunteer, Yesterday9, 30), 422);
        var swappedErrors = (await swapped.Problem("urn:timebank:problem:unknown-reference")).GetProperty("errors");
        swappedErrors.TryGetProperty("volunteerId", out _).ShouldBeTrue();
        swappedErrors.TryGetProperty("elderId", out _).ShouldBeTrue();

        (await RecordsOf(volunteer)).ShouldBe(0);
        (await RecordsOf(elder)).ShouldBe(0);
    }

    [Fact]
    public async Task a_volunteer_cannot_bank_serving_themself()
    {
        var idNumber = TestPeople.IdNumber(new LocalDate(1958, 3, 9));
        var asVolunteer = await Host.RegisterVolunteerAsync(Keys.Platform, idNumber);
        var asElder = await Host.RegisterElderWithIdNumberAsync(Keys.Platform, idNumber);

        var result = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(asVolunteer, asElder, Yesterday9, 30), 422);
        await result.Problem("urn:timebank:problem:self-service");
        (await RecordsOf(asVolunteer)).ShouldBe(0);
    }

    [Fact]
    public async Task overlapping_services_of_one_volunteer_are_refused()
    {
        var (volunteer, elder) = await People();
        var otherElder = await Host.RegisterElderAsync(Keys.Platform);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 120), 201);

        var result = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, otherElder, Yesterday9.PlusMinutes(60), 120), 409);
        await result.Problem("urn:timebank:problem:overlapping-service");

        // Back to back is not an overlap.
        await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, otherElder, Yesterday9.PlusMinutes(120), 30), 201);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(150);
        (await RecordsOf(volunteer)).ShouldBe(2);
    }

    [Fact]
    public async Task a_service_overlapping_the_last_minute_of_a_twelve_hour_service_is_refused()
    {
        var (volunteer, elder) = await People();
        var start = Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(6, 0));
        var longest = await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, start, 12 * 60), 201);
        var longestId = (await longest.Body<ServiceRecordResult>()).Id;

        var tail = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, start.PlusHours(12).PlusMinutes(-1), 30), 409);
        (await tail.Problem("urn:timebank:problem:overlapping-service")).GetProperty("overlappingRecordId").GetGuid().ShouldBe(longestId);

        var earlier = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, start.PlusHours(-1), 90), 409);
        await earlier.Problem("urn:timebank:problem:overlapping-service");
        (await RecordsOf(volunteer)).ShouldBe(1);
    }

    [Fact]
    public async Task kiosks_and_auditors_cannot_post_records()
    {
        var (volunteer, elder) = await People();
        foreach (var key in new[] { Keys.Kiosk, Keys.Auditor })
        {
            var result = await Host.PostAsync(key, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 30), 403);
            await result.Problem("urn:timebank:problem:forbidden");
        }
        (await RecordsOf(volunteer)).ShouldBe(0);
    }

    [Fact]
    public async Task service_types_are_listed()
    {
        var types = await Host.GetAsync<List<ServiceType>>(Keys.Kiosk, "/api/service-types");
        types.Select(t => t.Code).ShouldContain("home-visit");
        types.Select(t => t.Code).ShouldContain("meal-delivery-and-shopping");
        types.Count.ShouldBe(16);
    }

    [Fact]
    public async Task every_event_records_who_wrote_it_and_why()
    {
        var (volunteer, elder) = await People();
        var result = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.WithRequestHeader("X-Correlation-Id", "platform-batch-42");
            s.Post.Json(LedgerScenarios.ServiceBody(volunteer, elder, Yesterday9, 30)).ToUrl("/api/service-records");
            s.StatusCodeShouldBe(201);
            s.Header("X-Correlation-Id").SingleValueShouldEqual("platform-batch-42");
        });

        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(volunteer);
        var recorded = events.Single(e => e.Data is ServiceRecorded);
        recorded.CorrelationId.ShouldBe("platform-batch-42");
        recorded.CausationId.ShouldNotBeNullOrWhiteSpace();
        var platformKeyId = (await session.Query<TimeBank.Access.ApiKey>().SingleAsync(k => k.KeyHash == TimeBank.Access.ApiKey.Hash(Keys.Platform))).Id.ToString();
        recorded.Headers!["actor-key-id"].ToString().ShouldBe(platformKeyId);
        recorded.Headers["actor-role"].ToString().ShouldBe("platform");
        events.First().Data.ShouldBeOfType<AccountOpened>();
    }

    [Fact]
    public async Task a_correlation_id_is_generated_when_none_is_sent()
    {
        async Task<string> Generated() => (await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url("/api/service-types");
        })).Context.Response.Headers["X-Correlation-Id"].ToString();

        var first = await Generated();
        var second = await Generated();
        first.ShouldMatch("^[0-9a-f]{32}$");
        second.ShouldMatch("^[0-9a-f]{32}$");
        second.ShouldNotBe(first);
    }
}
