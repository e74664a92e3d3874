using System.Text.Json;
using Alba;
using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Care.Files;
using TimeBank.Hosting;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Care;

/// <summary>The elder's care file (annex 4 一 to 四): replaced with a review, read masked, the contact order enforced, reviews due every six months.</summary>
public sealed class keeping_care_files(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<IScenarioResult> Put(string key, Guid elder, object body, int status) => await Host.Scenario(s =>
    {
        s.WithRequestHeader("X-Api-Key", key);
        s.Put.Json(body).ToUrl($"/api/elders/{elder}/care-file");
        s.StatusCodeShouldBe(status);
    });

    [Fact]
    public async Task a_file_is_replaced_with_its_review_and_read_masked_for_all_but_admin()
    {
        var district = CareRequests.NewDistrict();
        var elder = await Host.RegisterElderAsync(Keys.Platform, district);
        await Host.GetAsync<JsonElement>(Keys.Platform, $"/api/elders/{elder}/care-file", 404);

        var first = await (await Put(Keys.Platform, elder, CareRequests.CareFileBody("moderately-impaired"), 200)).Body<CareFileView>();
        first.Impaired.ShouldBeTrue();
        first.Reviews.ShouldBe(1);
        first.ReviewedBy.ShouldBe("王网格");
        first.Changed.Count.ShouldBe(7, "the first file changes every part");
        first.EmergencyContacts.Select(c => c.Phone).ShouldBe(["138****1111", "138****2222", "022*****6789"]);
        first.HouseholdMembers[0].IdNumber.ShouldContain("********");
        first.DisabilityCertificate!.Number.ShouldContain("****");
        first.ReviewDueOn.ShouldBe(first.ReviewedOn.PlusMonths(6));

        var admin = await Host.GetAsync<CareFileView>(Keys.Admin, $"/api/elders/{elder}/care-file");
        admin.EmergencyContacts[0].Phone.ShouldBe("13800001111");
        admin.HouseholdMembers[0].IdNumber.Length.ShouldBe(18);
        admin.LivingConditions.ElectricitySafe.ShouldBeFalse();
        (await Host.GetAsync<CareFileView>(Keys.Auditor, $"/api/elders/{elder}/care-file")).EmergencyContacts[0].Phone.ShouldBe("138****1111");

        var second = await (await Put(Keys.Platform, elder, CareRequests.CareFileBody("lost", reviewedBy: "赵社工"), 200)).Body<CareFileView>();
        second.Changed.ShouldBe(["abilityLevel", "householdMembers"], "the household member's generated id number differs too");
        second.Reviews.ShouldBe(2);
        second.AbilityLevel.ShouldBe(AbilityLevel.Lost);

        await using var session = Store.QuerySession();
        var stored = await session.LoadAsync<CareFile>(CareFile.IdFor(elder));
        JsonSerializer.Serialize(stored).ShouldNotContain("13800001111", Case.Sensitive, "phones are kept only as ciphertext");
        var events = await session.Events.FetchStreamAsync(CareFile.IdFor(elder));
        events.Select(e => e.Data).OfType<CareFileReplaced>().Select(e => e.ReviewedBy).ShouldBe(["王网格", "赵社工"]);
    }

    [Fact]
    public async Task a_contact_list_out_of_order_or_a_bad_part_is_refused_naming_the_field_and_nothing_is_written()
    {
        var elder = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        var cases = new (object Body, string Field)[]
        {
            (CareRequests.CareFileBody(contacts: [new { fullName = "王芳", phone = "13800002222", relation = "relative" },
                new { fullName = "李强", phone = "13800001111", relation = "child" }]), "emergencyContacts[1].relation"),
            (CareRequests.CareFileBody(contacts: [new { fullName = "邻居老王", phone = "13800002222", relation = "other" }]), "emergencyContacts[0].relation"),
            (CareRequests.CareFileBody(contacts: []), "emergencyContacts"),
            (CareRequests.CareFileBody("half-impaired"), "abilityLevel"),
            (new { abilityLevel = "intact" }, "livesAtRegisteredAddress"),
            (CareRequests.CareFileBody(reviewedBy: ""), "reviewedBy")
        };
        foreach (var (body, field) in cases)
        {
            var problem = await (await Put(Keys.Platform, elder, body, 400)).Problem(Problems.Types.Validation);
            problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"{field} in {problem}");
        }
        await using var session = Store.QuerySession();
        (await session.LoadAsync<CareFile>(CareFile.IdFor(elder))).ShouldBeNull();
    }

    [Fact]
    public async Task a_care_worker_keeps_files_in_its_districts_only_and_a_kiosk_not_at_all()
    {
        var district = CareRequests.NewDistrict();
        var mine = await Host.RegisterElderAsync(Keys.Platform, district);
        var elsewhere = await Host.RegisterElderAsync(Keys.Platform, CareRequests.NewDistrict());
        var worker = await Host.CareWorkerKeyAsync(district);

        await Put(worker, mine, CareRequests.CareFileBody(), 200);
        (await Host.GetAsync<CareFileView>(worker, $"/api/elders/{mine}/care-file")).EmergencyContacts[0].Phone.ShouldBe("138****1111");
        await (await Put(worker, elsewhere, CareRequests.CareFileBody(), 403)).Problem(Problems.Types.Forbidden);
        await Host.GetAsync<JsonElement>(worker, $"/api/elders/{elsewhere}/care-file", 403);
        await Put(Keys.OtherPlatform, mine, CareRequests.CareFileBody(), 403);
        await Put(Keys.Kiosk, mine, CareRequests.CareFileBody(), 403);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, $"/api/elders/{mine}/care-file", 403);
        await Put(Keys.Auditor, mine, CareRequests.CareFileBody(), 403);
    }

    [Fact]
    public async Task a_care_worker_key_names_its_districts_and_no_other_role_does()
    {
        var refused = await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "社区", role = "care-worker" }, 400);
        (await refused.Problem(Problems.Types.Validation)).GetProperty("errors").TryGetProperty("districts", out _).ShouldBeTrue();
        await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "平台", role = "platform", districts = new[] { "和平区" } }, 400);
        var issued = await Host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "社区", role = "care-worker", districts = new[] { "和平区", "河西区" } }, 201);
        (await issued.Body<TimeBank.Access.Issuing.IssuedApiKey>()).Districts.ShouldBe(["和平区", "河西区"]);
    }

    [Fact]
    public async Task reviews_are_due_for_elders_never_reviewed_or_reviewed_over_six_months_ago_oldest_first()
    {
        var district = CareRequests.NewDistrict();
        var never = await Host.RegisterElderAsync(Keys.Platform, district);
        var recent = await Host.RegisterElderAsync(Keys.Platform, district);
        var stale = await Host.RegisterElderAsync(Keys.Platform, district);
        var today = Fixture.ShanghaiNow().Date;
        await Put(Keys.Platform, recent, CareRequests.CareFileBody(), 200);
        await Put(Keys.Platform, stale, new Dictionary<string, object?>(JsonSerializer.Deserialize<Dictionary<string, object?>>(
            JsonSerializer.Serialize(CareRequests.CareFileBody()))!) { ["reviewedOn"] = today.PlusMonths(-7).ToString("yyyy-MM-dd", null) }, 200);

        var due = await Host.GetAsync<Page<ReviewDue>>(Keys.Platform, $"/api/care/reviews-due?district={Uri.EscapeDataString(district)}");
        due.Items.Select(d => d.ElderId).ShouldBe([stale, never]);
        due.Items[0].LastReviewedOn.ShouldBe(today.PlusMonths(-7));
        due.Items[0].DueSince.ShouldBe(today.PlusMonths(-1));
        due.Items[1].LastReviewedOn.ShouldBeNull();

        var worker = await Host.CareWorkerKeyAsync(district);
        (await Host.GetAsync<Page<ReviewDue>>(worker, "/api/care/reviews-due")).TotalItems.ShouldBe(2, "a care worker sees its districts without naming them");
        await Host.GetAsync<JsonElement>(worker, "/api/care/reviews-due?district=河西区", 403);
        (await Host.GetAsync<Page<ReviewDue>>(Keys.OtherPlatform, $"/api/care/reviews-due?district={Uri.EscapeDataString(district)}")).TotalItems.ShouldBe(0);
    }
}
