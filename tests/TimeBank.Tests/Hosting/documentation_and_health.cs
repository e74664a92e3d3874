using System.Text.Json;
using Alba;
using Shouldly;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Hosting;

public sealed class documentation_and_health(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task health_reports_the_database()
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url("/health");
            s.StatusCodeShouldBe(200);
        });
        var health = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        health.GetProperty("status").GetString().ShouldBe("Healthy");
        health.GetProperty("checks").GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public async Task swagger_documents_every_endpoint_with_problem_schemas_and_nodatime_as_strings()
    {
        var result = await Host.Scenario(s =>
        {
            s.Get.Url("/swagger/v1/swagger.json");
            s.StatusCodeShouldBe(200);
        });
        var document = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        var paths = document.GetProperty("paths");

        (string Path, string Method)[] endpoints =
        [
            ("/api/api-keys", "post"), ("/api/volunteers", "post"), ("/api/volunteers/{id}", "get"), ("/api/elders", "post"),
            ("/api/elders/{id}", "get"), ("/api/service-records", "post"), ("/api/service-records/{id}", "get"),
            ("/api/service-records/{id}/reversal", "post"), ("/api/service-types", "get"), ("/api/accounts/{id}", "get"),
            ("/api/accounts/{id}/entries", "get"), ("/api/transfers", "post"), ("/api/redemptions", "post"),
            ("/api/redemptions/{id}", "get"), ("/api/redemptions/{id}/settle", "post"), ("/api/redemptions/{id}/cancel", "post"),
            ("/api/ledger/trial-balance", "get")
        ];
        foreach (var (path, method) in endpoints)
        {
            paths.TryGetProperty(path, out var item).ShouldBeTrue(path);
            item.TryGetProperty(method, out _).ShouldBeTrue($"{method} {path}");
        }

        var recordService = paths.GetProperty("/api/service-records").GetProperty("post");
        recordService.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _).ShouldBeTrue();
        recordService.GetProperty("responses").GetProperty("400").GetProperty("content")
            .TryGetProperty("application/problem+json", out _).ShouldBeTrue();
        recordService.GetProperty("responses").GetProperty("413").GetProperty("content")
            .TryGetProperty("application/problem+json", out _).ShouldBeTrue();
        paths.GetProperty("/api/service-types").GetProperty("get").GetProperty("responses").TryGetProperty("413", out _).ShouldBeFalse();

        var schemas = document.GetProperty("components").GetProperty("schemas");
        var request = schemas.EnumerateObject().Single(s => s.Name.EndsWith("RecordServiceRequest")).Value.GetProperty("properties");
        request.GetProperty("startedAt").GetProperty("type").ToString().ShouldContain("string");
        request.GetProperty("startedAt").GetProperty("format").GetString().ShouldBe("local-date-time");
        var result201 = schemas.EnumerateObject().Single(s => s.Name.EndsWith("TransferResult")).Value.GetProperty("properties");
        result201.GetProperty("transferredAt").GetProperty("format").GetString().ShouldBe("date-time");
        schemas.EnumerateObject().ShouldContain(s => s.Name.EndsWith("HttpValidationProblemDetails"));
    }

    [Fact]
    public async Task the_swagger_ui_is_served()
    {
        await Host.Scenario(s =>
        {
            s.Get.Url("/swagger/index.html");
            s.StatusCodeShouldBe(200);
        });
    }

    [Fact]
    public async Task live_answers_without_checks_and_ready_checks_the_database_and_the_projections_lag()
    {
        await Fixture.WaitForChainAsync();
        var live = await Host.Scenario(s => s.Get.Url("/health/live"));
        JsonDocument.Parse(await live.ReadAsTextAsync()).RootElement.GetProperty("checks").EnumerateObject().ShouldBeEmpty();

        var ready = await Host.Scenario(s => s.Get.Url("/health/ready"));
        var checks = JsonDocument.Parse(await ready.ReadAsTextAsync()).RootElement.GetProperty("checks");
        checks.GetProperty("database").GetProperty("status").GetString().ShouldBe("Healthy");
        checks.GetProperty("projections").GetProperty("status").GetString().ShouldBe("Healthy");
    }

    [Fact]
    public void a_projection_behind_by_more_than_the_allowed_lag_makes_the_node_unready_naming_it()
    {
        var lag = TimeSpan.FromSeconds(30);
        TimeBank.Hosting.ProjectionLagCheck.Judge([new("AuditHashChain:All", 100, 0, null)], lag).Status
            .ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);
        TimeBank.Hosting.ProjectionLagCheck.Judge([new("AuditHashChain:All", 100, 12, 3)], lag).Status
            .ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy);

        var stalled = TimeBank.Hosting.ProjectionLagCheck.Judge([new("AuditHashChain:All", 100, 4000, 95), new("Reports:All", 7, 0, null)], lag);
        stalled.Status.ShouldBe(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy);
        stalled.Description.ShouldBe("AuditHashChain:All is 4000 events and 95 s behind (at sequence 100)");
    }

    [Fact]
    public async Task metrics_count_credited_deposits_and_refusals_by_problem_type_for_prometheus()
    {
        await Fixture.VolunteerWithBalance(30);
        await Host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", Keys.Platform);
            s.Post.Json(new { from = "public-pool", to = "public-pool", minutes = 0 }).ToUrl("/api/transfers");
            s.StatusCodeShouldBe(400);
        });

        // The scrape endpoint caches a scrape for a moment; ask until it shows this test's counts.
        var text = await Host.MetricsAsync(t => t.Contains("timebank_deposits_credited") && t.Contains("problem_type=\"validation\""));
        text.ShouldContain("timebank_deposits_credited");
        text.ShouldContain("timebank_minutes_credited");
        text.ShouldContain("timebank_refusals");
        text.ShouldContain("problem_type=\"validation\"");
        text.ShouldContain("http_server_request_duration_seconds");
        // ASP.NET Core's other per-request meters repeat what the status codes show, at a cost on every request.
        text.ShouldNotContain("aspnetcore_routing_match_attempts");
        text.ShouldNotContain("aspnetcore_authorization_attempts");
        text.ShouldNotContain("aspnetcore_memory_pool");
    }

    [Fact]
    public async Task metrics_show_how_long_each_fold_off_the_write_path_takes_and_how_many_events_it_was_handed()
    {
        await Fixture.VolunteerWithBalance(30);

        var folds = new[] { "hash-chain", "statistics", "integrity-review", "star-levels" };
        var text = await Host.MetricsAsync(t => folds.All(f => Series(t, "timebank_fold_events_total", f) > 0));
        foreach (var fold in folds)
        {
            Series(text, "timebank_fold_events_total", fold).ShouldBeGreaterThan(0);
            Series(text, "timebank_fold_duration_seconds_count", fold).ShouldBeGreaterThan(0);
            Series(text, "timebank_fold_duration_seconds_sum", fold).ShouldBeGreaterThan(0);
        }
        // A page takes milliseconds: the buckets must tell 10 ms from 100 ms, not start at 5 s.
        text.ShouldContain("timebank_fold_duration_seconds_bucket{otel_scope_name=\"TimeBank\",fold=\"statistics\",le=\"0.01\"}");
        text.ShouldContain("timebank_fold_duration_seconds_bucket{otel_scope_name=\"TimeBank\",fold=\"statistics\",le=\"0.1\"}");
    }

    private static double Series(string metrics, string name, string fold) => TimeBank.Bench.ServiceCounters.Sum(metrics, name, $"fold=\"{fold}\"") ?? 0;

    [Fact]
    public async Task metrics_show_how_many_requests_each_group_commit_took_together()
    {
        var (volunteer, elder) = await Fixture.VolunteerWithBalance(30);
        await Host.PostAsync(Keys.Platform, "/api/transfers", new { from = volunteer.ToString(), to = elder.ToString(), minutes = 10, reason = "赠与" },
            201, Guid.NewGuid().ToString());

        double Batches(string metrics, string series, string queue, params string[] labels) =>
            TimeBank.Bench.ServiceCounters.Sum(metrics, "timebank_commit_batch" + series, [$"queue=\"{queue}\"", .. labels]) ?? 0;
        var text = await Host.MetricsAsync(t => Batches(t, "_count", "deposits") > 0 && Batches(t, "_count", "transfers") > 0);
        foreach (var queue in new[] { "deposits", "transfers" })
        {
            // Every batch holds at least one request, and no more than a lane takes at once.
            Batches(text, "_sum", queue).ShouldBeGreaterThanOrEqualTo(Batches(text, "_count", queue));
            Batches(text, "_bucket", queue, "le=\"64\"").ShouldBe(Batches(text, "_count", queue));
            text.ShouldContain($"timebank_commit_batch_bucket{{otel_scope_name=\"TimeBank\",queue=\"{queue}\",le=\"1\"}}");
        }
    }

    [Fact]
    public async Task metrics_name_the_database_pools_by_their_use_and_never_where_the_database_is()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(30);
        await Host.AccountAsync(Keys.Admin, volunteer);

        var text = await Host.MetricsAsync(t => t.Contains("pool_name=\"timebank-reads\"") && t.Contains("marten_ledgerfolds_all_gap_count"));
        var pools = System.Text.RegularExpressions.Regex.Matches(text, "pool_name=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToHashSet();
        pools.ShouldContain("timebank");
        pools.ShouldContain("timebank-reads");
        // Npgsql's meter is the process's: the suite's own pools show too, by their raw connection strings. The service's
        // would carry what the service adds to its connection string.
        var serviceDefaults = new Npgsql.NpgsqlConnectionStringBuilder(TimeBank.Hosting.ConnectionTuning.WithServiceDefaults("Host=h"));
        pools.ShouldNotContain(pool => pool.Contains($"Max Auto Prepare={serviceDefaults.MaxAutoPrepare}"));
        // Nor do the statements' durations or the daemon's gaps say where the database is.
        var database = new Npgsql.NpgsqlConnectionStringBuilder(Environment.GetEnvironmentVariable("TIMEBANK_TEST_CONNECTION"));
        text.ShouldContain("db_client_operation_duration_seconds_count{");
        text.ShouldNotContain($"server_port=\"{database.Port}\"");
        text.ShouldContain("marten_ledgerfolds_all_gap_count{");
        text.ShouldNotContain("database_uri");
    }

    [Fact]
    public async Task metrics_show_how_far_each_async_projection_lags_and_whether_this_node_leads()
    {
        await Fixture.VolunteerWithBalance(30);
        var text = await Host.MetricsAsync(t => t.Contains("timebank_projection_lag_seconds{") && t.Contains("timebank_node_leader"));
        var lines = text.Split('\n');
        lines.ShouldContain(l => l.StartsWith("timebank_projection_lag_seconds{") && l.Contains("shard=\"AuditHashChain:All\""));
        lines.ShouldContain(l => l.StartsWith("timebank_projection_behind{") && l.Contains("shard=\"AuditHashChain:All\""));
        // The suite's host runs alone (Solo): it leads.
        TimeBank.Bench.ServiceCounters.Sum(text, "timebank_node_leader").ShouldBe(1);
    }

    [Fact]
    public async Task the_cluster_view_shows_the_nodes_which_leads_and_what_runs_where_to_admins_and_auditors_only()
    {
        foreach (var key in new[] { Keys.Admin, Keys.Auditor })
        {
            var cluster = await Host.GetAsync<TimeBank.Operating.Cluster.ClusterView>(key, "/api/cluster");
            cluster.Durability.ShouldBe("Solo");
            var node = cluster.Nodes.ShouldHaveSingleItem();
            node.Answering.ShouldBeTrue();
            node.Leader.ShouldBeTrue();
            node.Agents.ShouldContain(a => a.StartsWith("event-subscriptions://") && a.EndsWith("/audithashchain/all"));
        }
        foreach (var key in new[] { Keys.Platform, Keys.Kiosk })
        {
            await Host.Scenario(s => { s.WithRequestHeader("X-Api-Key", key); s.Get.Url("/api/cluster"); s.StatusCodeShouldBe(403); });
        }
        await Host.Scenario(s => { s.Get.Url("/api/cluster"); s.StatusCodeShouldBe(401); });
    }
}
