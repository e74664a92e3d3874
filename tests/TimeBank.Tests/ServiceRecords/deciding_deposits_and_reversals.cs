using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.ServiceRecords.Reversing;
using Xunit;

namespace TimeBank.Tests.ServiceRecords;

/// <summary>The deposit and its reversal as pure functions of (command, state, now).</summary>
public sealed class deciding_deposits_and_reversals
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Volunteer Volunteer = new(Guid.CreateVersion7(), "hash-of-volunteer") { RegisteredBy = "platform-key" };
    private static readonly Caller Platform = new("platform-key", "平台", Roles.Platform);
    private static readonly Elder Elder = new(Guid.CreateVersion7(), "hash-of-elder");
    private static readonly PointsOptions Points = new() { PointsPerHour = 10 };

    private static RecordService Service(string id = "r-1", int fromHour = 9, int toHour = 11, Guid? volunteer = null, int day = 20) =>
        new("platform-key", id, volunteer ?? Volunteer.Id, Elder.Id, "companionship", new LocalDateTime(2026, 11, day, fromHour, 0),
            new LocalDateTime(2026, 11, day, toHour, 0), "Asia/Shanghai", null);

    private static Decision<ServiceRecorded> Deposit(RecordService command, IEnumerable<ServiceRecord>? credited = null,
        Volunteer? volunteer = null, Elder? elder = null, (int, int)? balance = null) =>
        RecordServicesHandler.Decide(command, Platform, false, "fingerprint", PersonFacts.Of(volunteer ?? Volunteer), PersonFacts.Of(elder ?? Elder), credited ?? [], balance ?? (30, 5), Points, Now);

    [Fact]
    public void a_deposit_credits_the_served_minutes_and_the_points_they_earn_on_top_of_the_balance()
    {
        var recorded = Deposit(Service()).Events;

        (recorded.Minutes, recorded.Points).ShouldBe((120, 20));
        (recorded.BalanceMinutesAfter, recorded.PointsBalanceAfter).ShouldBe((150, 25));
        recorded.RecordId.ShouldBe(ServiceRecord.IdFor("platform-key", "r-1"));
        recorded.StartsAt.ShouldBe(Instant.FromUtc(2026, 11, 20, 1, 0));
        recorded.RecordedAt.ShouldBe(Now);
    }

    [Fact]
    public void a_deposit_naming_unregistered_people_is_refused_naming_each()
    {
        RecordServicesHandler.Decide(Service(), Platform, false, "f", null, null, [], (0, 0), Points, Now)
            .Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["volunteerId", "elderId"], ignoreOrder: true);
    }

    [Fact]
    public void only_a_platform_that_registered_the_volunteer_or_was_granted_access_credits_them()
    {
        var elsewhere = Volunteer with { RegisteredBy = "other-platform-key" };
        Deposit(Service(), volunteer: elsewhere).Refusal.ShouldBeOfType<NotPermitted>();
        RecordServicesHandler.Decide(Service(), Platform, true, "f", PersonFacts.Of(elsewhere), PersonFacts.Of(Elder), [], (0, 0), Points, Now).Refusal.ShouldBeNull();
        RecordServicesHandler.Decide(Service(), new Caller("admin-key", "管理员", Roles.Admin), false, "f", PersonFacts.Of(elsewhere), PersonFacts.Of(Elder), [], (0, 0), Points, Now)
            .Refusal.ShouldBeNull();
    }

    [Fact]
    public void a_volunteer_cannot_bank_time_for_serving_themself()
    {
        Deposit(Service(), elder: new Elder(Elder.Id, Volunteer.IdNumberHash)).Refusal.ShouldBeOfType<SelfService>();
    }

    [Fact]
    public void a_service_before_the_volunteers_tenth_birthday_is_refused()
    {
        var child = Volunteer with { BirthDate = new LocalDate(2016, 11, 21) };
        Deposit(Service(), volunteer: child).Refusal.ShouldBe(new TooYoungToServe(Volunteer.Id, new LocalDate(2026, 11, 21)));
        Deposit(Service(), volunteer: child with { BirthDate = new LocalDate(2016, 11, 20) }).Refusal.ShouldBeNull();
    }

    [Fact]
    public void a_deposit_overlapping_a_credited_service_of_the_volunteer_is_refused_naming_it()
    {
        var earlier = ServiceRecordProjection.RecordOf(Deposit(Service("r-0", 8, 10)).Events);

        Deposit(Service("r-1", 9, 11), [earlier]).Refusal.ShouldBe(new OverlappingService(earlier.Id));
        Deposit(Service("r-1", 10, 11), [earlier]).Refusal.ShouldBeNull();
    }

    [Fact]
    public void a_batch_looks_up_each_volunteers_credited_services_around_that_volunteers_own_services_only()
    {
        var other = Guid.CreateVersion7();
        long Millis(int day, int hour) => Instant.FromUtc(2026, 11, day, hour, 0).ToUnixTimeMilliseconds();

        var lookUps = CreditedOverlapping.Services([Service("r-1"), Service("r-2", 9, 10, other, day: 2), Service("r-3", 14, 15, other, day: 3)]);

        // Shanghai is UTC+8; a service starting up to 12 hours before a period may still overlap it.
        lookUps.Select(q => (q.VolunteerIds.Single(), q.StartsAfter, q.StartsBefore, q.EndsAfter)).ShouldBe([
            (Volunteer.Id, Millis(19, 13), Millis(20, 3), Millis(20, 1)),
            (other, Millis(1, 13), Millis(3, 7), Millis(2, 1))
        ], ignoreOrder: true);
    }

    [Fact]
    public void volunteers_whose_services_lie_within_a_day_share_one_look_up_spanning_them_all()
    {
        var (second, third, fourth, fifth) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        long Millis(int day, int hour) => Instant.FromUtc(2026, 11, day, hour, 0).ToUnixTimeMilliseconds();

        var lookUps = CreditedOverlapping.Services([
            Service("r-1", 9, 10), Service("r-2", 20, 22, second), Service("r-3", 8, 9, third, day: 21),
            Service("r-4", 10, 11, fourth, day: 21), Service("r-5", 9, 10, fifth, day: 25)
        ]);

        // Local 20th 09:00 to 21st 09:00 is exactly a day: the first three share; the fourth would stretch it past a day.
        lookUps.Select(q => (string.Join(",", q.VolunteerIds.Order()), q.StartsAfter, q.StartsBefore, q.EndsAfter)).ShouldBe([
            (string.Join(",", new[] { Volunteer.Id, second, third }.Order()), Millis(19, 13), Millis(21, 1), Millis(20, 1)),
            (fourth.ToString(), Millis(20, 14), Millis(21, 3), Millis(21, 2)),
            (fifth.ToString(), Millis(24, 13), Millis(25, 2), Millis(25, 1))
        ]);
    }

    [Fact]
    public void a_record_another_node_committed_between_the_batchs_reads_counts_as_recorded_not_as_an_overlap()
    {
        var mine = ServiceRecordProjection.RecordOf(Deposit(Service("r-1")).Events);
        var other = ServiceRecordProjection.RecordOf(Deposit(Service("r-0", 6, 8)).Events);

        var recorded = RecordServicesHandler.RecordedBefore([], [mine, other]);
        recorded.Keys.ShouldBe([mine.Id, other.Id], ignoreOrder: true);
        TimeBank.Hosting.Idempotency.Replay(recorded[mine.Id], "fingerprint", "r-1").Value.ShouldBe(mine.FirstResult);
    }

    private static ServiceRecord Credited(int minutes = 60, int points = 10) => new()
    {
        Id = Guid.CreateVersion7(), PlatformKeyId = "platform-key", VolunteerId = Volunteer.Id, CreditedMinutes = minutes,
        CreditedPoints = points, Status = ServiceRecordStatus.Credited
    };

    private static Account Balance(int minutes, int points, int held = 0) =>
        new Account().Apply(new AccountOpened(Volunteer.Id, AccountHolder.Volunteer, Now)) with
        {
            BalanceMinutes = minutes, PointsBalance = points, HeldMinutes = held
        };

    [Fact]
    public void a_reversal_takes_back_the_records_minutes_and_points()
    {
        var record = Credited();
        ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, "重复上报"), new Caller("platform-key", "", Roles.Platform), record, Balance(60, 10), Now)
            .Events.ShouldBe(new ServiceRecordReversed(record.Id, Volunteer.Id, 60, 10, "重复上报", "platform-key", Now));
    }

    [Fact]
    public void a_reversal_never_makes_a_balance_negative()
    {
        var record = Credited();
        var reverse = new ReverseServiceRecord(record.Id, "x");
        var platform = new Caller("platform-key", "", Roles.Platform);

        ReverseServiceRecordHandler.Decide(reverse, platform, record, Balance(60, 10, held: 1), Now).Refusal
            .ShouldBe(new NotEnoughMinutes(Volunteer.Id.ToString(), 60, 59));
        ReverseServiceRecordHandler.Decide(reverse, platform, record, Balance(60, 9), Now).Refusal
            .ShouldBe(new NotEnoughPoints(Volunteer.Id.ToString(), 10, 9));
    }

    [Fact]
    public void only_the_posting_platform_or_an_admin_reverses_a_record_and_only_once()
    {
        var record = Credited();
        ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, "x"), new Caller("other-key", "", Roles.Platform), record, Balance(60, 10), Now)
            .Refusal.ShouldBeOfType<NotPermitted>();
        ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, "x"), new Caller("admin-key", "", Roles.Admin), record, Balance(60, 10), Now)
            .Refusal.ShouldBeNull();

        var reversed = record with { Status = ServiceRecordStatus.Reversed, ReversedAt = Now };
        ReverseServiceRecordHandler.Decide(new ReverseServiceRecord(record.Id, "x"), new Caller("platform-key", "", Roles.Platform), reversed, Balance(60, 10), Now)
            .Refusal.ShouldBe(new AlreadyReversed(record.Id, Now));
    }
}
