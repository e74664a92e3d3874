using NodaTime;
using Shouldly;
using TimeBank.Integrity;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRequests;

namespace TimeBank.Tests.Integrity;

/// <summary>Each integrity rule alone, at and past its threshold.</summary>
public sealed class deciding_integrity_rules
{
    private static readonly IntegrityOptions Options = new();
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Guid Volunteer = Guid.NewGuid();
    private static readonly Guid Elder = Guid.NewGuid();

    private static ServiceRecord Record(LocalDateTime start, int minutes, string type = "companionship", Guid? elder = null, Instant? recordedAt = null)
    {
        var (startsAt, endsAt) = (start.InZoneLeniently(Shanghai).ToInstant(), start.PlusMinutes(minutes).InZoneLeniently(Shanghai).ToInstant());
        return new ServiceRecord
        {
            Id = Guid.NewGuid(), VolunteerId = Volunteer, ElderId = elder ?? Elder, ServiceType = type, StartedAt = start, EndedAt = start.PlusMinutes(minutes),
            TimeZone = "Asia/Shanghai", StartsAt = startsAt, EndsAt = endsAt, CreditedMinutes = minutes, RecordedAt = recordedAt ?? endsAt + Duration.FromHours(1)
        };
    }

    private static readonly LocalDateTime Nine = new(2026, 11, 20, 9, 0);

    [Fact]
    public void more_than_ten_hours_in_one_local_day_is_flagged()
    {
        var morning = Record(Nine, 300);
        IntegrityRules.HoursInADay(new RecordFacts(morning, [morning, Record(Nine.PlusHours(6), 300)], null), Options).ShouldBeNull();
        var third = Record(Nine.PlusHours(11), 1);
        IntegrityRules.HoursInADay(new RecordFacts(third, [morning, Record(Nine.PlusHours(6), 300), third], null), Options)!.Rule
            .ShouldBe(IntegrityRules.TooManyHoursInADay);
    }

    [Fact]
    public void more_than_three_records_for_one_volunteer_and_elder_in_a_day_is_flagged()
    {
        var records = Enumerable.Range(0, 4).Select(i => Record(Nine.PlusHours(i), 30)).ToList();
        IntegrityRules.RecordsForOnePair(new RecordFacts(records[2], records.Take(3).ToList(), null), Options).ShouldBeNull();
        IntegrityRules.RecordsForOnePair(new RecordFacts(records[3], records, null), Options)!.Rule.ShouldBe(IntegrityRules.TooManyRecordsForOnePair);
        var otherElder = records.Take(3).Append(Record(Nine.PlusHours(5), 30, elder: Guid.NewGuid())).ToList();
        IntegrityRules.RecordsForOnePair(new RecordFacts(otherElder[3], otherElder, null), Options).ShouldBeNull();
    }

    [Fact]
    public void a_record_posted_more_than_thirty_days_after_it_ended_is_flagged()
    {
        var record = Record(Nine, 60);
        IntegrityRules.LatePosting(record with { RecordedAt = record.EndsAt + Duration.FromDays(30) }, Options).ShouldBeNull();
        IntegrityRules.LatePosting(record with { RecordedAt = record.EndsAt + Duration.FromDays(30) + Duration.FromMinutes(1) }, Options)!.Rule
            .ShouldBe(IntegrityRules.PostedLate);
    }

    [Fact]
    public void service_between_eleven_at_night_and_five_in_the_morning_is_flagged_unless_it_is_emergency_help()
    {
        var night = new LocalDateTime(2026, 11, 20, 23, 0);
        IntegrityRules.AtNight(Record(night.PlusMinutes(-60), 60), Options).ShouldBeNull();
        IntegrityRules.AtNight(Record(night.PlusMinutes(-60), 61), Options)!.Rule.ShouldBe(IntegrityRules.ServedAtNight);
        IntegrityRules.AtNight(Record(night.PlusHours(6), 60), Options).ShouldBeNull();
        IntegrityRules.AtNight(Record(night.PlusHours(5), 60), Options).ShouldNotBeNull();
        IntegrityRules.AtNight(Record(night.PlusHours(2), 60, "emergency-help"), Options).ShouldBeNull();
    }

    [Fact]
    public void a_completion_outside_its_requests_window_is_flagged()
    {
        var request = new ServiceRequest().Apply(new ServiceRequestPublished(Guid.NewGuid(), Guid.NewGuid(), Elder, "companionship", Nine, Nine.PlusHours(2),
            "Asia/Shanghai", Nine.InZoneLeniently(Shanghai).ToInstant(), Nine.PlusHours(2).InZoneLeniently(Shanghai).ToInstant(), "d", "s", "c", 1, "x", "k",
            Instant.FromUtc(2026, 11, 19, 0, 0)));
        IntegrityRules.WindowOf(Record(Nine, 120), request).ShouldBeNull();
        IntegrityRules.WindowOf(Record(Nine.PlusMinutes(-30), 60), request)!.Rule.ShouldBe(IntegrityRules.OutsideRequestWindow);
        IntegrityRules.WindowOf(Record(Nine.PlusMinutes(90), 60), null).ShouldBeNull();
    }

    [Fact]
    public void a_rating_of_one_or_two_stars_opens_a_review()
    {
        IntegrityRules.RatedLow(2, Options)!.Rule.ShouldBe(IntegrityRules.LowRating);
        IntegrityRules.RatedLow(3, Options).ShouldBeNull();
    }

    [Fact]
    public void a_volunteer_and_elder_registered_at_the_same_address_are_flagged()
    {
        var record = Record(Nine, 60);
        IntegrityRules.AtOwnAddress(new RecordFacts(record, [record], null, "h1", "h1"))!.Rule.ShouldBe(IntegrityRules.SameAddress);
        IntegrityRules.AtOwnAddress(new RecordFacts(record, [record], null, "h1", "h2")).ShouldBeNull();
        IntegrityRules.AtOwnAddress(new RecordFacts(record, [record], null, null, null)).ShouldBeNull();
        var keys = new TimeBank.People.PersonalData(TimeBank.People.PersonalData.DevelopmentKey);
        keys.AddressHash("和平区 新津路 12号 3-201").ShouldBe(keys.AddressHash("和平区新津路12号3201"));
        keys.AddressHash("和平区新津路12号3201").ShouldNotBe(keys.AddressHash("和平区新津路12号3202"));
    }
}
