using System.Text.Json;
using NodaTime;
using Shouldly;
using TimeBank.Integrity;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Integrity;

/// <summary>Records that break a rule are credited and flagged; a reviewer confirms them or reverses them, and the decisions are events.</summary>
public sealed class reviewing_flags(AppFixture fixture) : ApiTest(fixture)
{
    private string? _reviewer;

    private async Task<string> Reviewer() => _reviewer ??= await ApiKeys.IssueAsync(Host, "reviewer", "Test integrity reviewer");

    private async Task<Guid> Deposit(Guid volunteer, Guid elder, LocalDateTime start, int minutes, string type = "companionship", string? zone = null)
    {
        var body = JsonSerializer.SerializeToNode(LedgerScenarios.ServiceBody(volunteer, elder, start, minutes, serviceType: type))!.AsObject();
        if (zone is not null) body["timeZone"] = zone;
        var created = await Host.PostAsync(Keys.Platform, "/api/service-records", body, 201);
        return (await created.Body<ServiceRecordResult>()).Id;
    }

    private Task<List<FlagView>> FlagsOf(Guid record, int atLeast = 1) => Fixture.FlagsOf(record, atLeast);

    [Fact]
    public void each_rule_has_a_name_the_queue_filters_by() => IntegrityRules.All.Length.ShouldBe(7);

    [Fact]
    public async Task a_volunteer_serving_an_elder_registered_at_the_same_address_is_flagged()
    {
        var volunteer = await Host.RegisterVolunteerWithAddressAsync(Keys.Platform, "和平区新津路12号3-201");
        var elder = await Host.RegisterElderWithAddressAsync(Keys.Platform, "和平区 新津路 12号 3-201");
        var other = await Host.RegisterElderWithAddressAsync(Keys.Platform, "和平区新津路14号");
        var day = Fixture.LocalNow().Date.PlusDays(-4);
        var atHome = await Deposit(volunteer, elder, day.At(new LocalTime(9, 0)), 30);
        var elsewhere = await Deposit(volunteer, other, day.At(new LocalTime(10, 0)), 30);
        var marker = await Deposit(volunteer, other, day.At(new LocalTime(1, 0)).PlusDays(-1), 30);
        (await FlagsOf(marker)).Single().Rule.ShouldBe(IntegrityRules.ServedAtNight);
        (await FlagsOf(atHome, 0)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.SameAddress);
        (await FlagsOf(elsewhere, 0)).ShouldBeEmpty();
    }

    [Fact]
    public async Task records_breaking_rules_are_credited_flagged_and_queued_for_the_reviewer()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        var day = Fixture.LocalNow().Date.PlusDays(-5);
        var emergency = await Deposit(volunteer, elder, day.At(new LocalTime(1, 0)), 30, "emergency-help");
        var night = await Deposit(volunteer, elder, day.At(new LocalTime(2, 0)), 30);
        var late = await Deposit(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-40).At(new LocalTime(9, 0)), 30);
        var first = await Deposit(volunteer, elder, day.At(new LocalTime(8, 0)), 300);
        var second = await Deposit(volunteer, elder, day.At(new LocalTime(13, 0)), 360);
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(750);

        (await FlagsOf(night)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.ServedAtNight);
        (await FlagsOf(late)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.PostedLate);
        var hours = await FlagsOf(second);
        hours.Select(f => f.Rule).ShouldContain(IntegrityRules.TooManyHoursInADay);
        hours.Select(f => f.Rule).ShouldContain(IntegrityRules.TooManyRecordsForOnePair);
        hours.ShouldAllBe(f => f.VolunteerId == volunteer && f.District == "和平区");
        (await FlagsOf(first, 0)).ShouldBeEmpty();
        (await FlagsOf(emergency, 0)).ShouldBeEmpty();

        var queue = await Host.GetAsync<JsonElement>(await Reviewer(), $"/api/integrity/flags?rule={IntegrityRules.PostedLate}&district=和平区&pageSize=200");
        queue.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("serviceRecordId").GetGuid()).ShouldContain(late);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/integrity/flags", 403);
        await Host.GetAsync<JsonElement>(Keys.Auditor, "/api/integrity/flags?rule=nonsense", 400);
    }

    [Fact]
    public async Task a_days_hours_count_the_records_met_in_an_earlier_page_and_in_the_same_page()
    {
        var day = Fixture.LocalNow().Date.PlusDays(-3);

        var (earlier, elder) = await Fixture.VolunteerWithBalance(0);
        var morning = await Deposit(earlier, elder, day.At(new LocalTime(8, 0)), 300);
        // Pages are reviewed in order: once a record posted later is flagged, the morning's page has been reviewed.
        var marker = await Deposit(earlier, elder, day.PlusDays(-1).At(new LocalTime(1, 0)), 30);
        (await FlagsOf(marker)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.ServedAtNight);
        var afternoon = await Deposit(earlier, elder, day.At(new LocalTime(13, 0)), 360);
        (await FlagsOf(afternoon)).Select(f => f.Rule).ShouldContain(IntegrityRules.TooManyHoursInADay);
        (await FlagsOf(morning, 0)).ShouldBeEmpty();

        var (together, other) = await Fixture.VolunteerWithBalance(0);
        var both = await Task.WhenAll(Deposit(together, other, day.At(new LocalTime(8, 0)), 300), Deposit(together, other, day.At(new LocalTime(13, 0)), 360));
        (await FlagsOf(both[1])).Select(f => f.Rule).ShouldContain(IntegrityRules.TooManyHoursInADay);
        (await FlagsOf(both[0], 0)).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_days_hours_count_a_record_of_the_same_page_kept_in_another_time_zone()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        var day = Fixture.LocalNow().Date.PlusDays(-3);
        // 06:00–10:00 UTC, on the Shanghai day and on the UTC day; then 10:30–17:10 UTC, 640 minutes on the UTC day.
        var both = await Task.WhenAll(
            Deposit(volunteer, elder, day.At(new LocalTime(14, 0)), 240, zone: "Asia/Shanghai"),
            Deposit(volunteer, elder, day.At(new LocalTime(10, 30)), 400, zone: "Etc/UTC"));
        (await FlagsOf(both[1])).Select(f => f.Rule).ShouldContain(IntegrityRules.TooManyHoursInADay);
        (await FlagsOf(both[0], 0)).ShouldBeEmpty();
    }

    [Fact]
    public async Task an_earlier_record_counts_once_toward_days_of_two_zones_that_start_together()
    {
        // London's autumn change makes a 25-hour day that starts with UTC+1's and ends an hour after it.
        var london = DateTimeZoneProviders.Tzdb["Europe/London"];
        var day = Enumerable.Range(1, 365).Select(d => Fixture.LocalNow().Date.PlusDays(-d))
            .First(d => london.AtStartOfDay(d.PlusDays(1)).ToInstant() - london.AtStartOfDay(d).ToInstant() == Duration.FromHours(25));
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        await Deposit(volunteer, elder, day.At(new LocalTime(9, 0)), 200, zone: "Europe/London");
        // The London record and the UTC+1 one come in one page; each day's query reads the earlier record.
        var both = await Task.WhenAll(
            Deposit(volunteer, elder, day.At(new LocalTime(13, 0)), 30, zone: "Europe/London"),
            Deposit(volunteer, elder, day.At(new LocalTime(16, 0)), 300, zone: "Etc/GMT-1"));
        // Pages are reviewed in order: once a record posted later is flagged, the pair's page has been reviewed.
        var marker = await Deposit(volunteer, elder, day.PlusDays(-2).At(new LocalTime(1, 0)), 30, zone: "Asia/Shanghai");
        (await FlagsOf(marker)).Select(f => f.Rule).ShouldContain(IntegrityRules.ServedAtNight);
        // 530 minutes in three records: counted twice, the earlier one would make it 730 in four.
        (await FlagsOf(both[1], 0)).Select(f => f.Rule).ShouldNotContain(IntegrityRules.TooManyHoursInADay);
        (await FlagsOf(both[1], 0)).Select(f => f.Rule).ShouldNotContain(IntegrityRules.TooManyRecordsForOnePair);
    }

    [Fact]
    public async Task a_fraudulent_flag_reverses_the_record_a_genuine_one_leaves_it_and_each_is_decided_once()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        var day = Fixture.LocalNow().Date.PlusDays(-6);
        var fake = await Deposit(volunteer, elder, day.At(new LocalTime(3, 0)), 40);
        var genuine = await Deposit(volunteer, elder, day.At(new LocalTime(23, 30)), 20);
        var reviewer = await Reviewer();
        var fakeFlag = (await FlagsOf(fake)).Single();
        var genuineFlag = (await FlagsOf(genuine)).Single();

        await Host.PostAsync(Keys.Platform, $"/api/integrity/flags/{fakeFlag.Id}/decision", new { decision = "fraudulent", note = "核实无此服务" }, 403);
        await Host.PostAsync(reviewer, $"/api/integrity/flags/{fakeFlag.Id}/decision", new { decision = "open", note = "x" }, 400);
        var decided = await (await Host.PostAsync(reviewer, $"/api/integrity/flags/{fakeFlag.Id}/decision", new { decision = "fraudulent", note = "核实无此服务" }, 200))
            .Body<FlagView>();
        (decided.Status, decided.RecordReversed).ShouldBe((FlagStatus.Fraudulent, true));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(20);
        (await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/service-records/{fake}")).GetProperty("status").GetString().ShouldBe("reversed");

        var kept = await (await Host.PostAsync(Keys.Admin, $"/api/integrity/flags/{genuineFlag.Id}/decision", new { decision = "confirmed-genuine", note = "夜间陪护，已核实" }, 200))
            .Body<FlagView>();
        (kept.Status, kept.RecordReversed).ShouldBe((FlagStatus.ConfirmedGenuine, false));
        await Host.PostAsync(reviewer, $"/api/integrity/flags/{genuineFlag.Id}/decision", new { decision = "fraudulent", note = "x" }, 409);
        await Host.PostAsync(reviewer, $"/api/integrity/flags/{Guid.NewGuid()}/decision", new { decision = "fraudulent", note = "x" }, 404);

        await using var session = Store.QuerySession();
        (await session.Events.FetchStreamAsync(fakeFlag.Id)).Select(e => e.Data.GetType()).ShouldBe([typeof(RecordFlagged), typeof(FlagDecided)]);
    }

    [Fact]
    public async Task a_low_rating_opens_a_review_of_the_record()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        var record = await Deposit(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-2).At(new LocalTime(10, 0)), 30);
        await Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 1, ratedBy = "family" }, 201);
        (await FlagsOf(record)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.LowRating);
    }

    [Fact]
    public async Task two_low_ratings_of_one_record_open_one_review_and_the_review_goes_on()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(0);
        var day = Fixture.LocalNow().Date.PlusDays(-3);
        var record = await Deposit(volunteer, elder, day.At(new LocalTime(10, 0)), 30);
        // Sent together, so the review most often meets both in one page.
        await Task.WhenAll(
            Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 1, ratedBy = "family" }, 201),
            Host.PostAsync(Keys.Platform, $"/api/service-records/{record}/rating", new { stars = 2, ratedBy = "elder" }, 201));
        var later = await Deposit(volunteer, elder, day.At(new LocalTime(1, 0)).PlusDays(-1), 30);

        (await FlagsOf(later)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.ServedAtNight);
        (await FlagsOf(record)).ShouldHaveSingleItem().Rule.ShouldBe(IntegrityRules.LowRating);
    }
}
