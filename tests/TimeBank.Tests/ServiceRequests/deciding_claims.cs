using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Organisations;
using TimeBank.People;
using TimeBank.People.Granting;
using TimeBank.ServiceRequests;
using TimeBank.ServiceRequests.Claiming;
using TimeBank.ServiceRequests.Publishing;

namespace TimeBank.Tests.ServiceRequests;

/// <summary>Publishing a need, claiming and withdrawing a slot, as pure functions of (command, state, now).</summary>
public sealed class deciding_claims
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Caller Platform = new("platform-key", "平台", Roles.Platform);
    private static readonly PersonScope Registered = new("platform-key", false);
    private static readonly Guid Volunteer = Guid.CreateVersion7();
    private static readonly Organisation Team = new Organisation { Id = Guid.CreateVersion7() };

    private static ServiceRequest Request(int slots = 2, int hoursFromNow = 2, params Guid[] claimedBy) =>
        claimedBy.Aggregate(new ServiceRequest().Apply(new ServiceRequestPublished(Guid.CreateVersion7(), Team.Id, Guid.CreateVersion7(), "home-visit",
                new LocalDateTime(2026, 11, 24, 14, 0), new LocalDateTime(2026, 11, 24, 16, 0), "Asia/Shanghai", Now.Plus(Duration.FromHours(hoursFromNow)),
                Now.Plus(Duration.FromHours(hoursFromNow + 2)), "和平区", "劝业场街道", "新津社区", slots, "x", "platform-key", Now)),
            (r, v) => r.Apply(new ServiceRequestClaimed(r.Id, v, null, "platform-key", Now)));

    private static Decision<ServiceRequestClaimed> Claim(ServiceRequest request, Guid? organisation = null, Organisation? loaded = null,
        Guid otherClaim = default, Guid credited = default, PersonScope? scope = null, Instant? now = null) =>
        ClaimServiceRequestHandler.Decide(new ClaimServiceRequest(request.Id, Volunteer, organisation), Platform, request, scope ?? Registered, loaded,
            otherClaim, credited, now ?? Now);

    [Fact]
    public void a_volunteers_claims_take_turns_under_the_same_lock_on_every_node()
    {
        // Every node computes the key itself, so it may not depend on the process (as a string's hash code does).
        ClaimTurns.KeyOf(Guid.Parse("01a247b3-90ff-76db-b324-3b1f5d120428")).ShouldBe(1078387106);
        var volunteers = Enumerable.Range(0, 1000).Select(_ => Guid.NewGuid()).ToList();
        volunteers.Select(ClaimTurns.KeyOf).Distinct().Count().ShouldBeGreaterThan(990);
    }

    [Fact]
    public void a_claim_takes_a_slot_until_none_is_free()
    {
        var request = Request(slots: 2);
        Claim(request).Events.ShouldBe(new ServiceRequestClaimed(request.Id, Volunteer, null, "platform-key", Now));
        var full = Request(2, 2, Guid.NewGuid(), Guid.NewGuid());
        full.Status.ShouldBe(ServiceRequestStatus.Full);
        Claim(full).Refusal.ShouldBe(new SlotsTaken(full.Id, 2));
    }

    [Fact]
    public void a_claim_is_refused_once_held_after_the_window_or_over_another_claim_or_service()
    {
        Claim(Request(3, 2, Volunteer)).Refusal.ShouldBeOfType<AlreadyClaimed>();
        var request = Request();
        Claim(request, now: request.EndsAt).Refusal.ShouldBe(new WindowOver(request.Id, request.EndsAt));
        Claim(request, now: request.StartsAt).Refusal.ShouldBeNull();
        var other = Guid.NewGuid();
        Claim(request, otherClaim: other).Refusal.ShouldBe(new OverlappingClaim(other));
        Claim(request, credited: other).Refusal.ShouldBe(new OverlappingService(other));
    }

    [Fact]
    public void the_volunteer_must_be_known_acted_for_and_a_member_of_the_organisation_claimed_for()
    {
        var request = Request();
        Claim(request, scope: PersonScope.None).Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["volunteerId"]);
        Claim(request, scope: new PersonScope("other-key", false)).Refusal.ShouldBeOfType<NotPermitted>();
        Claim(request, Team.Id, Team).Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["organisationId"]);
        var member = Team.Apply(new MemberJoined(Team.Id, Volunteer, MemberRole.Member, "platform-key", Now));
        Claim(request, Team.Id, member).Events.OrganisationId.ShouldBe(Team.Id);
    }

    [Fact]
    public void a_claim_is_withdrawn_only_before_the_window_starts()
    {
        var request = Request(2, 2, Volunteer);
        var withdraw = new WithdrawClaim(request.Id, Volunteer);
        WithdrawClaimHandler.Decide(withdraw, Platform, request, Registered, Now).Events.ShouldBe(new ClaimWithdrawn(request.Id, Volunteer, "platform-key", Now));
        request.Apply(new ClaimWithdrawn(request.Id, Volunteer, "platform-key", Now)).FreeSlots.ShouldBe(2);
        WithdrawClaimHandler.Decide(withdraw, Platform, request, Registered, request.StartsAt).Refusal.ShouldBeOfType<WindowStarted>();
        WithdrawClaimHandler.Decide(new WithdrawClaim(request.Id, Guid.NewGuid()), Platform, request, Registered, Now).Refusal.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public void a_window_is_published_only_ahead_and_at_most_a_month_long()
    {
        var now = Instant.FromUtc(2026, 11, 24, 4, 0); // 12:00 in Shanghai
        string? Field(LocalDateTime? from, LocalDateTime? to, string? zone = null) =>
            PublishServiceRequestEndpoint.WindowProblem(new WindowRequest(from, to, zone), now, "Asia/Shanghai")?.Field;
        var noon = new LocalDateTime(2026, 11, 24, 12, 0);
        Field(noon.PlusHours(1), noon.PlusHours(3)).ShouldBeNull();
        Field(noon.PlusHours(-1), noon.PlusHours(1)).ShouldBeNull();
        Field(noon.PlusHours(-3), noon.PlusHours(-1)).ShouldBe("window.to");
        Field(noon.PlusHours(3), noon.PlusHours(1)).ShouldBe("window.to");
        Field(noon, noon.PlusDays(32)).ShouldBe("window.to");
        Field(noon.PlusDays(400), noon.PlusDays(401)).ShouldBe("window.from");
        Field(noon, noon.PlusHours(1), "Mars/Olympus").ShouldBe("window.timeZone");
        Field(null, noon).ShouldBe("window.from");
        Field(new LocalDateTime(9999, 12, 31, 23, 0), new LocalDateTime(9999, 12, 31, 23, 30)).ShouldBe("window.from");
        Field(noon, new LocalDateTime(-9998, 1, 1, 0, 0)).ShouldBe("window.from");
        Field(new LocalDateTime(-9998, 1, 1, 0, 0), noon).ShouldBe("window.from");
        Field(new LocalDateTime(9999, 12, 31, 23, 0), noon).ShouldBe("window.from");
        PublishServiceRequestEndpoint.WindowProblem(null, now, "Asia/Shanghai")!.Value.Field.ShouldBe("window");
    }

    [Fact]
    public void a_need_is_published_for_a_known_organisation_and_an_elder_the_caller_acts_for()
    {
        var command = new PublishServiceRequest(Team.Id, Guid.NewGuid(), "home-visit", new LocalDateTime(2026, 11, 25, 9, 0),
            new LocalDateTime(2026, 11, 25, 11, 0), "Asia/Shanghai", "新津社区", 2, "x");
        var elder = new Elder(command.ElderId, "h") { RegisteredBy = "platform-key", District = "和平区", Street = "劝业场街道" };
        var id = Guid.NewGuid();
        var published = PublishServiceRequestHandler.Decide(command, id, Platform, Team, elder, false, Now).Events;
        (published.RequestId, published.District, published.StartsAt).ShouldBe((id, "和平区", Instant.FromUtc(2026, 11, 25, 1, 0)));
        PublishServiceRequestHandler.Decide(command, id, Platform, null, null, false, Now).Refusal.ShouldBeOfType<UnknownReferences>()
            .Fields.Keys.ShouldBe(["requestedBy", "elderId"], ignoreOrder: true);
        PublishServiceRequestHandler.Decide(command, id, Platform, Team, elder with { RegisteredBy = "other" }, false, Now).Refusal.ShouldBeOfType<NotPermitted>();
        PublishServiceRequestHandler.Decide(command, id, Platform, Team, elder with { RegisteredBy = "other" }, true, Now).Refusal.ShouldBeNull();
    }

    [Fact]
    public void a_completion_needs_the_claim_and_a_service_near_the_window_then_decides_as_a_deposit()
    {
        var request = Request(2, -3, Volunteer); // window from 3 h ago to 1 h ago
        var volunteer = new Volunteer(Volunteer, "v") { RegisteredBy = "platform-key", BirthDate = new LocalDate(1960, 1, 1) };
        var elder = new Elder(request.ElderId, "e");
        Decision<(TimeBank.ServiceRecords.ServiceRecorded, ServiceRequestCompleted)> Complete(LocalDateTime from, LocalDateTime to, Guid? who = null)
        {
            var command = new TimeBank.ServiceRequests.Completing.CompleteServiceRequest(request.Id, who ?? Volunteer, from, to, null);
            var deposit = TimeBank.ServiceRequests.Completing.CompleteServiceRequestHandler.DepositFor(command, request, Platform);
            return TimeBank.ServiceRequests.Completing.CompleteServiceRequestHandler.Decide(command, deposit, Platform, false, "f", request, PersonFacts.Of(volunteer), PersonFacts.Of(elder), [],
                (0, 0), new TimeBank.ServiceRecords.PointsOptions { PointsPerHour = 10 }, Now);
        }
        // The window in Shanghai: 09:00 to 11:00 on 2026-11-24 (Now is 12:00 there).
        var nine = new LocalDateTime(2026, 11, 24, 9, 0);
        var (recorded, completed) = Complete(nine, nine.PlusHours(1)).Events;
        (recorded.RequestId, recorded.Minutes, completed.ServiceRecordId).ShouldBe((request.Id, 60, recorded.RecordId));
        Complete(nine.PlusHours(-2), nine.PlusHours(-1)).Refusal.ShouldBeNull();
        Complete(nine.PlusMinutes(-121), nine).Refusal.ShouldBeOfType<OutsideWindow>();
        Complete(nine, nine.PlusHours(1), Guid.NewGuid()).Refusal.ShouldBeOfType<NotClaimed>();
    }

    [Fact]
    public void a_request_closes_once_with_the_status_its_completions_give_it()
    {
        var request = Request(2, -5, Volunteer, Guid.NewGuid());
        var closed = TimeBank.ServiceRequests.Closing.CloseServiceRequestHandler.Decide(request, Now)!;
        closed.ShouldBe(new ServiceRequestClosed(request.Id, 2, 0, Now));
        var expired = request.Apply(closed);
        expired.Status.ShouldBe(ServiceRequestStatus.Expired);
        TimeBank.ServiceRequests.Closing.CloseServiceRequestHandler.Decide(expired, Now).ShouldBeNull();
        TimeBank.ServiceRequests.Closing.CloseServiceRequestHandler.Decide(null, Now).ShouldBeNull();

        var partly = expired.Apply(new ServiceRequestCompleted(request.Id, Volunteer, Guid.NewGuid(), Now));
        partly.Status.ShouldBe(ServiceRequestStatus.PartlyServed);
        var unmet = TimeBank.ServiceRequests.Closing.ListUnmetNeedsEndpoint.Summarise("2026-11", [expired, partly]);
        (unmet.SlotsUnmet, unmet.Communities.Single().Requests).ShouldBe((3, 2));
        partly.Apply(new ServiceRequestCompleted(request.Id, request.Claims[1].VolunteerId, Guid.NewGuid(), Now)).Status.ShouldBe(ServiceRequestStatus.Served);
    }
}
