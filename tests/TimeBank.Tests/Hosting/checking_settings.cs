using Microsoft.Extensions.Configuration;
using Shouldly;
using TimeBank.Hosting;

namespace TimeBank.Tests.Hosting;

/// <summary>Every setting under TimeBank is checked before the service starts: out of range or unreadable, it is named.</summary>
public sealed class checking_settings
{
    private static IReadOnlyList<string> ProblemsWith(params (string Key, string Value)[] settings) =>
        Settings.Problems(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void the_defaults_and_the_documented_examples_pass()
    {
        ProblemsWith().ShouldBeEmpty();
        ProblemsWith(("TimeBank:Durability", "solo"), ("TimeBank:RequestSummaryEvery", "00:00:00"), ("TimeBank:RateLimit:PermitsPerSecond", "0"),
                ("TimeBank:Points:PerServiceType:medical-escort", "20"), ("TimeBank:Notifications:RetryDelaysSeconds", "0.2, 5,30"),
                ("TimeBank:Notifications:WebhookUrl", "https://notify.example.org/hook"), ("TimeBank:Recognition:StarHours", "10,20"),
                ("TimeBank:Care:TimeZone", "Asia/Urumqi"))
            .ShouldBeEmpty();
    }

    [Theory]
    [InlineData("TimeBank:DefaultTimeZone", "Mars/Olympus")]
    [InlineData("TimeBank:HoldDuration", "00:00:00")]
    [InlineData("TimeBank:HoldDuration", "-1.00:00:00")]
    [InlineData("TimeBank:BackPostingWindow", "10000.00:00:00")]
    [InlineData("TimeBank:MaxRequestBodyBytes", "-1")]
    [InlineData("TimeBank:MaxRequestBodyBytes", "9223372036854775807")]
    [InlineData("TimeBank:RequestSummaryEvery", "-00:00:01")]
    [InlineData("TimeBank:Durability", "Serverless")]
    [InlineData("TimeBank:Durability", "1")]
    [InlineData("TimeBank:NodeHeartbeat", "00:00:00")]
    [InlineData("TimeBank:NodeStaleAfter", "00:00:03")]
    [InlineData("TimeBank:PersonalDataKey", "too-short-to-protect-anything")]
    [InlineData("TimeBank:Points:PointsPerHour", "-5")]
    [InlineData("TimeBank:Care:TimeZone", "")]
    [InlineData("TimeBank:Care:ReviewEveryMonths", "0")]
    [InlineData("TimeBank:Care:MaxActivePairings", "1000")]
    [InlineData("TimeBank:Notifications:WebhookUrl", "ftp://example.org/hook")]
    [InlineData("TimeBank:Notifications:RetryDelaysSeconds", "5,soon")]
    [InlineData("TimeBank:Notifications:RetryDelaysSeconds", "5,-1")]
    [InlineData("TimeBank:Complaints:AcknowledgeWithin", "00:00:00")]
    [InlineData("TimeBank:RateLimit:PermitsPerSecond", "-1")]
    [InlineData("TimeBank:RateLimit:Burst", "0")]
    [InlineData("TimeBank:RateLimit:AnonymousPermitsPerSecond", "2000000000")]
    [InlineData("TimeBank:Health:MaxProjectionLag", "00:00:00")]
    [InlineData("TimeBank:Integrity:MaxMinutesPerDay", "0")]
    [InlineData("TimeBank:Integrity:MaxRecordsPerPairPerDay", "-3")]
    [InlineData("TimeBank:Integrity:LatePostingDays", "0")]
    [InlineData("TimeBank:Integrity:NightStarts", "1.00:00:00")]
    [InlineData("TimeBank:Integrity:NightEnds", "-01:00:00")]
    [InlineData("TimeBank:Integrity:NightExemptServiceTypes:0", "juggling")]
    [InlineData("TimeBank:Integrity:LowRatingStars", "6")]
    [InlineData("TimeBank:Statistics:RedemptionAge", "200")]
    [InlineData("TimeBank:Statistics:TargetVolunteers", "-1")]
    [InlineData("TimeBank:Statistics:TargetServiceHours", "-1")]
    [InlineData("TimeBank:Recognition:StarHours", "300,100")]
    [InlineData("TimeBank:Recognition:StarHours", "1,2,3,4,5,6")]
    [InlineData("TimeBank:Recognition:StarHours", "100,lots")]
    [InlineData("TimeBank:Recognition:StarHours", "")]
    [InlineData("TimeBank:Recognition:IssuingBody", " ")]
    // Values the configuration binder cannot read at all are named as well.
    [InlineData("TimeBank:HoldDuration", "a week")]
    [InlineData("TimeBank:MaxRequestBodyBytes", "99999999999999999999999")]
    [InlineData("TimeBank:Care:MaxActivePairings", "five")]
    [InlineData("TimeBank:Auditing:HashChain", "perhaps")]
    [InlineData("TimeBank:Statistics:RedemptionAge", "6\u00000")]
    public void a_value_out_of_range_or_unreadable_is_one_problem_naming_its_setting(string key, string value)
    {
        var problems = ProblemsWith((key, value));
        problems.Count.ShouldBe(1, string.Join(Environment.NewLine, problems));
        problems[0].ShouldContain(key.EndsWith(":0") ? key[..^2] : key);
    }

    [Fact]
    public async Task the_service_refuses_to_start_naming_each_bad_setting_without_a_stack_trace()
    {
        var (exitCode, output, error) = await ServiceProcess.RunCommandAsync(ServiceProcess.ConnectionTo("timebank_not_used").ConnectionString,
            new Dictionary<string, string> { ["TimeBank__MaxRequestBodyBytes"] = "-1", ["TimeBank__Care__TimeZone"] = "Mars/Olympus" });
        exitCode.ShouldBe(2, output + error);
        error.ShouldContain(Settings.Heading);
        error.ShouldContain("TimeBank:MaxRequestBodyBytes");
        error.ShouldContain("TimeBank:Care:TimeZone");
        error.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task production_refuses_to_serve_without_a_personal_data_key_before_it_connects()
    {
        // A closed port: had the service tried the database, it would have failed on that instead.
        var closedPort = ServiceProcess.FreePort();
        var (exitCode, output, error) = await ServiceProcess.RunCommandAsync(
            $"Host=127.0.0.1;Port={closedPort};Database=timebank;Username=timebank;Password=timebank",
            new Dictionary<string, string> { ["ASPNETCORE_ENVIRONMENT"] = "Production", ["TimeBank__PersonalDataKey"] = "" });
        exitCode.ShouldBe(2, output + error);
        error.ShouldContain(Settings.Heading);
        error.ShouldContain("TimeBank__PersonalDataKey");
        (output + error).ShouldNotContain("Failed to connect");
        error.ShouldNotContain("   at ");
    }
}
