using System.Text.Json;
using Alba;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Organisations;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.ServiceRequests;
using TimeBank.ServiceRequests.Completing;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Organisations;

namespace TimeBank.Tests.ServiceRequests;

/// <summary>A claimed need served: the completion credits the volunteer through the deposit, and every hour traces back to its request.</summary>
public sealed class completing_service_requests(AppFixture fixture) : ApiTest(fixture)
{
    private static string Local(LocalDateTime t) => LocalDateTimePattern.ExtendedIso.Format(t);

    /// <summary>A companionship request whose window runs from two hours before <paramref name="now"/> to two hours after.</summary>
    private async Task<ServiceRequestView> Published(Guid requestedBy, Guid elder, LocalDateTime now, int slots) =>
        await (await Host.PostAsync(Keys.Platform, "/api/service-requests", new
        {
            requestedBy, elderId = elder, serviceType = "companionship",
            window = new { from = Local(now.PlusHours(-2)), to = Local(now.PlusHours(2)) }, community = "新津社区", slots, description = "陪伴聊天"
        }, 201, Guid.NewGuid().ToString())).Body<ServiceRequestView>();

    /// <summary>A request of a new organisation of <paramref name="kind"/>, for a new elder, its window around now.</summary>
    private async Task<(Guid Organisation, ServiceRequestView Request, LocalDateTime Now)> Opened(int slots, string kind = "community")
    {
        var organisation = (await (await Host.PostAsync(Keys.Admin, "/api/organisations", registering_organisations.Body(kind), 201))
            .Body<OrganisationView>()).Id;
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var now = Fixture.LocalNow();
        return (organisation, await Published(organisation, elder, now, slots), now);
    }

    /// <summary>A request whose window runs from two hours ago to two hours ahead, claimed by a new volunteer.</summary>
    private async Task<(ServiceRequestView Request, Guid Volunteer, LocalDateTime Now)> Claimed()
    {
        var (_, request, now) = await Opened(slots: 2);
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/claims", new { volunteerId = volunteer }, 201);
        return (request, volunteer, now);
    }

    private static object Completion(Guid volunteer, LocalDateTime start, LocalDateTime end) =>
        new { volunteerId = volunteer, startedAt = Local(start), endedAt = Local(end), note = "聊了家常" };

    [Fact]
    public async Task a_completion_credits_the_volunteer_through_the_deposit_and_links_the_record_to_the_request()
    {
        var (request, volunteer, now) = await Claimed();
        var body = Completion(volunteer, now.PlusMinutes(-90), now.PlusMinutes(-30));
        var created = await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/completions", body, 201);
        var result = await created.Body<CompletionResult>();
        (result.RequestId, result.CreditedMinutes, result.BalanceMinutes).ShouldBe((request.Id, 60, 60));
        created.Context.Response.Headers.Location.ToString().ShouldBe($"/api/service-records/{result.ServiceRecordId}");

        var record = await Host.GetAsync<ServiceRecordView>(Keys.Platform, $"/api/service-records/{result.ServiceRecordId}");
        (record.RequestId, record.ElderId, record.ServiceType, record.CreditedMinutes).ShouldBe((request.Id, request.ElderId, "companionship", 60));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
        var entries = await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/accounts/{volunteer}/entries");
        entries.GetProperty("items")[0].GetProperty("reference").GetString().ShouldBe($"service-record:{result.ServiceRecordId}");
        (await Host.GetAsync<ServiceRequestView>(Keys.Auditor, $"/api/service-requests/{request.Id}")).Claims.ShouldHaveSingleItem()
            .ServiceRecordId.ShouldBe(result.ServiceRecordId);

        var again = await (await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/completions", body, 200)).Body<CompletionResult>();
        again.ShouldBe(result);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(60);
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/completions", Completion(volunteer, now.PlusMinutes(-80), now.PlusMinutes(-30)), 409);
    }

    [Fact]
    public async Task only_a_claim_holder_completes_near_the_window_and_by_the_deposits_rules()
    {
        var (request, volunteer, now) = await Claimed();
        var stranger = await Host.RegisterVolunteerAsync(Keys.Platform);
        async Task Refused(object body, int status, string type, string? key = null)
        {
            var text = await (await Host.PostAsync(key ?? Keys.Platform, $"/api/service-requests/{request.Id}/completions", body, status)).ReadAsTextAsync();
            JsonDocument.Parse(text).RootElement.GetProperty("type").GetString().ShouldBe($"urn:timebank:problem:{type}");
        }

        await Refused(Completion(stranger, now.PlusMinutes(-60), now.PlusMinutes(-30)), 409, "not-claimed");
        await Refused(Completion(volunteer, now.PlusHours(-5), now.PlusHours(-4)), 422, "outside-window");
        await Refused(Completion(volunteer, now.PlusMinutes(-60), now.PlusMinutes(-30)), 403, "forbidden", Keys.OtherPlatform);
        await Host.PostAsync(Keys.Platform, "/api/service-records", LedgerScenarios.ServiceBody(volunteer, request.ElderId, now.PlusMinutes(-70), 30), 201);
        await Refused(Completion(volunteer, now.PlusMinutes(-60), now.PlusMinutes(-30)), 409, "overlapping-service");
        await Refused(Completion(volunteer, now.PlusMinutes(-30), now.PlusMinutes(30)), 400, "validation");
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{Guid.NewGuid()}/completions", Completion(volunteer, now.PlusMinutes(-20), now.PlusMinutes(-10)), 404);

        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(30);
        (await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{request.Id}")).Claims.Single().ServiceRecordId.ShouldBeNull();
    }

    [Fact]
    public async Task a_rating_of_a_service_claimed_for_an_organisation_counts_for_the_organisation_and_the_volunteer()
    {
        var (team, request, now) = await Opened(slots: 1, kind: "volunteer-team");
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
        await Host.PostAsync(Keys.Platform, $"/api/organisations/{team}/members", new { volunteerId = volunteer, role = "member" }, 200);
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/claims", new { volunteerId = volunteer, organisationId = team }, 201);
        var completed = await (await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/completions",
            Completion(volunteer, now.PlusMinutes(-60), now.PlusMinutes(-20)), 201)).Body<CompletionResult>();

        await Host.PostAsync(Keys.Platform, $"/api/service-records/{completed.ServiceRecordId}/rating", new { stars = 4, ratedBy = "elder" }, 201);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{completed.ServiceRecordId}/rating", new { stars = 5, ratedBy = "coordinator" }, 201);
        var organisation = await Host.GetAsync<OrganisationView>(Keys.Auditor, $"/api/organisations/{team}");
        (organisation.Rating.Count, organisation.Rating.Average).ShouldBe((2, 4.5m));
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/volunteers/{volunteer}")).GetProperty("rating").GetProperty("average").GetDecimal().ShouldBe(4.5m);
    }

    [Fact]
    public async Task ratings_of_services_claimed_for_one_organisation_posted_at_once_all_count()
    {
        var (team, request, now) = await Opened(slots: 3, kind: "volunteer-team");
        var records = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform);
            await Host.PostAsync(Keys.Platform, $"/api/organisations/{team}/members", new { volunteerId = volunteer, role = "member" }, 200);
            await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/claims", new { volunteerId = volunteer, organisationId = team }, 201);
            records.Add((await (await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/completions",
                Completion(volunteer, now.PlusMinutes(-60), now.PlusMinutes(-20)), 201)).Body<CompletionResult>()).ServiceRecordId);
        }

        await Task.WhenAll(records.SelectMany(record => new[] { "elder", "family", "coordinator" }.Select(kind =>
            Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 4, ratedBy = kind }, 201))));

        (await Host.GetAsync<OrganisationView>(Keys.Auditor, $"/api/organisations/{team}")).Rating.Count.ShouldBe(9);
    }

    [Fact]
    public async Task a_group_activitys_completions_posted_at_once_and_again_credit_each_volunteer_once()
    {
        var (_, request, now) = await Opened(slots: 12);
        var volunteers = new List<Guid>();
        for (var i = 0; i < 12; i++)
        {
            volunteers.Add(await Host.RegisterVolunteerAsync(Keys.Platform));
            await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/claims", new { volunteerId = volunteers[i] }, 201);
        }

        // Every completion twice, all at once: a platform retrying while its first attempts are still in flight.
        var answers = await Task.WhenAll(volunteers.Concat(volunteers).Select(async volunteer =>
        {
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Platform);
                s.Post.Json(Completion(volunteer, now.PlusMinutes(-60), now.PlusMinutes(-20))).ToUrl($"/api/service-requests/{request.Id}/completions");
                s.IgnoreStatusCode();
            });
            return (Volunteer: volunteer, Status: result.Context.Response.StatusCode, Result: await result.ReadAsJsonAsync<CompletionResult>());
        }));

        answers.Count(a => a.Status == 201).ShouldBe(12);
        answers.Count(a => a.Status == 200).ShouldBe(12);
        foreach (var pair in answers.GroupBy(a => a.Volunteer)) pair.Select(a => a.Result).Distinct().ShouldHaveSingleItem();
        foreach (var volunteer in volunteers) (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(40);
        var completed = await Host.GetAsync<ServiceRequestView>(Keys.Auditor, $"/api/service-requests/{request.Id}");
        completed.Completed.ShouldBe(12);
        completed.Claims.Select(c => (c.VolunteerId, c.ServiceRecordId)).ShouldBe(
            answers.Where(a => a.Status == 201).Select(a => (a.Volunteer, (Guid?)a.Result.ServiceRecordId)), ignoreOrder: true);
    }

    [Fact]
    public async Task each_completion_of_a_batch_is_answered_on_its_own()
    {
        var (_, request, now) = await Opened(slots: 3);
        var (first, second, third, stranger) = (await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterVolunteerAsync(Keys.Platform),
            await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterVolunteerAsync(Keys.Platform));
        foreach (var volunteer in new[] { first, second, third })
            await Host.PostAsync(Keys.Platform, $"/api/service-requests/{request.Id}/claims", new { volunteerId = volunteer }, 201);
        var thirdsDeposit = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(third, request.ElderId, now.PlusMinutes(-70), 30), 201)).Body<ServiceRecordResult>();

        var outcomes = (await Host.CommitAsync<CompletedServiceRequests>(new CompleteServiceRequests([
            Pending(request.Id, first, now.PlusMinutes(-60), now.PlusMinutes(-20)),
            Pending(request.Id, second, now.PlusMinutes(-60), now.PlusMinutes(-30)),
            Pending(request.Id, second, now.PlusMinutes(-60), now.PlusMinutes(-30)),
            Pending(request.Id, stranger, now.PlusMinutes(-60), now.PlusMinutes(-20)),
            Pending(Guid.NewGuid(), first, now.PlusMinutes(-60), now.PlusMinutes(-20)),
            Pending(request.Id, third, now.PlusMinutes(-60), now.PlusMinutes(-20))]))).Outcomes;

        outcomes[0].Created.ShouldBeTrue();
        outcomes[1].Created.ShouldBeTrue();
        (outcomes[2].Created, outcomes[2].Refusal, outcomes[2].Value).ShouldBe((false, null, outcomes[1].Value));
        outcomes[3].Refusal.ShouldBe(new NotClaimed(request.Id, stranger));
        outcomes[4].Refusal.ShouldBeOfType<NotFound>();
        outcomes[5].Refusal.ShouldBe(new OverlappingService(thirdsDeposit.Id));
        (await Host.AccountAsync(Keys.Platform, first)).BalanceMinutes.ShouldBe(40);
        (await Host.AccountAsync(Keys.Platform, second)).BalanceMinutes.ShouldBe(30);
        (await Host.AccountAsync(Keys.Platform, third)).BalanceMinutes.ShouldBe(30);
        var claims = (await Host.GetAsync<ServiceRequestView>(Keys.Auditor, $"/api/service-requests/{request.Id}")).Claims.ToDictionary(c => c.VolunteerId);
        claims[first].ServiceRecordId.ShouldBe(outcomes[0].As<CompletionResult>().ServiceRecordId);
        claims[second].ServiceRecordId.ShouldBe(outcomes[1].As<CompletionResult>().ServiceRecordId);
        claims[third].ServiceRecordId.ShouldBeNull();
    }

    private static PendingCompletion Pending(Guid request, Guid volunteer, LocalDateTime start, LocalDateTime end) =>
        new(new CompleteServiceRequest(request, volunteer, start, end, null), GroupCommits.SystemStamp());
}
