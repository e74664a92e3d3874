using NodaTime;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Markets;
using TimeBank.ServiceRecords;
using TimeBank.Statistics;

namespace TimeBank.Tests.Statistics;

/// <summary>The statistics fold: what each event adds, age bands, and distinct people across cells.</summary>
public sealed class deciding_statistics
{
    private static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];
    private static readonly Holder Senior = new(new Area("和平区", "劝业场街道", "新津社区"), "senior", new LocalDate(1960, 3, 15));

    private static MonthlyCell Folded(object data, Holder? holder = null, string? recordType = null)
    {
        var cell = new MonthlyCell();
        StatisticsFold.Of(data, holder ?? Senior, recordType, Shanghai, 60)!.Apply(cell);
        return cell;
    }

    [Theory]
    [InlineData(2012, 6, 1, "10-17")]
    [InlineData(2008, 11, 30, "18-34")]
    [InlineData(1972, 1, 1, "35-54")]
    [InlineData(1965, 3, 15, "55-64")]
    [InlineData(1955, 1, 1, "65-74")]
    [InlineData(1940, 1, 1, "75+")]
    public void age_bands_follow_the_birth_date(int year, int month, int day, string band) =>
        AgeBands.Of(new LocalDate(year, month, day), new LocalDate(2026, 11, 30)).ShouldBe(band);

    [Fact]
    public void a_service_counts_in_the_month_it_was_served_and_banks_minutes_due_at_the_redemption_age()
    {
        var volunteer = Guid.NewGuid();
        var elder = Guid.NewGuid();
        var recorded = new ServiceRecorded(Guid.NewGuid(), volunteer, elder, "home-visit", new LocalDateTime(2026, 10, 31, 23, 0), new LocalDateTime(2026, 11, 1, 0, 30),
            "Asia/Shanghai", default, default, 90, 15, "k", "r", null, Instant.FromUtc(2026, 11, 2, 0, 0), "f", 90, 15);
        var contribution = StatisticsFold.Of(recorded, Senior, null, Shanghai, 60)!;
        (contribution.Month, contribution.ServiceType, contribution.LiabilityMinutes).ShouldBe(("2026-10", "home-visit", 90));
        var cell = new MonthlyCell();
        contribution.Apply(cell);
        (cell.Records, cell.MinutesCredited, cell.PointsEarned).ShouldBe((1, 90L, 15L));
        cell.ActiveVolunteers.ShouldBe(new Dictionary<Guid, string> { [volunteer] = "65-74" });
        cell.EldersServed.ShouldBe([elder]);
    }

    [Fact]
    public void reversals_transfers_holds_redemptions_and_orders_each_move_their_own_figure()
    {
        var at = Instant.FromUtc(2026, 11, 20, 2, 0);
        var reversed = StatisticsFold.Of(new ServiceRecordReversed(Guid.NewGuid(), Guid.NewGuid(), 30, 5, "重复", "k", at), Senior, "bathing", Shanghai, 60)!;
        (reversed.ServiceType, reversed.LiabilityMinutes).ShouldBe(("bathing", -30));
        Folded(new ServiceRecordReversed(Guid.NewGuid(), Guid.NewGuid(), 30, 5, "重复", "k", at)).MinutesReversed.ShouldBe(30);
        Folded(new TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 20, "赠与", at)).MinutesTransferred.ShouldBe(20);
        Folded(new RedemptionHeld(Guid.NewGuid(), Guid.NewGuid(), 60, "bathing", "助浴", at, at)).MinutesHeld.ShouldBe(60);
        Folded(new RedemptionSettled(Guid.NewGuid(), Guid.NewGuid(), 60, at)).MinutesRedeemed.ShouldBe(60);
        Folded(new MarketOrderPlaced(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), [], 40, at)).PointsSpent.ShouldBe(40);
        Folded(new MarketOrderRefunded(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 40, "退货", at)).PointsSpent.ShouldBe(-40);
        var elder = new Holder(Senior.Area, "", null);
        StatisticsFold.Of(new RedemptionSettled(Guid.NewGuid(), Guid.NewGuid(), 60, at), elder, null, Shanghai, 60)!.LiabilityMinutes
            .ShouldBe(0, "an elder's minutes are not a volunteer's promise");
        StatisticsFold.Of(new AccountOpened(Guid.NewGuid(), AccountHolder.Elder, at), elder, null, Shanghai, 60).ShouldBeNull();
        StatisticsFold.Of(new TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 20, "x", at), null, null, Shanghai, 60).ShouldBeNull();
    }

    [Fact]
    public void a_transfer_is_counted_once_from_its_sent_event_moving_the_liability_from_the_senders_due_year_to_the_receivers()
    {
        var at = Instant.FromUtc(2026, 11, 30, 17, 0);
        var sent = new TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 20, "赠与", at);
        var sender = StatisticsFold.Of(sent, Senior, null, Shanghai, 60)!;
        (sender.Month, sender.LiabilityMinutes).ShouldBe(("2026-12", -20L));
        var younger = new Holder(new Area("和平区", "劝业场街道", "昆明路社区"), "youth", new LocalDate(2008, 1, 1));
        var receiver = StatisticsFold.ReceiverSide(sent, younger, 1, Shanghai)!;
        (receiver.Month, receiver.Holder, receiver.ServiceType, receiver.LiabilityMinutes).ShouldBe(("2026-12", younger, "", 20L));
        var cell = new MonthlyCell();
        receiver.Apply(cell);
        (cell.MinutesTransferred, cell.Records).ShouldBe((0L, 0), "minutes transferred count once, on the sender's side");
        StatisticsFold.ReceiverSide(sent, younger, -1, Shanghai)!.LiabilityMinutes.ShouldBe(-20);
        StatisticsFold.ReceiverSide(sent, new Holder(Senior.Area, "", null), 1, Shanghai)!.LiabilityMinutes.ShouldBe(0, "an elder's minutes are no promise");
        StatisticsFold.ReceiverSide(sent, null, 1, Shanghai).ShouldBeNull();
        StatisticsFold.ReceiverOf(sent).ShouldBe(sent.To);
        StatisticsFold.ReceiverOf(sent with { To = SystemAccounts.PublicPool }).ShouldBeNull();
    }

    [Fact]
    public void a_registration_counts_in_its_month_and_age_band()
    {
        var cell = Folded(new AccountOpened(Guid.NewGuid(), AccountHolder.Volunteer, Instant.FromUtc(2026, 11, 30, 17, 0)));
        cell.VolunteersRegistered.ShouldBe(1);
        cell.RegisteredByAgeBand.ShouldBe(new Dictionary<string, int> { ["65-74"] = 1 });
        StatisticsFold.Of(new AccountOpened(Guid.NewGuid(), AccountHolder.Volunteer, Instant.FromUtc(2026, 11, 30, 17, 0)), Senior, null, Shanghai, 60)!
            .Month.ShouldBe("2026-12", "17:00 UTC on the 30th is already December in Shanghai");
    }

    [Fact]
    public void figures_count_each_volunteer_and_elder_once_across_cells_and_name_the_low_age_senior_share()
    {
        var (a, b, elder) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var cells = new[]
        {
            new MonthlyCell { ActiveVolunteers = { [a] = "55-64" }, EldersServed = [elder], Records = 2, Ratings = 1, RatingStars = 5 },
            new MonthlyCell { ActiveVolunteers = { [a] = "55-64", [b] = "10-17" }, EldersServed = [elder], Records = 1, Ratings = 1, RatingStars = 2 }
        };
        var figures = Figures.Of(cells);
        (figures.ActiveVolunteers, figures.EldersServed, figures.Records, figures.AverageRating, figures.LowAgeSeniorShare).ShouldBe((2, 1, 3, 3.5, 0.5));
        figures.ActiveByAgeBand["10-17"].ShouldBe(1);
        Figures.Of([]).AverageRating.ShouldBeNull();
    }
}
