using System.Text.Json;
using Alba;
using NodaTime;
using NodaTime.Text;
using TimeBank.Access.Issuing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Care;

/// <summary>Bodies and set-ups the care tests share: elders in districts of their own, so figures are the test's alone.</summary>
public static class CareRequests
{
    public static readonly DateTimeZone Shanghai = DateTimeZoneProviders.Tzdb["Asia/Shanghai"];

    /// <summary>A district no other test uses.</summary>
    public static string NewDistrict() => $"测试区{Guid.NewGuid().ToString("N")[..8]}";

    public static object ElderBody(string district, string street = "劝业场街道", string community = "新津社区", bool disabled = false, string fullName = "李秀英") => new
    {
        fullName,
        idNumber = TestPeople.IdNumber(TestPeople.SomeBirthDate(1930, 1945)),
        phone = TestPeople.Phone(),
        district,
        street,
        community,
        categories = disabled ? new[] { "disabled", "living-alone" } : new[] { "living-alone" },
        disabilityGrade = disabled ? "moderate" : null,
        emergencyContact = new { fullName = "李强", phone = "13800001111", relation = "child" }
    };

    public static async Task<Guid> RegisterElderAsync(this IAlbaHost host, string key, string district, string street = "劝业场街道",
        string community = "新津社区", bool disabled = false, string fullName = "李秀英")
    {
        var created = await host.PostAsync(key, "/api/elders", ElderBody(district, street, community, disabled, fullName), 201);
        return JsonDocument.Parse(await created.ReadAsTextAsync()).RootElement.GetProperty("id").GetGuid();
    }

    public static object VolunteerBody(string district, LocalDate birth, string street = "劝业场街道", string community = "新津社区", string programme = "senior") => new
    {
        fullName = "张晓明", idNumber = TestPeople.IdNumber(birth), phone = TestPeople.Phone(), programme, district, street, community,
        guardian = birth.PlusYears(18) > new LocalDate(2026, 1, 1) ? new { fullName = "张大明", phone = TestPeople.Phone() } : null
    };

    public static async Task<Guid> RegisterVolunteerAsync(this IAlbaHost host, string key, string district, LocalDate birth, string street = "劝业场街道",
        string community = "新津社区", string programme = "senior")
    {
        var created = await host.PostAsync(key, "/api/volunteers", VolunteerBody(district, birth, street, community, programme), 201);
        return JsonDocument.Parse(await created.ReadAsTextAsync()).RootElement.GetProperty("id").GetGuid();
    }

    public static async Task<string> CareWorkerKeyAsync(this IAlbaHost host, params string[] districts)
    {
        var result = await host.PostAsync(AppFixture.AdminKey, "/api/api-keys", new { name = "社区工作者", role = "care-worker", districts }, 201);
        return (await result.Body<IssuedApiKey>()).Key;
    }

    public static object CareFileBody(string abilityLevel = "intact", object[]? contacts = null, string reviewedBy = "王网格") => new
    {
        livesAtRegisteredAddress = true,
        abilityLevel,
        disabilityCertificate = new { number = "12010119400101123X42", grade = 2 },
        householdMembers = new object[]
        {
            new
            {
                fullName = "李秀英", sex = "female", idNumber = TestPeople.IdNumber(new LocalDate(1940, 1, 1)), relationToHead = "户主", health = "高血压",
                minimumLivingAllowance = true, extremePoverty = false
            }
        },
        livingConditions = new { waterSafe = true, electricitySafe = false, housingSafe = true, monthlyIncomeYuan = 1800, monthlyBenefitsYuan = 600 },
        support = new object[] { new { kind = "street-or-residents-committee", responsiblePerson = "赵主任", measures = "每周电话问候" } },
        emergencyContacts = contacts ?? new object[]
        {
            new { fullName = "李强", phone = "13800001111", relation = "child" },
            new { fullName = "王芳", phone = "13800002222", relation = "relative" },
            new { fullName = "新津社区居委会", phone = "022-23456789", relation = "community" }
        },
        reviewedBy
    };

    public static object Findings(string gas = "safe", string illness = "unchanged", string? illnessName = null) => new
    {
        householdChange = new { kind = "none" },
        expression = "unchanged",
        mobility = "worse",
        illness,
        illnessName,
        mood = "better",
        gasSafety = gas,
        waterHeatingSafety = "safe",
        electricitySafety = "fairly-safe",
        fireSafety = "safe",
        personalHygiene = "unchanged",
        homeHygiene = "unchanged",
        indoorEnvironment = "unchanged"
    };

    public static string Local(LocalDateTime at) => LocalDateTimePattern.ExtendedIso.Format(at);

    public static object VisitBody(LocalDateTime visitedAt, string mode = "home", object? findings = null, Guid? volunteerId = null, int? minutes = null,
        object? emergency = null, string? platformVisitId = null) => new
    {
        platformVisitId = platformVisitId ?? Guid.NewGuid().ToString("N"),
        visitedAt = Local(visitedAt),
        mode,
        visitor = volunteerId is { } v ? (object)new { role = "volunteer", volunteerId = v } : new { role = "grid-worker", name = "王网格" },
        findings = findings ?? Findings(),
        needs = "需要助浴服务",
        suggestions = "联系社工站",
        emergency,
        startedAt = minutes is null ? null : Local(visitedAt),
        endedAt = minutes is { } m ? Local(visitedAt.PlusMinutes(m)) : null
    };

    public static LocalDateTime ShanghaiNow(this AppFixture fixture) => fixture.Clock.GetCurrentInstant().InZone(Shanghai).LocalDateTime;

    /// <summary>Waits until the coverage projections have applied every event written so far.</summary>
    public static Task WaitForCoverageAsync(this AppFixture fixture) => fixture.WaitForShardsAsync("CareCoverage:All", "ElderCareSummary:All");
}
