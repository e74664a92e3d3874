using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.People;
using TimeBank.People.GettingDetails;
using TimeBank.Recognition;
using TimeBank.Recognition.Certificates;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Recognition;

/// <summary>Star levels from lifetime service, and certificates anyone can verify by their QR code, reversals included.</summary>
public sealed class recognising_volunteers(AppFixture fixture) : ApiTest(fixture)
{
    private static readonly int[] Thresholds = [100, 300, 600, 1000, 1500];

    [Theory]
    [InlineData(0, 0, 100)]
    [InlineData(100 * 60 - 1, 0, 1)]
    [InlineData(100 * 60, 1, 200)]
    [InlineData(599 * 60 + 30, 2, 1)]
    [InlineData(1500 * 60, 5, null)]
    public void stars_come_at_100_300_600_1000_and_1500_hours(int servedMinutes, int level, int? hoursToNext)
    {
        var star = StarLevel.Of(servedMinutes, Thresholds);
        (star.Level, star.HoursToNext).ShouldBe((level, hoursToNext));
    }

    [Fact]
    public void each_level_passed_is_reached_once()
    {
        VolunteerRecognition.NewLevels(0, StarLevel.Of(650 * 60, Thresholds)).ShouldBe([1, 2, 3]);
        VolunteerRecognition.NewLevels(3, StarLevel.Of(650 * 60, Thresholds)).ShouldBeEmpty();
        VolunteerRecognition.NewLevels(3, StarLevel.Of(10 * 60, Thresholds)).ShouldBeEmpty("a reversal does not take a reached level back");
    }

    [Fact]
    public async Task a_volunteer_past_100_hours_shows_one_star_and_the_level_reached_is_an_event()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(108 * 60);
        var view = await Host.GetAsync<VolunteerView>(Keys.Platform, $"/api/volunteers/{volunteer}");
        view.StarLevel.ShouldBe(new StarLevel(1, 108, 192));

        var events = await Polling.Eventually(async () =>
        {
            await using var session = Store.QuerySession();
            return await session.Events.FetchStreamAsync(VolunteerRecognition.IdFor(volunteer));
        }, read => read.Count > 0, seconds: 60);
        events.Select(e => e.Data).OfType<StarLevelReached>().Select(e => e.Level).ShouldBe([1]);
    }

    [Fact]
    public async Task a_certificate_prints_with_its_qr_code_and_anyone_can_verify_it_until_a_record_in_it_is_reversed()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(20 * 60);
        var today = Fixture.LocalNow().Date;
        var extra = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, today.PlusDays(-2).At(new LocalTime(14, 0)), 90, serviceType: "companionship"), 201)).Body<TimeBank.ServiceRecords.Depositing.ServiceRecordResult>();
        var body = new { from = today.PlusDays(-40).ToString("yyyy-MM-dd", null), to = today.ToString("yyyy-MM-dd", null), purpose = "综合素质评价" };
        var key = Guid.NewGuid().ToString();
        var certificate = await (await Host.PostAsync(Keys.Platform, $"/api/volunteers/{volunteer}/certificates", body, 201, key)).Body<CertificateView>();
        certificate.Number.ShouldMatch(@"^ZM\d{8}-[0-9A-F]{6}$");
        (certificate.TotalMinutes, certificate.FullName).ShouldBe((20 * 60 + 90, "张晓明"));
        certificate.Hours.Select(h => (h.ServiceType, h.Minutes)).ShouldBe([("home-visit", 1200), ("companionship", 90)]);
        certificate.MaskedIdNumber.ShouldContain("****");
        (await (await Host.PostAsync(Keys.Platform, $"/api/volunteers/{volunteer}/certificates", body, 200, key)).Body<CertificateView>()).Number
            .ShouldBe(certificate.Number);
        await Host.PostAsync(Keys.OtherPlatform, $"/api/volunteers/{volunteer}/certificates", body, 403, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.Platform, $"/api/volunteers/{volunteer}/certificates", new { from = "2026-01-01", to = "2099-01-01", purpose = "x" }, 400,
            Guid.NewGuid().ToString());

        var printed = await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Get.Url($"/api/certificates/{certificate.Number}");
            s.ContentTypeShouldBe("text/html; charset=utf-8");
        });
        var page = await printed.ReadAsTextAsync();
        foreach (var text in new[] { "志愿服务证明", certificate.Number, "张晓明", "上门探访", "陪伴聊天", "21.5 小时", "<svg", "综合素质评价" }) page.ShouldContain(text);
        await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/certificates/{certificate.Number}", 403);

        var code = certificate.VerifyUrl[(certificate.VerifyUrl.LastIndexOf('/') + 1)..];
        var verified = await (await Host.Scenario(s => s.Get.Url($"/verify/{code}"))).ReadAsTextAsync();
        verified.ShouldContain("本证明真实有效");
        verified.ShouldContain("张*明");
        verified.ShouldNotContain("张晓明");

        await Host.PostAsync(Keys.Platform, $"/api/service-records/{extra.Id}/reversal", new { reason = "核实未服务" }, 200);
        (await (await Host.Scenario(s => s.Get.Url($"/verify/{code}"))).ReadAsTextAsync()).ShouldContain("有 1 条（1.5 小时）已于开具后被撤销");
        (await (await Host.Scenario(s =>
        {
            s.Get.Url("/verify/NOTACODE23456789");
            s.StatusCodeShouldBe(404);
        })).ReadAsTextAsync()).ShouldContain("未找到该证明");
    }

    /// <summary>Issues a certificate for the last 40 days on the race's session; the other writer must wait for its commit.</summary>
    private async Task<CertificateView> IssueWhileRacing(Race race, Guid volunteer)
    {
        var today = Fixture.LocalNow().Date;
        await using var session = race.Session;
        var outcome = await IssueCertificateHandler.Handle(new IssueCertificate(volunteer, today.PlusDays(-40), today, "综合素质评价"), session, Fixture.Clock,
            race.As(Roles.Admin), Host.Services.GetRequiredService<PersonalData>(), Host.Services.GetRequiredService<IOptions<TimeBankOptions>>(),
            Host.Services.GetRequiredService<IOptions<RecognitionOptions>>(), CancellationToken.None);
        race.OtherWriter.IsCompleted.ShouldBeFalse();
        await session.SaveChangesAsync();
        await race.OtherWriter;
        return (CertificateView)outcome.Value!;
    }

    [Fact]
    public async Task a_reversal_racing_a_certificate_waits_for_it_so_its_minutes_and_records_agree()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(20 * 60);
        var today = Fixture.LocalNow().Date;
        var extra = await (await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, today.PlusDays(-2).At(new LocalTime(14, 0)), 90), 201)).Body<ServiceRecordResult>();
        var race = Race.AfterReading(Store, "mt_streams",
            () => Host.PostAsync(Keys.Platform, $"/api/service-records/{extra.Id}/reversal", new { reason = "核实未服务" }, 200));
        var certificate = await IssueWhileRacing(race, volunteer);
        certificate.TotalMinutes.ShouldBe(20 * 60 + 90);
        await using var query = Store.QuerySession();
        var issued = (await query.Events.FetchStreamAsync(certificate.Id)).Single();
        var reversed = (await query.Events.FetchStreamAsync(volunteer)).Single(e => e.Data is ServiceRecordReversed r && r.RecordId == extra.Id);
        issued.Sequence.ShouldBeLessThan(reversed.Sequence);
        var code = certificate.VerifyUrl[(certificate.VerifyUrl.LastIndexOf('/') + 1)..];
        (await (await Host.Scenario(s => s.Get.Url($"/verify/{code}"))).ReadAsTextAsync()).ShouldContain("有 1 条（1.5 小时）已于开具后被撤销");
    }

    [Fact]
    public async Task a_never_credited_volunteers_first_deposit_racing_a_certificate_waits_for_it()
    {
        // Registration opens the volunteer's account stream, so there is a row to hold before anything was credited.
        var (volunteer, elder) = (await Host.RegisterVolunteerAsync(Keys.Platform), await Host.RegisterElderAsync(Keys.Platform));
        var today = Fixture.LocalNow().Date;
        var race = Race.AfterReading(Store, "mt_streams", () => Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, today.PlusDays(-2).At(new LocalTime(9, 0)), 90), 201));
        var certificate = await IssueWhileRacing(race, volunteer);
        (certificate.TotalMinutes, certificate.StarLevel).ShouldBe((0, 0));
        await using var query = Store.QuerySession();
        var issued = (await query.Events.FetchStreamAsync(certificate.Id)).Single();
        var credited = (await query.Events.FetchStreamAsync(volunteer)).Single(e => e.Data is ServiceRecorded);
        issued.Sequence.ShouldBeLessThan(credited.Sequence);
    }
}
