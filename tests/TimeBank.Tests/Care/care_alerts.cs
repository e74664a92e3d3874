using System.Text.Json;
using Alba;
using NodaTime;
using Shouldly;
using TimeBank.Care.Alerts;
using TimeBank.Care.Visits;
using TimeBank.Auditing.Chain;
using TimeBank.Hosting;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Ledger;
using Xunit.Abstractions;

namespace TimeBank.Tests.Care;

/// <summary>
/// Emergencies (seed 004 三.(三).三): a visit that finds one opens an alert in its transaction; the contacts and the
/// community are notified through the durable outbox, retried past failures and dead-lettered when the gateway never
/// takes them; staff acknowledge and close alerts with the handling recorded.
/// </summary>
public sealed class care_alerts(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private static readonly object Emergency = new { kind = "fall", description = "老人在卫生间摔倒，无法起身", calledEmergencyNumber = true };

    private async Task<(Guid Elder, VisitResult Visit)> EmergencyVisit(string district, string fullName = "李秀英", object? findings = null, object? emergency = null)
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform, district, fullName: fullName);
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Put.Json(CareRequests.CareFileBody()).ToUrl($"/api/elders/{elder}/care-file");
        });
        var visit = await (await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits",
            CareRequests.VisitBody(Fixture.ShanghaiNow().PlusMinutes(-30), findings: findings, emergency: emergency), 201)).Body<VisitResult>();
        return (elder, visit);
    }

    [Fact]
    public async Task an_emergency_notifies_each_contact_in_order_then_the_community_once_each_though_the_gateway_fails_twice_first()
    {
        var district = CareRequests.NewDistrict();
        var (elder, visit) = await EmergencyVisit(district, emergency: Emergency);
        var alertId = visit.AlertId.ShouldNotBeNull();

        var delivered = await Polling.Eventually(() => Task.FromResult(Fixture.Gateway.AcceptedFor(alertId).ToList()), d => d.Count >= 4);
        await Task.Delay(1000); // a duplicate would arrive about now
        delivered = Fixture.Gateway.AcceptedFor(alertId).ToList();
        delivered.Select(n => n.GetProperty("order").GetInt32()).Order().ShouldBe([1, 2, 3, 4]);
        delivered.ShouldAllBe(n => Fixture.Gateway.AttemptsFor(n.GetProperty("notificationId").GetString()!) == 3);
        var byOrder = delivered.OrderBy(n => n.GetProperty("order").GetInt32()).ToList();
        byOrder.Select(n => n.GetProperty("relation").GetString()).ShouldBe(["child", "relative", "community", "community"]);
        byOrder[0].GetProperty("recipientPhone").GetString().ShouldBe("13800001111");
        byOrder[3].GetProperty("recipientName").GetString().ShouldBe("劝业场街道新津社区");
        byOrder[0].GetProperty("reasons")[0].GetString().ShouldBe("emergency");
        byOrder[0].GetProperty("elderId").GetGuid().ShouldBe(elder);
    }

    [Fact]
    public async Task an_alert_is_listed_open_then_acknowledged_then_closed_with_its_handling()
    {
        var district = CareRequests.NewDistrict();
        var (elder, visit) = await EmergencyVisit(district, findings: CareRequests.Findings(gas: "unsafe", illness: "serious", illnessName: "肺炎"));
        var alertId = visit.AlertId.ShouldNotBeNull();
        var worker = await Host.CareWorkerKeyAsync(district);
        var otherWorker = await Host.CareWorkerKeyAsync(CareRequests.NewDistrict());

        var open = await Host.GetAsync<Page<AlertView>>(worker, "/api/care/alerts?status=open");
        var alert = open.Items.Single(a => a.Id == alertId);
        (alert.ElderId, alert.Status).ShouldBe((elder, AlertStatus.Open));
        alert.Reasons.ShouldBe(["gas-unsafe", "serious-illness"]);
        alert.Contacts[0].Phone.ShouldBe("13800001111", "care workers phone the contacts from this list");
        (await Host.GetAsync<Page<AlertView>>(Keys.Platform, $"/api/care/alerts?district={Uri.EscapeDataString(district)}")).Items.Single().Contacts[0].Phone
            .ShouldBe("138****1111");
        (await Host.GetAsync<Page<AlertView>>(otherWorker, "/api/care/alerts")).Items.ShouldNotContain(a => a.Id == alertId);
        await Host.GetAsync<JsonElement>(otherWorker, $"/api/care/alerts?district={Uri.EscapeDataString(district)}", 403);
        (await Host.GetAsync<Page<AlertView>>(Keys.OtherPlatform, "/api/care/alerts")).Items.ShouldNotContain(a => a.Id == alertId);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, "/api/care/alerts", 403);

        // The gauge of alerts not yet closed (sampled every few seconds) counts it in its district.
        double? OpenAlerts(string metrics) => TimeBank.Bench.ServiceCounters.Sum(metrics, "timebank_alerts_open", $"district=\"{district}\"", "status=\"open\"");
        var metrics = await Host.MetricsAsync(text => OpenAlerts(text) is not null);
        OpenAlerts(metrics).ShouldBe(1, "timebank_alerts_open counts the district's open alert: " + string.Join("\n", metrics.Split('\n').Where(l => l.Contains("alert"))));

        await Host.PostAsync(otherWorker, $"/api/care/alerts/{alertId}/acknowledge", new { }, 403);
        var acknowledged = await (await Host.PostAsync(worker, $"/api/care/alerts/{alertId}/acknowledge", new { }, 200)).Body<AlertView>();
        acknowledged.Status.ShouldBe(AlertStatus.Acknowledged);
        (await (await Host.PostAsync(worker, $"/api/care/alerts/{alertId}/acknowledge", new { }, 200)).Body<AlertView>()).AcknowledgedAt
            .ShouldBe(acknowledged.AcknowledgedAt);

        await Host.PostAsync(worker, $"/api/care/alerts/{alertId}/close", new { handling = "", handledBy = "王网格" }, 400);
        await Host.PostAsync(Keys.Auditor, $"/api/care/alerts/{alertId}/close", new { handling = "x", handledBy = "王网格" }, 403);
        var closed = await (await Host.PostAsync(worker, $"/api/care/alerts/{alertId}/close",
            new { handling = "已关闭燃气总阀，联系子女陪同就医", handledBy = "王网格" }, 200)).Body<AlertView>();
        (closed.Status, closed.Handling, closed.HandledBy).ShouldBe((AlertStatus.Closed, "已关闭燃气总阀，联系子女陪同就医", "王网格"));
        await (await Host.PostAsync(worker, $"/api/care/alerts/{alertId}/close", new { handling = "再次", handledBy = "王网格" }, 409))
            .Problem(Problems.TypePrefix + "already-closed");
        (await Host.GetAsync<Page<AlertView>>(Keys.Auditor, "/api/care/alerts?status=closed&pageSize=200")).Items.ShouldContain(a => a.Id == alertId);
        await Host.PostAsync(worker, $"/api/care/alerts/{Guid.NewGuid()}/acknowledge", new { }, 404);

        await using var session = Store.QuerySession();
        var events = await session.Events.FetchStreamAsync(alertId);
        events.Select(e => e.Data.GetType().Name).ShouldBe(["AlertOpened", "AlertAcknowledged", "AlertClosed"]);
    }

    [Fact]
    public async Task a_notification_the_gateway_never_takes_is_dead_lettered_for_admins_to_see()
    {
        var (_, visit) = await EmergencyVisit(CareRequests.NewDistrict(), fullName: "张" + AlertGateway.Unreachable, emergency: Emergency);
        var alertId = visit.AlertId.ShouldNotBeNull();
        var failed = await Polling.Eventually(
            () => Host.GetAsync<List<FailedNotification>>(Keys.Admin, "/api/care/notifications/failed"),
            f => f.Count(n => n.AlertId == alertId) == 4, seconds: 120);
        failed.Where(n => n.AlertId == alertId).Select(n => n.Recipient).Order().ShouldBe([1, 2, 3, 4]);
        failed.First(n => n.AlertId == alertId).Exception.ShouldContain("500");
        Fixture.Gateway.AcceptedFor(alertId).ShouldBeEmpty();
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/care/notifications/failed", 403);

        // Older dead letters, of other messages and more than a page of these, hide none of them.
        await using var connection = await Store.OpenAsync();
        await connection.ExecuteAsync(
            $"insert into {DeadLetters} (id, execution_time, body, message_type, received_at, source, exception_type, exception_message, sent_at, replayable) " +
            "select gen_random_uuid(), now() - interval '1 day', body, case when g % 2 = 0 then 'TimeBank.Elsewhere' else message_type end, received_at, " +
            "'copied by the test', exception_type, exception_message, sent_at - interval '1 day', false " +
            $"from {DeadLetters}, generate_series(1, 1200) g where id = $1", failed.First(n => n.AlertId == alertId).MessageId);
        try
        {
            var listed = await Host.GetAsync<List<FailedNotification>>(Keys.Admin, "/api/care/notifications/failed");
            listed.Count(n => n.AlertId == alertId).ShouldBe(4 + 600);
            listed.Select(n => n.SentAt).ShouldBeInOrder(SortDirection.Descending);
        }
        finally
        {
            await connection.ExecuteAsync($"delete from {DeadLetters} where source = 'copied by the test'");
        }
    }

    private const string DeadLetters = $"{StoredEvents.Schema}.wolverine_dead_letters";

    [Fact]
    public async Task a_notification_not_yet_sent_when_the_service_stops_goes_out_after_it_restarts()
    {
        var log = ServiceProcess.LogTo(output);
        var port = AlertGateway.FreePort();
        var settings = new Dictionary<string, string>
        {
            ["TimeBank__Notifications__WebhookUrl"] = $"http://127.0.0.1:{port}/notify",
            ["TimeBank__Notifications__RetryDelaysSeconds"] = string.Join(',', Enumerable.Repeat("1", 20)),
            ["TimeBank__NodeStaleAfter"] = "00:00:04"
        };
        await using var first = await ServiceProcess.StartAsync(log, ownDatabase: true, settings);
        var elder = await first.PostAsync("/api/elders", CareRequests.ElderBody(CareRequests.NewDistrict()));
        var elderId = elder.GetProperty("id").GetGuid();
        var visit = await first.PostAsync($"/api/elders/{elderId}/visits",
            CareRequests.VisitBody(LocalDateTime.FromDateTime(DateTime.UtcNow.AddHours(7)), emergency: Emergency));
        var alertId = visit.GetProperty("alertId").GetGuid();
        await first.CrashAsync();

        await using var gateway = AlertGateway.Start(failFirst: 0, port: port);
        await using var second = await ServiceProcess.StartAsync(log, ownDatabase: true, settings, route: b =>
        {
            b.Database = first.Database;
            return b;
        });
        var delivered = await Polling.Eventually(() => Task.FromResult(gateway.AcceptedFor(alertId).ToList()), d => d.Count >= 2, seconds: 120);
        delivered.Select(n => n.GetProperty("order").GetInt32()).Order().ToArray().ShouldBe([1, 2], "the registered contact, then the community");
    }
}
