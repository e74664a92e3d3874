using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alba;
using CsCheck;
using Marten;
using Shouldly;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Thousands of generated bodies against every write endpoint: never a 5xx, every 4xx a problem document with a
/// stable type, and a refused request writes nothing.
/// </summary>
public sealed class fuzzing_writes(AppFixture fixture) : ApiTest(fixture)
{
    private sealed record Endpoint(string Method, string Url, string[] Fields);

    private static readonly string[] Nasty =
    [
        "null", "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000b\"", "true", "[]", "{}", "[null]", "0", "-1", "1.5", "99999999999",
        "-99999999999", "2147483647", "2147483648", "1e400", "\"9999-12-31T23:59:59\"", "\"0001-01-01T00:00:00\"",
        "\"-9998-01-01T00:00:00\"", "\"2026-11-20T09:00:00\"", "\"2026-11-20T09:00:00Z\"", "\"9999-12-31T23:59:59Z\"",
        "\"public-pool\"", "\"00000000-0000-0000-0000-000000000000\"", "\"Mars/Olympus\"", "\"Etc/GMT+12\"", "\"home-visit\"",
        "\"kiosk\"", "\"admin\"", "\"senior\"", "\"living-alone\"", "\"disabled\"", "\"child\"", "\"110101196003150018\"",
        "\"11010119600315001X\"", "\"13812345678\"", "\"RICE\"", "\"..\"", "\"' or 1=1 --\"", "\"<script>\"", "\"\\ud800\""
    ];

    private static Gen<string> Values(IReadOnlyList<string> real) => Gen.OneOf(
        Gen.OneOf(Nasty),
        Gen.OneOf(real.Select(r => JsonSerializer.Serialize(r)).ToArray()),
        Gen.String.Select(s => JsonSerializer.Serialize(s)),
        Gen.Int.Select(i => i.ToString()),
        Gen.Guid.Select(g => $"\"{g}\""),
        Gen.Const(JsonSerializer.Serialize(new string('长', 5_000))));

    /// <summary>What a field usually holds, so that most requests are nearly right and one field at a time is wrong.</summary>
    private static Gen<string> Plausible(string field, IReadOnlyList<string> real, Func<string> now) => field switch
    {
        "from" or "to" or "accountId" or "volunteerId" => Gen.OneOf(JsonSerializer.Serialize(real[0]), "\"public-pool\""),
        "elderId" => Gen.Const(JsonSerializer.Serialize(real[1])),
        "marketId" => Gen.Const(JsonSerializer.Serialize(real[2])),
        "memberCode" => Gen.Const(JsonSerializer.Serialize(real[3])),
        "minutes" or "quantity" or "pointsPrice" => Gen.Int[-5, 200].Select(i => i.ToString()),
        "serviceType" => Gen.OneOf("\"home-visit\"", "\"bathing\"", "\"companionship\""),
        "startedAt" or "endedAt" => Gen.Int[1, 400 * 24].Select(h => JsonSerializer.Serialize(
            DateTime.Parse(now()).AddHours(-h).ToString("yyyy-MM-dd'T'HH':00:00'"))),
        "timeZone" => Gen.OneOf("\"Asia/Shanghai\"", "\"Asia/Urumqi\""),
        "programme" => Gen.OneOf("\"youth\"", "\"senior\"", "\"general\""),
        "idNumber" => Gen.Int[1930, 2010].Select(y => JsonSerializer.Serialize(TestPeople.IdNumber(new NodaTime.LocalDate(y, 3, 15)))),
        "phone" => Gen.Const(() => JsonSerializer.Serialize(TestPeople.Phone())),
        "role" => Gen.OneOf("\"platform\"", "\"auditor\"", "\"kiosk\""),
        "categories" => Gen.OneOf("[\"living-alone\"]", "[\"disabled\"]", "[\"empty-nest\",\"low-income\"]"),
        "disabilityGrade" => Gen.OneOf("null", "\"mild\"", "\"severe\""),
        "emergencyContact" => Gen.Const(() => $"{{\"fullName\":\"李强\",\"phone\":\"{TestPeople.Phone()}\",\"relation\":\"child\"}}"),
        "guardian" => Gen.Const("null"),
        "lines" => Gen.Int[1, 3].Select(q => $"[{{\"sku\":\"RICE\",\"quantity\":{q}}}]"),
        "expiresAt" => Gen.Const("\"2030-01-01T00:00:00Z\""),
        "visitedAt" or "performedAt" => Gen.Int[1, 400 * 24].Select(h => JsonSerializer.Serialize(
            DateTime.Parse(now()).AddHours(-h).ToString("yyyy-MM-dd'T'HH':00:00'"))),
        "from" or "to" or "signedOn" or "startsOn" or "endsOn" or "reviewedOn" => Gen.Int[-40, 40].Select(d => JsonSerializer.Serialize(
            DateTime.Parse(now()).AddDays(d).ToString("yyyy-MM-dd"))),
        "mode" => Gen.OneOf("\"home\"", "\"phone\"", "\"video\""),
        "visitor" => Gen.OneOf("{\"role\":\"grid-worker\",\"name\":\"王网格\"}", $"{{\"role\":\"volunteer\",\"volunteerId\":\"{real[0]}\"}}"),
        "findings" => Gen.Const(JsonSerializer.Serialize(TimeBank.Tests.Care.CareRequests.Findings())),
        "emergency" => Gen.OneOf("null", "{\"kind\":\"fall\",\"description\":\"摔倒\",\"calledEmergencyNumber\":true}"),
        "kind" => Gen.OneOf("\"referral\"", "\"community-help\"", "\"rescue\""),
        "satisfaction" => Gen.OneOf("null", "\"satisfied\""),
        "minimumVisits" => Gen.Int[0, 40].Select(i => i.ToString()),
        "districts" => Gen.OneOf("null", "[\"和平区\"]"),
        "abilityLevel" => Gen.OneOf("\"intact\"", "\"lost\""),
        "livesAtRegisteredAddress" or "reverseRecord" => Gen.OneOf("true", "false"),
        "outcome" => Gen.OneOf("\"upheld\"", "\"dismissed\""),
        "livingConditions" => Gen.Const("{\"waterSafe\":true,\"electricitySafe\":true,\"housingSafe\":true,\"monthlyIncomeYuan\":1800,\"monthlyBenefitsYuan\":600}"),
        "emergencyContacts" => Gen.Const(() => $"[{{\"fullName\":\"李强\",\"phone\":\"{TestPeople.Phone()}\",\"relation\":\"child\"}}]"),
        "householdMembers" or "support" or "disabilityCertificate" or "guardianConsent" => Gen.Const("null"),
        "gridWorker" => Gen.Const("{\"name\":\"王网格\",\"phone\":\"13900001111\"}"),
        _ => Gen.OneOf("\"陪老人聊天\"", "\"和平区\"", "\"劝业场街道\"", "\"新津社区\"").Select(v => v)
            .SelectMany(v => Gen.Int[0, 1000000].Select(n => n % 3 == 0 ? JsonSerializer.Serialize($"r-{n}") : v))
    };

    private static Gen<string> Body(Endpoint endpoint, Gen<string> value, IReadOnlyList<string> real, Func<string> now)
    {
        var nasty = Gen.OneOf(value, value.Array[0, 3].Select(vs => $"[{string.Join(",", vs)}]"),
            Gen.Select(value, value, value, (a, b, c) => $"{{\"sku\":{a},\"quantity\":{b},\"fullName\":{c},\"phone\":{b},\"relation\":{a}}}"),
            Gen.Select(value, value, (a, b) => $"[{{\"sku\":{a},\"quantity\":{b}}}]"));
        // Each field present most of the time, with its plausible value or, one time in seven, a nasty one.
        var fields = endpoint.Fields
            .Select(f => Gen.Frequency((9, Gen.Frequency((6, Plausible(f, real, now)), (1, nasty)).Select(v => $"\"{f}\":{v}")), (1, Gen.Const("")) ))
            .Aggregate(Gen.Const(Array.Empty<string>()), (all, field) => all.SelectMany(list => field.Select(f => f.Length == 0 ? list : [.. list, f])))
            .Select(list => "{" + string.Join(",", list) + "}");
        return Gen.Frequency((20, fields), (1, value), (1, Gen.String));
    }

    /// <summary>Every write that takes a body, with real people and a real market where the path names them.</summary>
    private static Endpoint[] Endpoints(Guid volunteer, Guid elder, Guid market) =>
    [
        new("POST", "/api/transfers", ["from", "to", "minutes", "reason"]),
        new("POST", "/api/redemptions", ["accountId", "minutes", "serviceType", "description"]),
        new("POST", "/api/service-records", ["platformRecordId", "volunteerId", "elderId", "serviceType", "startedAt", "endedAt", "timeZone", "note"]),
        new("POST", $"/api/service-records/{Guid.NewGuid()}/reversal", ["reason"]),
        new("POST", "/api/volunteers", ["fullName", "idNumber", "phone", "programme", "district", "street", "community", "guardian"]),
        new("POST", "/api/elders", ["fullName", "idNumber", "phone", "district", "street", "community", "categories", "disabilityGrade", "emergencyContact"]),
        new("POST", "/api/api-keys", ["name", "role", "marketId", "expiresAt"]),
        new("POST", "/api/markets", ["name", "district", "street", "community"]),
        new("PUT", $"/api/markets/{market}/items/RICE", ["name", "pointsPrice", "unit"]),
        new("POST", $"/api/markets/{market}/items/RICE/stock", ["quantity", "reason"]),
        new("POST", $"/api/markets/{market}/orders", ["memberCode", "lines"]),
        new("POST", $"/api/markets/{market}/orders/{Guid.NewGuid()}/refund", ["reason"]),
        new("POST", $"/api/people/{volunteer}/grants", ["apiKeyId"]),
        new("POST", "/api/organisations", ["name", "kind", "district", "street", "community"]),
        new("POST", $"/api/organisations/{Guid.NewGuid()}/members", ["volunteerId", "role"]),
        new("POST", "/api/service-requests", ["requestedBy", "elderId", "serviceType", "window", "community", "slots", "description"]),
        new("POST", $"/api/service-requests/{Guid.NewGuid()}/claims", ["volunteerId", "organisationId"]),
        new("POST", $"/api/service-requests/{Guid.NewGuid()}/completions", ["volunteerId", "startedAt", "endedAt", "note"]),
        new("POST", $"/api/service-records/{Guid.NewGuid()}/rating", ["stars", "comment", "ratedBy"]),
        new("POST", "/api/complaints", ["about", "category", "description", "filedBy"]),
        new("POST", $"/api/complaints/{Guid.NewGuid()}/resolve", ["outcome", "note", "reverseRecord"]),
        new("POST", $"/api/integrity/flags/{Guid.NewGuid()}/decision", ["decision", "note"]),
        new("PUT", $"/api/elders/{elder}/care-file", ["livesAtRegisteredAddress", "abilityLevel", "disabilityCertificate", "householdMembers",
            "livingConditions", "support", "emergencyContacts", "reviewedBy", "reviewedOn"]),
        new("POST", $"/api/elders/{elder}/visits", ["platformVisitId", "visitedAt", "timeZone", "mode", "visitor", "findings", "needs", "suggestions",
            "emergency", "startedAt", "endedAt", "serviceType"]),
        new("POST", $"/api/elders/{elder}/care-actions", ["kind", "performedAt", "timeZone", "performedBy", "description", "satisfaction"]),
        new("POST", "/api/care/heightened-periods", ["from", "to", "districts", "minimumVisits", "reason"]),
        new("POST", $"/api/care/alerts/{Guid.NewGuid()}/close", ["handling", "handledBy"]),
        new("POST", "/api/pairings", ["volunteerId", "elderId", "programme", "gridWorker", "signedOn", "startsOn", "endsOn", "reason", "guardianConsent"]),
        new("POST", $"/api/pairings/{Guid.NewGuid()}/end", ["reason"]),
        new("POST", $"/api/volunteers/{volunteer}/certificates", ["from", "to", "purpose"])
    ];

    [Fact]
    public async Task every_documented_write_that_takes_a_body_is_fuzzed()
    {
        var document = JsonDocument.Parse(await (await Host.Scenario(s => s.Get.Url("/swagger/v1/swagger.json"))).ReadAsTextAsync());
        var fuzzed = Endpoints(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        var documented = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(operation => operation.Value.ValueKind == JsonValueKind.Object && operation.Value.TryGetProperty("requestBody", out _))
                .Select(operation => (Method: operation.Name.ToUpperInvariant(), Template: path.Name)))
            .ToList();

        documented.Count.ShouldBeGreaterThan(20);
        var unfuzzed = documented.Where(write => !fuzzed.Any(e => e.Method == write.Method && Matches(write.Template, e.Url)));
        unfuzzed.ShouldBeEmpty();
    }

    private static bool Matches(string template, string url) =>
        Regex.IsMatch(url, "^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$");

    [Fact]
    public async Task no_generated_body_gets_a_server_error_and_no_refused_one_writes_anything()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(120);
        var market = await Fixture.OpenMarketAsync();
        await Fixture.ListItemAsync(market, "RICE", "大米", 10, 5, "袋");
        var code = await Fixture.MemberCodeOf(volunteer);
        string[] real = [volunteer.ToString(), elder.ToString(), market.ToString(), code];

        var endpoints = Endpoints(volunteer, elder, market);
        var value = Values(real);
        string Now() => Fixture.Clock.GetCurrentInstant().InZone(NodaTime.DateTimeZoneProviders.Tzdb["Asia/Shanghai"]).LocalDateTime.ToString("yyyy-MM-ddTHH:mm:ss", null);
        var requests = Gen.Int[0, endpoints.Length - 1].SelectMany(i => Body(endpoints[i], value, real, Now).Select(body => (Endpoint: endpoints[i], Body: body)));
        var keys = Gen.Frequency((8, Gen.Guid.Select(g => g.ToString())), (1, Gen.Const("")), (1, Gen.Const(new string('k', 300))));

        var seen = new Dictionary<int, int>();
        await Gen.Select(requests, keys).SampleAsync(async (request, key) =>
        {
            var before = await WrittenAsync();
            var result = await Host.Scenario(s =>
            {
                s.WithRequestHeader("X-Api-Key", Keys.Admin);
                if (key.Length > 0) s.WithRequestHeader("Idempotency-Key", key);
                if (request.Endpoint.Method == "PUT") s.Put.Text(request.Body).ToUrl(request.Endpoint.Url);
                else s.Post.Text(request.Body).ToUrl(request.Endpoint.Url);
                s.ConfigureHttpContext(c => c.Request.ContentType = "application/json");
                s.IgnoreStatusCode();
            });
            var status = result.Status();
            seen[status] = seen.GetValueOrDefault(status) + 1;
            var where = $"{request.Endpoint.Method} {request.Endpoint.Url} {request.Body} -> {status}";
            status.ShouldBeLessThan(500, where);
            if (status < 400) return;

            (await ProblemDocuments.WhyNotAsync(result)).ShouldBeNull(where);
            (await WrittenAsync()).ShouldBe(before, where);
        }, iter: 1500, threads: 1, print: r => $"{r.Item1.Endpoint.Method} {r.Item1.Endpoint.Url} {r.Item1.Body}");

        // The plausible values carry requests past validation into the decisions, so refusals and writes are exercised too.
        seen.Keys.ShouldContain(400);
        seen.Keys.ShouldContain(s => s >= 200 && s < 300);
        seen.Keys.ShouldContain(s => s == 409 || s == 422);
        seen.Where(s => s.Key >= 500).ShouldBeEmpty();
    }

    /// <summary>
    /// Events and the documents a write could add: all of them equal means nothing was written. The integrity review's
    /// flags and the star levels reached are left out: the service records them by itself, off the write path, for
    /// records written earlier.
    /// </summary>
    private async Task<string> WrittenAsync()
    {
        await using var session = Store.QuerySession();
        var events = (Marten.Events.EventGraph)((Marten.DocumentStore)Store).Options.Events;
        var flagged = events.EventMappingFor(typeof(TimeBank.Integrity.RecordFlagged)).EventTypeName;
        var starred = events.EventMappingFor(typeof(TimeBank.Recognition.StarLevelReached)).EventTypeName;
        var counts = await session.QueryAsync<string>($"""
            select concat_ws(',', (select count(*) from {TimeBank.Hosting.Storage.Schema}.mt_events where type not in ('{flagged}', '{starred}')),
              (select count(*) from {Store.TableOf<TimeBank.Access.ApiKey>()}), (select count(*) from {Store.TableOf<TimeBank.People.Volunteer>()}),
              (select count(*) from {Store.TableOf<TimeBank.People.Elder>()}), (select count(*) from {Store.TableOf<TimeBank.Hosting.IdempotencyClaim>()}))
            """);
        return counts.Single();
    }
}
