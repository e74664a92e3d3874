using System.Text.Json;
using Alba;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Organisations;
using TimeBank.ServiceRequests;
using TimeBank.ServiceRequests.Closing;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Organisations;
using Wolverine.Tracking;

namespace TimeBank.Tests.ServiceRequests;

/// <summary>A request closes once its window (and the completion leeway) is over; what was not served is the month's shortage.</summary>
public sealed class closing_service_requests(AppFixture fixture) : ApiTest(fixture)
{
    private static string Local(LocalDateTime t) => LocalDateTimePattern.ExtendedIso.Format(t);

    [Fact]
    public async Task a_request_closes_expired_partly_served_or_served_and_the_shortage_is_listed_by_community()
    {
        var organisation = (await (await Host.PostAsync(Keys.Admin, "/api/organisations", registering_organisations.Body("community"), 201))
            .Body<OrganisationView>()).Id;
        var elder = await Host.RegisterElderAsync(Keys.Platform);
        var community = $"社区{Guid.NewGuid():N}"[..12];
        var start = Fixture.LocalNow().PlusMinutes(-30);

        async Task<ServiceRequestView> Publish(int slots) => await (await Host.PostAsync(Keys.Platform, "/api/service-requests", new
        {
            requestedBy = organisation, elderId = elder, serviceType = "meal-delivery-and-shopping",
            window = new { from = Local(start), to = Local(start.PlusHours(1)) }, community, slots, description = "送餐"
        }, 201, Guid.NewGuid().ToString())).Body<ServiceRequestView>();

        ServiceRequestView nobody = null!;
        var publishing = DateTimeOffset.UtcNow;
        var tracked = await Host.ExecuteAndWaitAsync(async () => nobody = await Publish(1));
        var scheduled = tracked.Scheduled.Envelopes().Single(e => e.Message is CloseServiceRequest close && close.RequestId == nobody.Id);
        var closesAt = ((CloseServiceRequest)scheduled.Message!).ClosesAt;
        var shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
        closesAt.ShouldBe(start.PlusHours(1).InZoneLeniently(shanghai).ToInstant() + Duration.FromHours(2));
        // Wolverine's scheduler goes by the wall clock, not this suite's: due after the time this clock says is left.
        var left = (closesAt - Fixture.Clock.GetCurrentInstant()).ToTimeSpan();
        scheduled.ScheduledTime!.Value.ShouldBeInRange(publishing + left, DateTimeOffset.UtcNow + left);

        var some = await Publish(2);
        var volunteers = new[] { await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterVolunteerAsync(Keys.Platform) };
        foreach (var v in volunteers) await Host.PostAsync(Keys.Platform, $"/api/service-requests/{some.Id}/claims", new { volunteerId = v }, 201);
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{some.Id}/completions",
            new { volunteerId = volunteers[0], startedAt = Local(start), endedAt = Local(start.PlusMinutes(20)) }, 201);

        // Delivered early by this clock: nothing changes, and it is put back for the time left.
        var deliveringEarly = DateTimeOffset.UtcNow;
        var early = await Host.InvokeMessageAndWaitAsync(new CloseServiceRequest(nobody.Id, closesAt));
        early.Scheduled.Envelopes().Single(e => e.Message is CloseServiceRequest close && close.RequestId == nobody.Id)
            .ScheduledTime!.Value.ShouldBeInRange(deliveringEarly + left, DateTimeOffset.UtcNow + left);
        (await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{nobody.Id}")).Status.ShouldBe(ServiceRequestStatus.Open);

        Fixture.Clock.Advance(Duration.FromHours(3) + Duration.FromMinutes(1));
        foreach (var request in new[] { nobody, some })
        {
            await Host.InvokeMessageAndWaitAsync(new CloseServiceRequest(request.Id, closesAt));
            await Host.InvokeMessageAndWaitAsync(new CloseServiceRequest(request.Id, closesAt));
        }
        var expired = await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{nobody.Id}");
        (expired.Status, expired.Completed).ShouldBe((ServiceRequestStatus.Expired, 0));
        expired.ClosedAt.ShouldNotBeNull();
        (await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{some.Id}")).Status.ShouldBe(ServiceRequestStatus.PartlyServed);
        (await Host.GetAsync<JsonElement>(Keys.Platform, "/api/service-requests?status=partly-served")).GetProperty("items").EnumerateArray()
            .Select(i => i.GetProperty("id").GetGuid()).ShouldContain(some.Id);

        var month = YearMonthPattern.Iso.Format(new YearMonth(start.Year, start.Month));
        var unmet = await Host.GetAsync<UnmetNeeds>(Keys.Auditor, $"/api/service-requests/unmet?month={month}");
        var shortage = unmet.Communities.Single(c => c.Community == community);
        (shortage.Requests, shortage.SlotsAsked, shortage.SlotsUnmet).ShouldBe((2, 3, 2));
        shortage.Needs.Select(n => (n.RequestId, n.SlotsUnmet)).ShouldBe([(nobody.Id, 1), (some.Id, 1)], ignoreOrder: true);

        // A completion posted late still counts: the request is served after all.
        await Host.PostAsync(Keys.Platform, $"/api/service-requests/{some.Id}/completions",
            new { volunteerId = volunteers[1], startedAt = Local(start.PlusMinutes(30)), endedAt = Local(start.PlusMinutes(50)) }, 201);
        (await Host.GetAsync<ServiceRequestView>(Keys.Platform, $"/api/service-requests/{some.Id}")).Status.ShouldBe(ServiceRequestStatus.Served);
        (await Host.GetAsync<UnmetNeeds>(Keys.Platform, $"/api/service-requests/unmet?month={month}")).Communities.Single(c => c.Community == community)
            .SlotsUnmet.ShouldBe(1);

        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/service-requests/unmet?month=2026-13", 400);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/service-requests/unmet", 400);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/service-requests/unmet?month={month}", 403);
    }
}
