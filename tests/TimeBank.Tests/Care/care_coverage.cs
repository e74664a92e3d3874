using System.Text.Json;
using Marten;
using NodaTime;
using Shouldly;
using TimeBank.Care.Coverage;
using TimeBank.Care.Actions;
using TimeBank.Care.Visits;
using TimeBank.Hosting;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Care;

/// <summary>Monthly coverage and the overdue list: the frequency rules at month and quarter edges, heightened periods, role scoping, rebuilds.</summary>
public sealed class care_coverage(AppFixture fixture) : ApiTest(fixture)
{
    private async Task Visit(Guid elder, LocalDateTime at, string mode = "home") =>
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/visits", CareRequests.VisitBody(at, mode), 201);

    private async Task CommunityHelp(Guid elder, LocalDateTime at) =>
        await Host.PostAsync(Keys.Platform, $"/api/elders/{elder}/care-actions",
            new { kind = "community-help", performedAt = CareRequests.Local(at), performedBy = "赵社工", description = "社区助餐" }, 201, Guid.NewGuid().ToString());

    private static string Q(string district) => Uri.EscapeDataString(district);

    [Fact]
    public async Task coverage_and_the_overdue_list_follow_the_rules_at_month_and_quarter_edges()
    {
        var district = CareRequests.NewDistrict();
        var now = Fixture.ShanghaiNow();
        var month = now.Date.ToYearMonth();
        var monthStart = month.OnDayOfMonth(1).AtMidnight();
        var quarterStart = CareRules.QuarterSoFar(month)[0].OnDayOfMonth(1).AtMidnight();

        // Visited in the last minutes of last month only: not visited this month.
        var lastMonthOnly = await Host.RegisterElderAsync(Keys.Platform, district, community: "甲社区", fullName: "甲老人");
        await Visit(lastMonthOnly, monthStart.PlusMinutes(-10), "phone");
        // Phoned in the first minutes of this month: met.
        var phoned = await Host.RegisterElderAsync(Keys.Platform, district, community: "甲社区", fullName: "乙老人");
        await Visit(phoned, monthStart.PlusMinutes(10), "phone");
        // Impaired, phoned this month, community help just before the quarter began: a home visit and community help missing.
        var impaired = await Host.RegisterElderAsync(Keys.Platform, district, community: "乙社区", disabled: true, fullName: "丙老人");
        await Visit(impaired, monthStart.PlusMinutes(20), "phone");
        await CommunityHelp(impaired, quarterStart.PlusMinutes(-10));
        // Impaired, home visit this month, community help just after the quarter began: met.
        var cared = await Host.RegisterElderAsync(Keys.Platform, district, community: "乙社区", disabled: true, fullName: "丁老人");
        await Visit(cared, monthStart.PlusMinutes(30), "home");
        await CommunityHelp(cared, quarterStart.PlusMinutes(10));

        await Fixture.WaitForCoverageAsync();
        var coverage = await Host.GetAsync<CoverageReport>(Keys.Platform, $"/api/care/coverage?district={Q(district)}");
        coverage.Month.ShouldBe($"{month.Year:D4}-{month.Month:D2}");
        coverage.Total.ShouldBe(new CoverageFigures(Elders: 4, Met: 2, Visited: 3, Impaired: 2, VisitedAtHome: 1, VisitRate: 0.75, HomeVisitRate: 0.5));
        coverage.Communities.Select(c => (c.Community, c.Figures.Elders, c.Figures.Met)).ShouldBe([("甲社区", 2, 1), ("乙社区", 2, 1)]);
        coverage.AsOfSequence.ShouldBeGreaterThan(0);
        coverage.LagSeconds.ShouldBe(0);

        var overdue = await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Q(district)}");
        overdue.TotalItems.ShouldBe(2);
        overdue.DaysLeft.ShouldBe(CareRules.DaysLeft(month, now.Date));
        var byElder = overdue.Items.ToDictionary(i => i.ElderId);
        byElder[lastMonthOnly].Missing.ShouldBe([new MissingCare("visits", 1, 0)]);
        byElder[lastMonthOnly].LastVisitMode.ShouldBe(VisitMode.Phone);
        byElder[lastMonthOnly].LastVisitAt.ShouldNotBeNull();
        byElder[impaired].Missing.ShouldBe([new MissingCare("home-visit", 1, 0), new MissingCare("community-help", 1, 0)]);
        overdue.Items[0].ElderId.ShouldBe(lastMonthOnly, "the longest without a visit first");

        // Per community, and through a care worker of the district.
        (await Host.GetAsync<CoverageReport>(Keys.Platform, $"/api/care/coverage?district={Q(district)}&community={Q("乙社区")}")).Total.Elders.ShouldBe(2);
        var worker = await Host.CareWorkerKeyAsync(district);
        (await Host.GetAsync<CoverageReport>(worker, "/api/care/coverage")).Total.Elders.ShouldBe(4);
        (await Host.GetAsync<OverdueList>(worker, $"/api/care/overdue?district={Q(district)}")).TotalItems.ShouldBe(2);
        await Host.GetAsync<JsonElement>(worker, $"/api/care/coverage?district={Q(CareRequests.NewDistrict())}", 403);
        (await Host.GetAsync<CoverageReport>(Keys.OtherPlatform, $"/api/care/coverage?district={Q(district)}")).Total.Elders.ShouldBe(0);
        await Host.GetAsync<JsonElement>(Keys.Kiosk, "/api/care/coverage", 403);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/care/coverage?month=2026-13", 400);
        await Host.GetAsync<JsonElement>(Keys.Platform, "/api/care/overdue?month=0001-01", 400);
    }

    [Fact]
    public async Task a_heightened_period_raises_the_months_minimum_in_its_districts()
    {
        var district = CareRequests.NewDistrict();
        var now = Fixture.ShanghaiNow();
        var elder = await Host.RegisterElderAsync(Keys.Platform, district);
        await Visit(elder, now.PlusHours(-2), "phone");
        var elsewhere = CareRequests.NewDistrict();
        var other = await Host.RegisterElderAsync(Keys.Platform, elsewhere);
        await Visit(other, now.PlusHours(-2), "phone");

        var period = new { from = now.Date.ToString("yyyy-MM-dd", null), to = now.Date.PlusDays(3).ToString("yyyy-MM-dd", null), districts = new[] { district },
            minimumVisits = 2, reason = "寒潮降温" };
        await Host.PostAsync(Keys.Platform, "/api/care/heightened-periods", period, 403, Guid.NewGuid().ToString());
        await Host.PostAsync(Keys.Admin, "/api/care/heightened-periods", new { from = "2026-12-01", to = "2026-11-01", minimumVisits = 1, reason = "" }, 400,
            Guid.NewGuid().ToString());
        var declared = await (await Host.PostAsync(Keys.Admin, "/api/care/heightened-periods", period, 201, Guid.NewGuid().ToString())).Body<HeightenedPeriod>();
        declared.MinimumVisits.ShouldBe(2);

        await Fixture.WaitForCoverageAsync();
        var overdue = await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Q(district)}");
        overdue.Items.Single().Missing.ShouldBe([new MissingCare("visits", 2, 1)]);
        (await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Q(elsewhere)}")).TotalItems.ShouldBe(0);

        await Visit(elder, now.PlusHours(-1), "phone");
        await Fixture.WaitForCoverageAsync();
        (await Host.GetAsync<OverdueList>(Keys.Platform, $"/api/care/overdue?district={Q(district)}")).TotalItems.ShouldBe(0);
    }

    [Fact]
    public async Task the_coverage_documents_are_what_folding_the_events_again_gives()
    {
        var district = CareRequests.NewDistrict();
        var now = Fixture.ShanghaiNow();
        var elders = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var elder = await Host.RegisterElderAsync(Keys.Platform, district, disabled: i == 0);
            elders.Add(elder);
            for (var v = 0; v <= i; v++) await Visit(elder, now.PlusHours(-1 - v), v % 2 == 0 ? "home" : "video");
            await CommunityHelp(elder, now.PlusHours(-5));
        }
        await Fixture.WaitForCoverageAsync();

        await using var session = Store.QuerySession();
        var ids = elders.ToArray();
        var stored = await Marten.QueryableExtensions.ToListAsync(session.Query<CareMonth>().Where(m => m.ElderId.IsOneOf(ids)));
        var projection = new CareMonthProjection();
        var rebuilt = new Dictionary<string, CareMonth>();
        var events = await Marten.QueryableExtensions.ToListAsync(session.Events.QueryAllRawEvents().OrderBy(e => e.Sequence)
            .Where(e => e.EventTypeName == "elder_visited" || e.EventTypeName == "care_action_recorded"));
        foreach (var e in events)
        {
            switch (e.Data)
            {
                case ElderVisited visited when elders.Contains(visited.ElderId):
                    projection.Apply(visited, Month(CareMonth.IdFor(visited.ElderId, visited.CountsFor.ToYearMonth())));
                    break;
                case CareActionRecorded action when elders.Contains(action.ElderId):
                    projection.Apply(action, Month(CareMonth.IdFor(action.ElderId, action.PerformedOn.ToYearMonth())));
                    break;
            }
        }
        CareMonth Month(string id) => rebuilt.TryGetValue(id, out var m) ? m : rebuilt[id] = new CareMonth();
        JsonSerializer.Serialize(stored.OrderBy(m => m.Id)).ShouldBe(JsonSerializer.Serialize(rebuilt.Values.OrderBy(m => m.Id)));
        stored.Sum(m => m.Visits).ShouldBe(6);
    }
}

/// <summary>Rebuilding the coverage projections from the events, with the service's own command line, gives the same figures.</summary>
public sealed class rebuilding_coverage(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task a_rebuild_from_the_events_gives_the_same_coverage_and_overdue_list()
    {
        var log = ServiceProcess.LogTo(output);
        await using var first = await ServiceProcess.StartAsync(log, ownDatabase: true);
        var district = CareRequests.NewDistrict();
        var now = LocalDateTime.FromDateTime(DateTime.UtcNow.AddHours(8));
        var elders = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            var elder = (await first.PostAsync("/api/elders", CareRequests.ElderBody(district, community: i % 2 == 0 ? "甲社区" : "乙社区", disabled: i == 0)))
                .GetProperty("id").GetGuid();
            elders.Add(elder);
            for (var v = 0; v < i; v++) await first.PostAsync($"/api/elders/{elder}/visits", CareRequests.VisitBody(now.PlusHours(-1 - v), v == 0 ? "home" : "phone"));
        }
        var query = $"?district={Uri.EscapeDataString(district)}";
        var before = await CaughtUp(first, query, visited: 3);
        var connection = ServiceProcess.ConnectionTo(first.Database!).ConnectionString;

        var written = await LastWrittenAsync(connection);
        var refused = await ServiceProcess.RunCommandAsync(connection, "projections", "rebuild", "-p", CareMonthProjection.ProjectionName);
        refused.ExitCode.ShouldBe(1, refused.Output + refused.Error);
        refused.Error.ShouldContain("projections rebuild refused: 1 node(s)");
        (await LastWrittenAsync(connection)).ShouldBe(written, "a refused rebuild rewrites nothing");

        await first.CrashAsync();
        // The crashed node's last heartbeat is seconds old, so it counts as live until it is stale: the operator knows better.
        foreach (var projection in new[] { CareMonthProjection.ProjectionName, ElderCareSummaryProjection.ProjectionName })
        {
            var (exitCode, stdout, stderr) = await ServiceProcess.RunCommandAsync(connection, "projections", "rebuild", "-p", projection, RebuildGuard.Force);
            exitCode.ShouldBe(0, stdout + stderr);
        }

        await using var second = await ServiceProcess.StartAsync(log, ownDatabase: true, route: b =>
        {
            b.Database = first.Database;
            return b;
        });
        var after = await CaughtUp(second, query, visited: 3);
        after.Coverage.GetProperty("total").GetRawText().ShouldBe(before.Coverage.GetProperty("total").GetRawText());
        after.Coverage.GetProperty("communities").GetRawText().ShouldBe(before.Coverage.GetProperty("communities").GetRawText());
        after.Overdue.GetProperty("items").GetRawText().ShouldBe(before.Overdue.GetProperty("items").GetRawText());
        before.Overdue.GetProperty("items")[0].GetProperty("missing").GetArrayLength().ShouldBe(3, "the impaired elder never visited misses all three");
    }

    private static async Task<string> LastWrittenAsync(string connectionString)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        return await connection.ScalarAsync<string>("select count(*) || ' documents, newest ' || max(mt_last_modified) from timebank.mt_doc_caremonth");
    }

    private static async Task<(JsonElement Coverage, JsonElement Overdue)> CaughtUp(ServiceProcess service, string query, int visited)
    {
        var coverage = await Polling.Eventually(() => service.GetAsync("/api/care/coverage" + query),
            read => (read.GetProperty("total").GetProperty("visited").GetInt32(), read.GetProperty("lagSeconds").GetDouble()) == (visited, 0));
        (coverage.GetProperty("total").GetProperty("visited").GetInt32(), coverage.GetProperty("lagSeconds").GetDouble())
            .ShouldBe((visited, 0.0), $"coverage did not catch up: {coverage}");
        return (coverage, await service.GetAsync("/api/care/overdue" + query));
    }
}
