using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Care;
using TimeBank.Care.Alerts;
using TimeBank.Care.Coverage;
using TimeBank.Care.Files;
using TimeBank.Care.Pairing;
using TimeBank.Care.Visits;
using TimeBank.People;

namespace TimeBank.Tests.Care;

/// <summary>The pure rules of visit care: contact order, frequency, heightened periods, alerts, pairing and who may act.</summary>
public sealed class deciding_care
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Caller Platform = new("platform-key", "", Roles.Platform);
    private static readonly Caller CareWorker = new("care-key", "", Roles.CareWorker) { Districts = ["和平区"] };

    [Theory]
    [InlineData(new[] { ContactRelation.Child }, null)]
    [InlineData(new[] { ContactRelation.Child, ContactRelation.Child, ContactRelation.Relative, ContactRelation.Community, ContactRelation.Other }, null)]
    [InlineData(new[] { ContactRelation.Relative, ContactRelation.Community }, null)]
    [InlineData(new[] { ContactRelation.Community, ContactRelation.Other }, null)]
    [InlineData(new[] { ContactRelation.Relative, ContactRelation.Child }, 1)]
    [InlineData(new[] { ContactRelation.Community, ContactRelation.Relative }, 1)]
    [InlineData(new[] { ContactRelation.Child, ContactRelation.Other, ContactRelation.Community }, 2)]
    [InlineData(new[] { ContactRelation.Other }, 0)]
    [InlineData(new ContactRelation[0], 0)]
    public void contacts_go_children_then_relatives_then_the_community(ContactRelation[] relations, int? outOfOrderAt)
    {
        int? index = CareFileRules.ContactOrder(relations)?.Index;
        index.ShouldBe(outOfOrderAt);
    }

    [Fact]
    public void an_intact_elder_needs_a_visit_of_any_mode_each_month()
    {
        CareRules.Missing(impaired: false, minimumVisits: 1, visits: 0, homeVisits: 0, communityHelpsInQuarter: 0)
            .ShouldBe([new MissingCare("visits", 1, 0)]);
        CareRules.Missing(false, 1, visits: 1, homeVisits: 0, communityHelpsInQuarter: 0).ShouldBeEmpty();
    }

    [Fact]
    public void an_impaired_elder_also_needs_a_home_visit_each_month_and_community_help_each_quarter()
    {
        CareRules.Missing(impaired: true, 1, visits: 2, homeVisits: 0, communityHelpsInQuarter: 0)
            .ShouldBe([new MissingCare("home-visit", 1, 0), new MissingCare("community-help", 1, 0)]);
        CareRules.Missing(true, 1, visits: 1, homeVisits: 1, communityHelpsInQuarter: 1).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(2026, 1, new[] { 1 })]
    [InlineData(2026, 3, new[] { 1, 2, 3 })]
    [InlineData(2026, 4, new[] { 4 })]
    [InlineData(2026, 11, new[] { 10, 11 })]
    [InlineData(2026, 12, new[] { 10, 11, 12 })]
    public void a_quarter_so_far_runs_from_its_first_month(int year, int month, int[] months) =>
        CareRules.QuarterSoFar(new YearMonth(year, month)).Select(m => m.Month).ShouldBe(months);

    [Fact]
    public void a_heightened_period_raises_the_minimum_in_every_month_it_touches_in_its_districts()
    {
        HeightenedPeriod Period(LocalDate from, LocalDate to, int minimum, params string[] districts) =>
            new() { From = from, To = to, MinimumVisits = minimum, Districts = districts };
        var periods = new[]
        {
            Period(new LocalDate(2026, 1, 25), new LocalDate(2026, 2, 5), 2, "和平区"),
            Period(new LocalDate(2026, 7, 1), new LocalDate(2026, 7, 31), 3)
        };
        CareRules.MinimumVisits(new YearMonth(2026, 1), "和平区", periods).ShouldBe(2);
        CareRules.MinimumVisits(new YearMonth(2026, 2), "和平区", periods).ShouldBe(2);
        CareRules.MinimumVisits(new YearMonth(2026, 2), "河西区", periods).ShouldBe(1);
        CareRules.MinimumVisits(new YearMonth(2026, 3), "和平区", periods).ShouldBe(1);
        CareRules.MinimumVisits(new YearMonth(2026, 7), "河西区", periods).ShouldBe(3);
    }

    [Fact]
    public void days_left_count_today_and_are_none_for_a_past_month()
    {
        CareRules.DaysLeft(new YearMonth(2026, 11), new LocalDate(2026, 11, 24)).ShouldBe(7);
        CareRules.DaysLeft(new YearMonth(2026, 11), new LocalDate(2026, 11, 30)).ShouldBe(1);
        CareRules.DaysLeft(new YearMonth(2026, 10), new LocalDate(2026, 11, 1)).ShouldBe(0);
        CareRules.DaysLeft(new YearMonth(2026, 12), new LocalDate(2026, 11, 30)).ShouldBe(31);
    }

    private static VisitFindings Findings(Safety gas = Safety.Safe, IllnessTrend illness = IllnessTrend.Unchanged) => new(
        new HouseholdChange(HouseholdChangeKind.None, 0), Trend.Unchanged, Trend.Unchanged, illness, null, Trend.Unchanged, gas, Safety.FairlySafe,
        Safety.Safe, Safety.Safe, Trend.Unchanged, Trend.Unchanged, Trend.Unchanged);

    [Fact]
    public void an_emergency_an_unsafe_item_or_a_serious_illness_opens_an_alert_and_fairly_safe_does_not()
    {
        VisitRules.AlertReasons(Findings(), null).ShouldBeEmpty();
        VisitRules.AlertReasons(Findings(gas: Safety.Unsafe), null).ShouldBe(["gas-unsafe"]);
        VisitRules.AlertReasons(Findings(illness: IllnessTrend.Serious), new Emergency(EmergencyKind.Fall, "摔倒", true))
            .ShouldBe(["emergency", "serious-illness"]);
    }

    [Fact]
    public void alert_recipients_are_the_file_contacts_in_order_then_the_community()
    {
        var elder = new Elder(Guid.NewGuid(), "h") { District = "和平区", Street = "劝业场街道", Community = "新津社区",
            EmergencyContact = new EmergencyContact("李强", "p", ContactRelation.Child) };
        VisitRules.RecipientsOf(elder, null).Select(r => (r.Order, r.Relation)).ShouldBe([(1, ContactRelation.Child), (2, ContactRelation.Community)]);
        var file = new CareFile
        {
            ElderId = elder.Id,
            File = new CareFileContent(true, AbilityLevel.Lost, null, [], new LivingConditions(true, true, true, 0, 0), [],
                [new CareContact("王芳", "p1", ContactRelation.Relative), new CareContact("居委会", "p2", ContactRelation.Community)])
        };
        VisitRules.RecipientsOf(elder, file).Select(r => (r.Order, r.FullName)).ShouldBe([(1, "王芳"), (2, "居委会"), (3, "劝业场街道新津社区")]);
    }

    [Fact]
    public void a_care_worker_acts_only_in_its_districts_and_a_platform_only_for_its_elders()
    {
        var elder = new Elder(Guid.NewGuid(), "h") { District = "和平区", RegisteredBy = "platform-key" };
        CareAccess.MayCareFor(CareWorker, elder, granted: false).ShouldBeNull();
        CareAccess.MayCareFor(CareWorker, elder with { District = "河西区" }, false).ShouldBeOfType<NotPermitted>();
        CareAccess.MayCareFor(Platform, elder, false).ShouldBeNull();
        CareAccess.MayCareFor(Platform, elder with { RegisteredBy = "other" }, false).ShouldBeOfType<NotPermitted>();
        CareAccess.MayCareFor(Platform, elder with { RegisteredBy = "other" }, granted: true).ShouldBeNull();
        Scopes.MayReadDistrict(CareWorker, "河西区").ShouldBeOfType<NotPermitted>();
        Scopes.MayReadDistrict(CareWorker, null).ShouldBeNull();
    }

    [Fact]
    public void an_alert_is_acknowledged_once_and_closed_once()
    {
        var alert = new CareAlert { Id = Guid.NewGuid(), District = "和平区", OpenedBy = "platform-key", Status = AlertStatus.Open };
        AlertHandler.Acknowledge(alert, alert.Id, CareWorker, Now).Events.ShouldNotBeNull();
        AlertHandler.Acknowledge(alert with { Status = AlertStatus.Acknowledged }, alert.Id, CareWorker, Now).Events.ShouldBeNull();
        AlertHandler.Acknowledge(alert, alert.Id, CareWorker with { Districts = ["河西区"] }, Now).Refusal.ShouldBeOfType<NotPermitted>();
        AlertHandler.Acknowledge(null, alert.Id, CareWorker, Now).Refusal.ShouldBeOfType<NotFound>();
        var close = new CloseAlert(alert.Id, "已联系子女送医", "王网格");
        AlertHandler.Close(alert, close, Platform, Now).Events.Handling.ShouldBe("已联系子女送医");
        AlertHandler.Close(alert with { Status = AlertStatus.Closed, ClosedAt = Now }, close, Platform, Now).Refusal.ShouldBeOfType<AlertClosedAlready>();
        AlertHandler.Close(alert, close, Platform with { KeyId = "another" }, Now).Refusal.ShouldBeOfType<NotPermitted>();
        AlertHandler.Close(alert, close, new Caller("auditor-key", "", Roles.Auditor), Now).Refusal.ShouldBeOfType<NotPermitted>("auditors read alerts, they do not handle them");
    }

    private static Volunteer Volunteer(LocalDate birth, string street = "劝业场街道", string community = "新津社区") =>
        new(Guid.NewGuid(), "v") { FullName = "张晓明", BirthDate = birth, District = "和平区", Street = street, Community = community, RegisteredBy = "platform-key" };

    private static readonly Elder PairedElder = new(Guid.NewGuid(), "e")
        { FullName = "李秀英", District = "和平区", Street = "劝业场街道", Community = "新津社区", RegisteredBy = "platform-key" };

    private static FormPairing Pairing(Programme programme, Guid volunteer, string? reason = null, GuardianConsent? consent = null) =>
        new(volunteer, PairedElder.Id, programme, "王网格", "13800001111", new LocalDate(2026, 11, 1), new LocalDate(2026, 11, 2), null, reason, consent);

    private static Decision<PairingFormed> Decide(FormPairing command, Volunteer volunteer, PairingRoster? roster = null) =>
        PairingRules.Decide(command, Guid.NewGuid(), volunteer, false, PairedElder, false, roster, 5, "protected", Platform, new LocalDate(2026, 11, 24), Now);

    [Fact]
    public void a_senior_pair_needs_a_volunteer_of_55_and_a_youth_pair_under_18_a_guardians_consent()
    {
        var young = Volunteer(new LocalDate(1975, 1, 1));
        Decide(Pairing(Programme.Senior, young.Id), young).Refusal.ShouldBeOfType<NotEligible>().Fields.Keys.ShouldBe(["programme"]);
        var senior = Volunteer(new LocalDate(1960, 1, 1));
        Decide(Pairing(Programme.Senior, senior.Id), senior).Events.Nearness.ShouldBe(Nearness.SameCommunity);
        var student = Volunteer(new LocalDate(2012, 6, 1));
        Decide(Pairing(Programme.Youth, student.Id), student).Refusal.ShouldBeOfType<NotEligible>().Fields.Keys.ShouldBe(["guardianConsent"]);
        Decide(Pairing(Programme.Youth, student.Id, consent: new GuardianConsent("张大明", new LocalDate(2026, 10, 30))), student).Refusal.ShouldBeNull();
    }

    [Fact]
    public void a_pair_beyond_the_street_states_why_and_a_volunteer_holds_at_most_five()
    {
        var far = Volunteer(new LocalDate(1960, 1, 1), street: "小白楼街道");
        Decide(Pairing(Programme.Senior, far.Id), far).Refusal.ShouldBeOfType<NotEligible>().Fields.Keys.ShouldBe(["reason"]);
        Decide(Pairing(Programme.Senior, far.Id, reason: "同一党支部"), far).Events.Nearness.ShouldBe(Nearness.Farther);
        var sameStreet = Volunteer(new LocalDate(1960, 1, 1), community: "昆明路社区");
        Decide(Pairing(Programme.Senior, sameStreet.Id), sameStreet).Events.Nearness.ShouldBe(Nearness.SameStreet);

        var senior = Volunteer(new LocalDate(1960, 1, 1));
        var roster = new PairingRoster();
        for (var i = 0; i < 5; i++)
        {
            roster = roster.Apply(new PairingFormed(Guid.NewGuid(), senior.Id, "", Guid.NewGuid(), "", Programme.Senior, "", "", default, default, null,
                Nearness.SameCommunity, null, null, "和平区", "", Now));
        }
        Decide(Pairing(Programme.Senior, senior.Id), senior, roster).Refusal.ShouldBeOfType<TooManyPairings>();
        var ended = roster.Apply(new PairingEnded(roster.Pairs[0].PairingId, senior.Id, "搬家", new LocalDate(2026, 11, 20), "", Now));
        Decide(Pairing(Programme.Senior, senior.Id), senior, ended).Refusal.ShouldBeNull();
        var withElder = new PairingRoster().Apply(new PairingFormed(Guid.NewGuid(), senior.Id, "", PairedElder.Id, "", Programme.Senior, "", "", default,
            default, null, Nearness.SameCommunity, null, null, "和平区", "", Now));
        Decide(Pairing(Programme.Senior, senior.Id), senior, withElder).Refusal.ShouldBeOfType<AlreadyPaired>();
    }
}
