using System.Text.Json;
using TimeBank.Hosting;
using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.People.Granting;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.ServiceRecords.Rating;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.ServiceRecords;

/// <summary>Services rated (服务评价) once per record and kind of rater; a volunteer's rating sums them up.</summary>
public sealed class rating_services(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<(Guid Record, Guid Volunteer)> Credited(LocalDateTime? at = null)
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        var created = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, at ?? Fixture.LocalNow().Date.PlusDays(-3).At(new LocalTime(14, 0)), 60), 201);
        return ((await created.Body<ServiceRecordResult>()).Id, volunteer);
    }

    [Fact]
    public async Task each_kind_of_rater_rates_a_record_once_and_the_volunteer_shows_count_and_average()
    {
        var (record, volunteer) = await Credited();
        var second = (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, (await Host.GetAsync<ServiceRecordView>(Keys.Platform, $"/api/service-records/{record}")).ElderId,
                Fixture.LocalNow().Date.PlusDays(-4).At(new LocalTime(14, 0)), 30), 201));
        var secondRecord = (await second.Body<ServiceRecordResult>()).Id;

        var rated = await (await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 5, comment = "很耐心", ratedBy = "elder" }, 201))
            .Body<RatingView>();
        (rated.Stars, rated.RatedBy, rated.VolunteerId).ShouldBe((5, RaterKind.Elder, volunteer));
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 4, ratedBy = "family" }, 201);
        var again = await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 1, ratedBy = "elder" }, 409);
        JsonDocument.Parse(await again.ReadAsTextAsync()).RootElement.GetProperty("type").GetString().ShouldBe("urn:timebank:problem:already-rated");
        await Host.PostAsync(Keys.Admin, $"/api/service-records/{secondRecord}/rating", new { stars = 2, ratedBy = "coordinator" }, 201);

        var shown = await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{volunteer}");
        shown.GetProperty("rating").GetProperty("count").GetInt32().ShouldBe(3);
        shown.GetProperty("rating").GetProperty("average").GetDecimal().ShouldBe(3.67m);
        var fresh = await Host.RegisterVolunteerAsync(Keys.Platform);
        var none = (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{fresh}")).GetProperty("rating");
        (none.GetProperty("count").GetInt32(), none.GetProperty("average").ValueKind).ShouldBe((0, JsonValueKind.Null));
    }

    [Fact]
    public async Task a_rating_is_refused_for_bad_input_a_stranger_or_a_reversed_record_and_writes_nothing()
    {
        var (record, volunteer) = await Credited();
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { stars = 0, ratedBy = "elder" }, "stars"), (new { stars = 6, ratedBy = "elder" }, "stars"),
                     (new { stars = 3, ratedBy = "neighbour" }, "ratedBy"), (new { stars = 3, ratedBy = "elder", comment = new string('好', 501) }, "comment")
                 })
        {
            (await (await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", body, 400)).ReadAsTextAsync()).ShouldContain($"\"{field}\"");
        }
        await Host.PostAsync(Keys.OtherPlatform, $"/api/service-records/{record}/rating", new { stars = 3, ratedBy = "elder" }, 403);
        await Host.PostAsync(Keys.Auditor, $"/api/service-records/{record}/rating", new { stars = 3, ratedBy = "elder" }, 403);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{Guid.NewGuid()}/rating", new { stars = 3, ratedBy = "elder" }, 404);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/reversal", new { reason = "重复上报" }, 200);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 3, ratedBy = "elder" }, 409);
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{volunteer}")).GetProperty("rating").GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task a_rating_decided_just_after_a_reversal_committed_is_refused()
    {
        var (record, volunteer) = await Credited();
        var (race, outcome) = await RatedWhileReversed(record, afterReading: "mt_doc_servicerecord");
        await using var session = race.Session;
        await session.SaveChangesAsync();

        outcome.Refusal.ShouldBeOfType<AlreadyReversed>();
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{volunteer}")).GetProperty("rating").GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task a_reversal_racing_a_rating_waits_for_it_and_follows_it_in_the_ledger()
    {
        var (record, volunteer) = await Credited();
        var (race, outcome) = await RatedWhileReversed(record, afterReading: "mt_streams");
        await using var session = race.Session;
        race.OtherWriter.IsCompleted.ShouldBeFalse();
        await session.SaveChangesAsync();
        await race.OtherWriter;

        outcome.Refusal.ShouldBeNull();
        await using var query = Store.QuerySession();
        var rated = (await query.Events.FetchStreamAsync(RateServiceHandler.StreamIdOf(record, RaterKind.Elder))).Single();
        var reversed = (await query.Events.FetchStreamAsync(volunteer)).Single(e => e.Data is ServiceRecordReversed r && r.RecordId == record);
        rated.Sequence.ShouldBeLessThan(reversed.Sequence);
    }

    /// <summary>The record rated by its elder while a reversal of it is started right after the handler's first read of <paramref name="afterReading"/>.</summary>
    private async Task<(Race Race, Outcome Outcome)> RatedWhileReversed(Guid record, string afterReading)
    {
        var race = Race.AfterReading(Store, afterReading,
            () => Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/reversal", new { reason = "平台自查撤销" }, 200));
        var outcome = await RateServiceHandler.Handle(new RateService(record, 5, null, RaterKind.Elder), race.Session, Fixture.Clock,
            race.As(Roles.Admin), CancellationToken.None);
        return (race, outcome);
    }

    [Fact]
    public async Task ratings_of_one_volunteer_posted_at_once_all_count()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        var records = new List<Guid>();
        for (var i = 0; i < 16; i++)
        {
            var created = await Host.PostAsync(Keys.Platform, "/api/service-records",
                LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-3 - i).At(new LocalTime(14, 0)), 30), 201);
            records.Add((await created.Body<ServiceRecordResult>()).Id);
        }
        await Task.WhenAll(records.Select(r => Host.PostAsync(Keys.Platform, $"/api/service-records/{r}/rating", new { stars = 4, ratedBy = "elder" }, 201)));
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{volunteer}")).GetProperty("rating").GetProperty("count").GetInt32().ShouldBe(16);
    }

    [Fact]
    public void a_rating_is_decided_by_who_asks_and_what_the_record_is()
    {
        var now = Instant.FromUtc(2026, 11, 24, 4, 0);
        var record = new ServiceRecord { Id = Guid.NewGuid(), VolunteerId = Guid.NewGuid(), ElderId = Guid.NewGuid(), PlatformKeyId = "poster" };
        var poster = new Caller("poster", "p", Roles.Platform);
        var command = new RateService(record.Id, 4, null, RaterKind.Family);
        RateServiceHandler.Decide(command, poster, record, new PersonScope("other", false), false, now).Events
            .ShouldBe(new ServiceRated(record.Id, record.VolunteerId, record.ElderId, 4, null, RaterKind.Family, "poster", now));
        var eldersPlatform = new Caller("elders", "e", Roles.Platform);
        RateServiceHandler.Decide(command, eldersPlatform, record, new PersonScope("elders", false), false, now).Refusal.ShouldBeNull();
        RateServiceHandler.Decide(command, eldersPlatform, record, new PersonScope("other", false), false, now).Refusal.ShouldBeOfType<NotPermitted>();
        RateServiceHandler.Decide(command, poster, record, PersonScope.None, true, now).Refusal.ShouldBeOfType<AlreadyRated>();
        RateServiceHandler.Decide(command, poster, record with { Status = ServiceRecordStatus.Reversed }, PersonScope.None, false, now)
            .Refusal.ShouldBeOfType<AlreadyReversed>();
        RateServiceHandler.StreamIdOf(record.Id, RaterKind.Elder).ShouldNotBe(RateServiceHandler.StreamIdOf(record.Id, RaterKind.Family));
        RatingSummary.Of(new VolunteerRating { Count = 3, TotalStars = 11 }).Average.ShouldBe(3.67m);
    }
}
