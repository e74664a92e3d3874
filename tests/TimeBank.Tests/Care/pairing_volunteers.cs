using System.Text.Json;
using NodaTime;
using Shouldly;
using TimeBank.Care.Pairing;
using TimeBank.Care.Coverage;
using TimeBank.Hosting;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Care;

/// <summary>Pairing (结对): the programmes' conditions, nearness, at most five active pairs, ending, and the lists that show them.</summary>
public sealed class pairing_volunteers(AppFixture fixture) : ApiTest(fixture)
{
    private object Body(Guid volunteer, Guid elder, string programme = "senior", string? reason = null, object? guardianConsent = null) => new
    {
        volunteerId = volunteer, elderId = elder, programme, gridWorker = new { name = "王网格", phone = "13900001111" },
        signedOn = Fixture.ShanghaiNow().Date.PlusDays(-2).ToString("yyyy-MM-dd", null),
        startsOn = Fixture.ShanghaiNow().Date.PlusDays(-1).ToString("yyyy-MM-dd", null), reason, guardianConsent
    };

    private async Task<PairingView> Pair(object body, int status = 201) =>
        await (await Host.PostAsync(Keys.Platform, "/api/pairings", body, status, Guid.NewGuid().ToString())).Body<PairingView>();

    [Fact]
    public async Task a_senior_volunteer_is_paired_with_an_elder_nearby_and_the_pair_is_listed_on_both_sides()
    {
        var district = CareRequests.NewDistrict();
        var volunteer = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1962, 3, 1));
        var elder = await Host.RegisterElderAsync(Keys.Platform, district);
        var key = Guid.NewGuid().ToString();
        var created = await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(volunteer, elder), 201, key)).Body<PairingView>();
        (created.Nearness, created.Status, created.Programme).ShouldBe((Nearness.SameCommunity, "active", TimeBank.People.Programme.Senior));
        created.GridWorker.ShouldBe(new GridWorkerView("王网格", "139****1111"));
        (await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(volunteer, elder), 200, key)).Body<PairingView>()).Id.ShouldBe(created.Id);
        await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(volunteer, elder), 409, Guid.NewGuid().ToString()))
            .Problem(Problems.TypePrefix + "already-paired");

        (await Host.GetAsync<List<PairingView>>(Keys.Platform, $"/api/volunteers/{volunteer}/pairings")).Single().Id.ShouldBe(created.Id);
        (await Host.GetAsync<List<PairingView>>(Keys.Admin, $"/api/elders/{elder}/pairings")).Single().GridWorker.Phone.ShouldBe("13900001111");
        await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/elders/{elder}/pairings", 403);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/volunteers/{volunteer}/pairings", 403);

        // The overdue list names the paired volunteer of an elder not yet visited.
        await Fixture.WaitForCoverageAsync();
        var overdue = await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Uri.EscapeDataString(district)}");
        overdue.Items.Single().PairedVolunteers.ShouldBe([new PairedVolunteer(created.Id, volunteer, "张晓明")]);

        await Host.PostAsync(Keys.Platform, $"/api/pairings/{created.Id}/end", new { reason = "" }, 400);
        var ended = await (await Host.PostAsync(Keys.Platform, $"/api/pairings/{created.Id}/end", new { reason = "志愿者搬家" }, 200)).Body<PairingView>();
        (ended.Status, ended.EndReason).ShouldBe(("ended", "志愿者搬家"));
        await (await Host.PostAsync(Keys.Platform, $"/api/pairings/{created.Id}/end", new { reason = "again" }, 409)).Problem(Problems.TypePrefix + "already-ended");
        (await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Uri.EscapeDataString(district)}")).Items.Single().PairedVolunteers.ShouldBeEmpty();
    }

    [Fact]
    public async Task the_programmes_conditions_nearness_and_the_limit_of_five_are_refused_with_the_field_named()
    {
        var district = CareRequests.NewDistrict();
        var young = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1990, 1, 1));
        var elder = await Host.RegisterElderAsync(Keys.Platform, district);
        var problem = await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(young, elder), 422, Guid.NewGuid().ToString()))
            .Problem(Problems.TypePrefix + "not-eligible");
        problem.GetProperty("errors").TryGetProperty("programme", out _).ShouldBeTrue();

        var student = await Host.RegisterVolunteerAsync(Keys.Platform, district, Fixture.ShanghaiNow().Date.PlusYears(-15), programme: "youth");
        (await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(student, elder, "youth"), 422, Guid.NewGuid().ToString()))
            .Problem(Problems.TypePrefix + "not-eligible")).GetProperty("errors").TryGetProperty("guardianConsent", out _).ShouldBeTrue();
        (await Pair(Body(student, elder, "youth", guardianConsent: new { guardianName = "张大明", consentedOn = "2026-10-01" }))).GuardianConsent!.GuardianName
            .ShouldBe("张大明");

        var far = await Host.RegisterVolunteerAsync(Keys.Platform, CareRequests.NewDistrict(), new LocalDate(1960, 1, 1));
        (await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(far, elder), 422, Guid.NewGuid().ToString()))
            .Problem(Problems.TypePrefix + "not-eligible")).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        (await Pair(Body(far, elder, reason: "老人的老同事"))).Nearness.ShouldBe(Nearness.Farther);

        var senior = await Host.RegisterVolunteerAsync(Keys.Platform, district, new LocalDate(1958, 5, 5));
        for (var i = 0; i < 5; i++) await Pair(Body(senior, await Host.RegisterElderAsync(Keys.Platform, district)));
        await (await Host.PostAsync(Keys.Platform, "/api/pairings", Body(senior, elder), 409, Guid.NewGuid().ToString())).Problem(Problems.TypePrefix + "too-many-pairings");
        (await Host.GetAsync<List<PairingView>>(Keys.Platform, $"/api/volunteers/{senior}/pairings")).Count.ShouldBe(5);

        await Host.PostAsync(Keys.Platform, "/api/pairings", new { volunteerId = senior, programme = "everyone" }, 400, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.OtherPlatform, "/api/pairings", Body(far, elder, reason: "x"), 403, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.Platform, "/api/pairings", Body(Guid.NewGuid(), elder), 422, Guid.NewGuid().ToString());
    }
}
