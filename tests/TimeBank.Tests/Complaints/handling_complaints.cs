using System.Text.Json;
using Alba;
using NodaTime;
using Shouldly;
using TimeBank.Complaints;
using TimeBank.ServiceRecords.Depositing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Complaints;

/// <summary>Complaints (投诉机制): filed with a reference, acknowledged in time or listed as overdue, resolved, and an upheld one reverses its record.</summary>
public sealed class handling_complaints(AppFixture fixture) : ApiTest(fixture)
{
    private string? _reviewer;

    private async Task<string> Reviewer() => _reviewer ??= await ApiKeys.IssueAsync(Host, "reviewer", "Test reviewer");

    private static object Body(object about, string category = "false-record") => new
    {
        about, category, description = "老人说那天没人来", filedBy = new { name = "王小红", phone = "13912345678", relation = "女儿" }
    };

    private async Task<(Guid Record, Guid Volunteer)> Credited(int minutes = 60)
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        var created = await Host.PostAsync(Keys.Platform, "/api/service-records",
            LedgerScenarios.ServiceBody(volunteer, elder, Fixture.LocalNow().Date.PlusDays(-3).At(new LocalTime(14, 0)), minutes), 201);
        return ((await created.Body<ServiceRecordResult>()).Id, volunteer);
    }

    private async Task<ComplaintView> File(object body) =>
        await (await Host.PostAsync(Keys.Platform, "/api/complaints", body, 201, Guid.NewGuid().ToString())).Body<ComplaintView>();

    private static async Task ShouldBeProblem(IScenarioResult result, string type) =>
        JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.GetProperty("type").GetString().ShouldBe($"urn:timebank:problem:{type}");

    [Fact]
    public async Task a_complaint_is_filed_open_with_a_reference_and_the_complainant_masked_for_all_but_admin()
    {
        var (record, _) = await Credited();
        var complaint = await File(Body(new { serviceRecordId = record }));
        complaint.Status.ShouldBe(ComplaintStatus.Open);
        complaint.Reference.ShouldMatch(@"^TS\d{8}-[0-9A-F]{6}$");
        complaint.FiledBy.ShouldBe(new ComplainantView("王*红", "139****5678", "女儿"));
        (await Host.GetAsync<ComplaintView>(Keys.Admin, $"/api/complaints/{complaint.Id}")).FiledBy.ShouldBe(new ComplainantView("王小红", "13912345678", "女儿"));
        (await Host.GetAsync<ComplaintView>(await Reviewer(), $"/api/complaints/{complaint.Id}")).FiledBy.Phone.ShouldBe("139****5678");
        (await Host.GetAsync<ComplaintView>(Keys.Auditor, $"/api/complaints/{complaint.Id}")).Reference.ShouldBe(complaint.Reference);
        await Host.GetAsync<JsonElement>(Keys.OtherPlatform, $"/api/complaints/{complaint.Id}", 404);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/complaints/{complaint.Id}", 403);

        // The phone is stored only as ciphertext.
        await using var session = Store.QuerySession();
        (await session.LoadAsync<Complaint>(complaint.Id))!.ProtectedFiledByPhone.ShouldNotContain("13912345678");
    }

    [Fact]
    public async Task a_bad_complaint_is_refused_naming_the_field_and_nothing_is_filed()
    {
        var (record, volunteer) = await Credited();
        foreach (var (body, field) in new (object, string)[]
                 {
                     (Body(new { serviceRecordId = record, volunteerId = volunteer }), "about"), (Body(new { }), "about"),
                     (Body(new { volunteerId = volunteer }, "rude"), "category"),
                     (new { about = new { volunteerId = volunteer }, category = "other", description = "x", filedBy = new { name = "王", phone = "12", relation = "女儿" } }, "filedBy.phone")
                 })
        {
            (await (await Host.PostAsync(Keys.Platform, "/api/complaints", body, 400, Guid.NewGuid().ToString())).ReadAsTextAsync()).ShouldContain($"\"{field}\"");
        }
        await ShouldBeProblem(await Host.PostAsync(Keys.Platform, "/api/complaints", Body(new { organisationId = Guid.NewGuid() }), 422, Guid.NewGuid().ToString()),
            "unknown-reference");
        await Host.PostAsync(await Reviewer(), "/api/complaints", Body(new { volunteerId = volunteer }), 403, Guid.NewGuid().ToString());
        var mine = await Host.GetAsync<JsonElement>(Keys.Platform, "/api/complaints?status=open&pageSize=200");
        mine.GetProperty("items").EnumerateArray().ShouldAllBe(i => i.GetProperty("description").GetString() == "老人说那天没人来");
    }

    [Fact]
    public async Task a_complaint_not_acknowledged_in_three_days_is_overdue_until_a_reviewer_acknowledges_it()
    {
        var (_, volunteer) = await Credited();
        var complaint = await File(Body(new { volunteerId = volunteer }, "no-show"));
        var reviewer = await Reviewer();
        async Task<bool> Overdue() => (await Host.GetAsync<JsonElement>(reviewer, "/api/complaints?overdue=true&pageSize=200")).GetProperty("items")
            .EnumerateArray().Any(i => i.GetProperty("id").GetGuid() == complaint.Id);

        (await Overdue()).ShouldBeFalse();
        Fixture.Clock.Advance(Duration.FromDays(3) + Duration.FromMinutes(1));
        (await Overdue()).ShouldBeTrue();
        await Host.PostAsync(Keys.Platform, $"/api/complaints/{complaint.Id}/acknowledge", new { }, 403);
        var acknowledged = await (await Host.PostAsync(reviewer, $"/api/complaints/{complaint.Id}/acknowledge", new { }, 200)).Body<ComplaintView>();
        acknowledged.Status.ShouldBe(ComplaintStatus.Acknowledged);
        await Host.PostAsync(reviewer, $"/api/complaints/{complaint.Id}/acknowledge", new { }, 200);
        (await Overdue()).ShouldBeFalse();
        await Host.PostAsync(reviewer, $"/api/complaints/{Guid.NewGuid()}/acknowledge", new { }, 404);
    }

    [Fact]
    public async Task an_upheld_complaint_reverses_its_record_unless_the_minutes_are_spent_and_is_resolved_once()
    {
        var (record, volunteer) = await Credited();
        var reviewer = await Reviewer();
        var complaint = await File(Body(new { serviceRecordId = record }));
        var resolved = await (await Host.PostAsync(reviewer, $"/api/complaints/{complaint.Id}/resolve",
            new { outcome = "upheld", note = "核实无此服务", reverseRecord = true }, 200)).Body<ComplaintView>();
        (resolved.Status, resolved.Outcome, resolved.ReversedRecordId).ShouldBe((ComplaintStatus.Resolved, ComplaintOutcome.Upheld, record));
        (await Host.AccountAsync(Keys.Platform, volunteer)).BalanceMinutes.ShouldBe(30);
        var reversed = await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/service-records/{record}");
        reversed.GetProperty("status").GetString().ShouldBe("reversed");
        reversed.GetProperty("reversalReason").GetString()!.ShouldContain(complaint.Reference);
        await ShouldBeProblem(await Host.PostAsync(reviewer, $"/api/complaints/{complaint.Id}/resolve", new { outcome = "dismissed", note = "x" }, 409),
            "already-resolved");

        // Spent minutes: the reversal is refused with the shortfall and the complaint stays open.
        var (spent, giver) = await Credited(600);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = giver.ToString(), to = "public-pool", minutes = 620, reason = "捐赠" }, 201,
            Guid.NewGuid().ToString());
        var second = await File(Body(new { serviceRecordId = spent }));
        await ShouldBeProblem(await Host.PostAsync(reviewer, $"/api/complaints/{second.Id}/resolve",
            new { outcome = "upheld", note = "核实无此服务", reverseRecord = true }, 409), "insufficient-balance");
        (await Host.GetAsync<ComplaintView>(reviewer, $"/api/complaints/{second.Id}")).Status.ShouldBe(ComplaintStatus.Open);
        var dismissed = await (await Host.PostAsync(Keys.Admin, $"/api/complaints/{second.Id}/resolve", new { outcome = "dismissed", note = "证据不足" }, 200))
            .Body<ComplaintView>();
        (dismissed.Outcome, dismissed.ReversedRecordId).ShouldBe((ComplaintOutcome.Dismissed, (Guid?)null));
        await Host.PostAsync(reviewer, $"/api/complaints/{second.Id}/resolve", new { outcome = "dismissed", note = "x", reverseRecord = true }, 400);
        await Host.PostAsync(Keys.Platform, $"/api/complaints/{second.Id}/resolve", new { outcome = "dismissed", note = "x" }, 403);
    }
}
