using System.Text.Json;
using Alba;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Organisations;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.ServiceRequests;
using TimeBank.ServiceRequests.Claiming;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Organisations;

namespace TimeBank.Tests.ServiceRequests;

/// <summary>Needs published by organisations, claimed slot by slot by volunteers, withdrawn before they start.</summary>
public sealed class claiming_service_requests(AppFixture fixture) : ApiTest(fixture)
{
    private static string Local(LocalDateTime t) => LocalDateTimePattern.ExtendedIso.Format(t);

    private async Task<Guid> Organisation() =>
        (await (await Host.PostAsync(Keys.Admin, "/api/organisations", registering_organisations.Body("community"), 201)).Body<OrganisationView>()).Id;

    private object Body(Guid organisation, Guid elder, LocalDateTime from, int hours = 2, int slots = 3, string community = "新津社区") => new
    {
        requestedBy = organisation,
        elderId = elder,
        serviceType = "home-visit",
        window = new { from = Local(from), to = Local(from.PlusHours(hours)) },
        community,
        slots,
        description = "陪老人去医院复查"
    };

    private async Task<ServiceRequestView> Publish(object body, string? key = null) =>
        await (await Host.PostAsync(key ?? Keys.Platform, "/api/service-requests", body, 201, Guid.NewGuid().ToString())).Body<ServiceRequestView>();

    private LocalDateTime Tomorrow(int hour) => Fixture.LocalNow().Date.PlusDays(1).At(new LocalTime(hour, 0));

    private Task<IScenarioResult> Claim(Guid request, Guid volunteer, int status, string? key = null, Guid? organisation = null) =>
        Host.PostAsync(key ?? Keys.Platform, $"/api/service-requests/{request}/claims", new { volunteerId = volunteer, organisationId = organisation }, status);

    private Task<IScenarioResult> Withdraw(Guid request, Guid volunteer, int status) => Host.Scenario(s =>
    {
        s.WithRequestHeader("X-Api-Key", Keys.Platform);
        s.Delete.Url($"/api/service-requests/{request}/claims/{volunteer}");
        s.StatusCodeShouldBe(status);
    });

    /// <summary>An organisation's two requests for one elder whose windows overlap (tomorrow 9–11 and 10–12), and a volunteer.</summary>
    private async Task<(Guid Organisation, Guid Elder, Guid Volunteer, ServiceRequestView Morning, ServiceRequestView Overlapping)> OverlappingRequests()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var morning = await Publish(Body(organisation, elder, Tomorrow(9), hours: 2));
        return (organisation, elder, volunteer, morning, await Publish(Body(organisation, elder, Tomorrow(10), hours: 2)));
    }

    private static async Task ShouldBeProblem(IScenarioResult result, string type) =>
        JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.GetProperty("type").GetString().ShouldBe($"urn:timebank:problem:{type}");

    [Fact]
    public async Task a_published_need_is_open_idempotent_on_its_key_and_readable_by_volunteer_apps()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var key = Guid.NewGuid().ToString();
        var body = Body(organisation, elder, Tomorrow(9));
        var first = await (await Host.PostAsync(Keys.Platform, "/api/service-requests", body, 201, key)).Body<ServiceRequestView>();
        first.Status.ShouldBe(ServiceRequestStatus.Open);
        (first.Slots, first.FreeSlots, first.District, first.Community).ShouldBe((3, 3, "和平区", "新津社区"));
        first.Window.ShouldBe(new WindowView(Tomorrow(9), Tomorrow(11), "Asia/Shanghai"));
        var again = await (await Host.PostAsync(Keys.Platform, "/api/service-requests", body, 200, key)).Body<ServiceRequestView>();
        again.Id.ShouldBe(first.Id);
        await Host.PostAsync(Keys.Platform, "/api/service-requests", Body(organisation, elder, Tomorrow(10)), 409, key);

        foreach (var reader in new[] { Keys.Admin, Keys.Platform, Keys.OtherPlatform, Keys.Auditor })
        {
            (await Host.GetAsync<ServiceRequestView>(reader, $"/api/service-requests/{first.Id}")).Id.ShouldBe(first.Id);
        }
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/service-requests/{first.Id}", 403);
        await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/service-requests/{Guid.NewGuid()}", 404);
    }

    [Fact]
    public async Task needs_are_listed_nearest_window_first_and_filtered()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var community = $"社区{Guid.NewGuid():N}"[..12];
        var later = await Publish(Body(organisation, elder, Tomorrow(15), community: community));
        var sooner = await Publish(Body(organisation, elder, Tomorrow(8), community: community));
        var nextWeek = await Publish(Body(organisation, elder, Tomorrow(8).PlusDays(6), slots: 1, community: community));

        async Task<Guid[]> Ids(string query) => (await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/service-requests?community={community}{query}"))
            .GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetGuid()).ToArray();
        (await Ids("")).ShouldBe([sooner.Id, later.Id, nextWeek.Id]);
        var tomorrow = LocalDatePattern.Iso.Format(Tomorrow(0).Date);
        (await Ids($"&from={tomorrow}&to={tomorrow}")).ShouldBe([sooner.Id, later.Id]);
        (await Ids("&serviceType=home-visit&status=open&district=和平区&street=劝业场街道")).Length.ShouldBe(3);
        (await Ids("&serviceType=bathing")).ShouldBeEmpty();
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/service-requests?status=closed", 400);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/service-requests?from=tomorrow", 400);
    }

    [Fact]
    public async Task a_bad_need_is_refused_naming_the_field_and_nothing_is_published()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var past = Fixture.LocalNow().PlusHours(-5);
        var problems = new Dictionary<string, object>
        {
            ["window.to"] = Body(organisation, elder, past, hours: 2),
            ["slots"] = Body(organisation, elder, Tomorrow(9), slots: 21),
            ["community"] = Body(organisation, elder, Tomorrow(9), community: " ")
        };
        foreach (var (field, body) in problems)
        {
            var text = await (await Host.PostAsync(Keys.Platform, "/api/service-requests", body, 400, Guid.NewGuid().ToString())).ReadAsTextAsync();
            text.ShouldContain($"\"{field}\"");
        }
        await Host.PostAsync(Keys.Platform, "/api/service-requests", Body(organisation, elder, Tomorrow(9)), 400);
        await ShouldBeProblem(await Host.PostAsync(Keys.Platform, "/api/service-requests", Body(Guid.NewGuid(), elder, Tomorrow(9)), 422, Guid.NewGuid().ToString()),
            "unknown-reference");
        await ShouldBeProblem(await Host.PostAsync(Keys.OtherPlatform, "/api/service-requests", Body(organisation, elder, Tomorrow(9)), 403, Guid.NewGuid().ToString()),
            "forbidden");
        await Host.PostAsync(Keys.Kiosk, "/api/service-requests", Body(organisation, elder, Tomorrow(9)), 403, Guid.NewGuid().ToString());
        await using var session = Store.QuerySession();
        (await Marten.QueryableExtensions.CountAsync(session.Query<ServiceRequest>().Where(r => r.RequestedBy == organisation))).ShouldBe(0);
    }

    [Fact]
    public async Task fifty_volunteers_claiming_three_slots_at_once_get_exactly_three()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var request = await Publish(Body(organisation, elder, Tomorrow(14), slots: 3));
        var volunteers = new List<Guid>();
        for (var i = 0; i < 50; i++) volunteers.Add(await Host.RegisterVolunteerAsync(Keys.Platform));

        var answers = await Task.WhenAll(volunteers.Select(v => Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Post.Json(new { volunteerId = v }).ToUrl($"/api/service-requests/{request.Id}/claims");
            s.IgnoreStatusCode();
        })));

        var statuses = answers.Select(a => a.Context.Response.StatusCode).ToList();
        statuses.Count(s => s == 201).ShouldBe(3);
        statuses.Count(s => s == 409).ShouldBe(47);
        foreach (var refused in answers.Where(a => a.Context.Response.StatusCode == 409)) await ShouldBeProblem(refused, "slots-taken");
        var claimed = await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{request.Id}");
        claimed.Claims.Count.ShouldBe(3);
        (claimed.Status, claimed.FreeSlots).ShouldBe((ServiceRequestStatus.Full, 0));
        claimed.Claims.Select(c => c.VolunteerId).ShouldBeSubsetOf(volunteers);
    }

    [Fact]
    public async Task a_claim_on_a_full_request_is_refused_without_waiting_for_the_volunteers_turn()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var request = await Publish(Body(organisation, elder, Tomorrow(15), slots: 1));
        var (first, late) = (await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterVolunteerAsync(Keys.Platform));
        await Claim(request.Id, first, 201);

        // The late volunteer's turn is held elsewhere (a claim of theirs committing on another node, say).
        await using var elsewhere = Store.LightweightSession();
        await ClaimTurns.TakeAsync(elsewhere, late, CancellationToken.None);
        var refusal = Claim(request.Id, late, 409);
        (await Task.WhenAny(refusal, Task.Delay(TimeSpan.FromSeconds(30)))).ShouldBe(refusal, "the refusal waited for the volunteer's turn");
        await ShouldBeProblem(await refusal, "slots-taken");
        await ShouldBeProblem(await Claim(request.Id, first, 409), "already-claimed");
    }

    [Fact]
    public async Task two_claims_of_one_volunteer_on_overlapping_requests_at_once_leave_one()
    {
        // Other requests' claims are no part of the claimed request's stream, so no version check covers them: the other
        // claim commits between this claim's reads and its commit.
        var (_, _, volunteer, morning, overlapping) = await OverlappingRequests();
        var race = new Race(Store, sql => sql.Any(s => s.Contains("claimed_by")),
            () => Host.PostAsync(Keys.Platform, $"/api/service-requests/{overlapping.Id}/claims", new { volunteerId = volunteer }, 409));
        await using var session = race.Session;

        var outcome = await ClaimServiceRequestHandler.Handle(new ClaimServiceRequest(morning.Id, volunteer, null), session, Fixture.Clock,
            race.As(Roles.Admin), CancellationToken.None);
        await session.SaveChangesAsync();
        await race.OtherWriter;

        outcome.Created.ShouldBeTrue();
        (await Host.GetAsync<ServiceRequestView>(Keys.Auditor, $"/api/service-requests/{overlapping.Id}")).Claims.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_claim_is_refused_when_already_held_or_overlapping_another_claim_or_a_credited_service()
    {
        var (organisation, elder, volunteer, morning, overlapping) = await OverlappingRequests();

        var claimed = await (await Claim(morning.Id, volunteer, 201)).Body<ServiceRequestView>();
        claimed.Claims.ShouldHaveSingleItem().VolunteerId.ShouldBe(volunteer);
        await ShouldBeProblem(await Claim(morning.Id, volunteer, 409), "already-claimed");
        var problem = await Claim(overlapping.Id, volunteer, 409);
        await ShouldBeProblem(problem, "overlapping-claim");
        (await problem.ReadAsTextAsync()).ShouldContain(morning.Id.ToString());

        // A service already credited in the window counts as well.
        var busy = await Host.RegisterVolunteerAsync(Keys.Platform);
        var today = Fixture.LocalNow().PlusHours(-3);
        var now = await Publish(Body(organisation, elder, today, hours: 6));
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(busy, elder, today.PlusHours(1), 60), 201);
        await ShouldBeProblem(await Claim(now.Id, busy, 409), "overlapping-service");

        await ShouldBeProblem(await Claim(overlapping.Id, volunteer, 403, Keys.OtherPlatform), "forbidden");
        await ShouldBeProblem(await Claim(overlapping.Id, Guid.NewGuid(), 422), "unknown-reference");
        await ShouldBeProblem(await Claim(overlapping.Id, elder, 422), "unknown-reference");
        await ShouldBeProblem(await Claim(overlapping.Id, busy, 422, organisation: organisation), "unknown-reference");
        await Claim(Guid.NewGuid(), volunteer, 404);
        (await Host.GetAsync<ServiceRequestView>(Keys.Admin, $"/api/service-requests/{overlapping.Id}")).Claims.ShouldBeEmpty();
    }

    [Fact]
    public async Task a_withdrawn_claim_no_longer_overlaps_and_the_claimants_are_indexed_on_their_own_without_a_pending_list()
    {
        var (_, _, volunteer, morning, overlapping) = await OverlappingRequests();
        var other = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Claim(morning.Id, other, 201);
        await Claim(morning.Id, volunteer, 201);
        await ShouldBeProblem(await Claim(overlapping.Id, volunteer, 409), "overlapping-claim");

        await Withdraw(morning.Id, volunteer, 200);
        await Claim(overlapping.Id, volunteer, 201);
        await ShouldBeProblem(await Claim(overlapping.Id, other, 409), "overlapping-claim");

        // The overlap check finds claims by containment in the claimants' column; nothing indexes the whole document,
        // which every claim and completion rewrites.
        var table = Store.TableOf<ServiceRequest>();
        await using var session = Store.QuerySession();
        (await session.QueryAsync<string>($"select array_to_string(claimed_by, ',') from {table} where id = ?", morning.Id)).Single()
            .ShouldBe(other.ToString());
        var indexes = await session.QueryAsync<string>("select indexdef from pg_indexes where schemaname || '.' || tablename = ?", table);
        // Without fastupdate every claim's look-up reads the index alone: a pending list of up to 4 MB, filled by the
        // rewrites of requests with many claimants, was scanned whole by each look-up and merged by whichever write filled it.
        indexes.ShouldContain(index => index.Contains("USING gin (claimed_by) WITH (fastupdate=off)"));
        indexes.ShouldNotContain(index => index.Contains("USING gin (data"));

        // The declared index is what the database holds, so a restart rebuilds nothing.
        await using var connection = Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        var schema = ((Marten.StoreOptions)Store.Options).Storage.FindFeature(typeof(ServiceRequest)).Objects;
        (await Weasel.Core.SchemaMigration.DetermineAsync(connection, CancellationToken.None, schema)).Difference
            .ShouldBe(Weasel.Core.SchemaPatchDifference.None);
    }

    [Fact]
    public async Task a_claim_on_the_longest_window_overlaps_to_its_last_day_and_not_after()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        var month = await Publish(Body(organisation, elder, Tomorrow(9), hours: 31 * 24));
        var lastDay = await Publish(Body(organisation, elder, Tomorrow(9).PlusDays(30)));
        var after = await Publish(Body(organisation, elder, Tomorrow(9).PlusDays(31)));
        await Claim(month.Id, volunteer, 201);

        var problem = await Claim(lastDay.Id, volunteer, 409);
        await ShouldBeProblem(problem, "overlapping-claim");
        (await problem.ReadAsTextAsync()).ShouldContain(month.Id.ToString());
        await Claim(after.Id, volunteer, 201);
    }

    [Fact]
    public async Task a_member_claims_for_their_organisation_and_withdraws_before_the_window_starts()
    {
        var (organisation, elder) = (await Organisation(), await Host.RegisterElderAsync(Keys.Platform));
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{organisation}/members", new { volunteerId = volunteer, role = "member" }, 200);
        var request = await Publish(Body(organisation, elder, Fixture.LocalNow().PlusHours(2), hours: 1, slots: 1));

        var claimed = await (await Claim(request.Id, volunteer, 201, organisation: organisation)).Body<ServiceRequestView>();
        claimed.Claims.ShouldHaveSingleItem().OrganisationId.ShouldBe(organisation);
        claimed.Status.ShouldBe(ServiceRequestStatus.Full);

        var freed = await (await Withdraw(request.Id, volunteer, 200)).Body<ServiceRequestView>();
        (freed.Status, freed.FreeSlots).ShouldBe((ServiceRequestStatus.Open, 1));
        await Withdraw(request.Id, volunteer, 404);

        await Claim(request.Id, volunteer, 201);
        Fixture.Clock.Advance(Duration.FromHours(2) + Duration.FromMinutes(5));
        await ShouldBeProblem(await Withdraw(request.Id, volunteer, 409), "window-started");
        Fixture.Clock.Advance(Duration.FromHours(1));
        var late = await Host.RegisterVolunteerAsync(Keys.Platform);
        await ShouldBeProblem(await Claim(request.Id, late, 409), "window-over");
    }
}
