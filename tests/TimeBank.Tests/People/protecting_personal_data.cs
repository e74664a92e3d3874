using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Shouldly;
using TimeBank.People;

namespace TimeBank.Tests.People;

public sealed class protecting_personal_data
{
    private const string Key = "a-production-secret-of-at-least-32-characters";
    private static readonly Guid Person = Guid.CreateVersion7();

    [Theory]
    [InlineData("120101196005170012", "120101********0012")]
    [InlineData("11010519491231002X", "110105********002X")]
    public void identity_numbers_show_region_and_last_four(string value, string masked) =>
        Masking.IdNumber(value).ShouldBe(masked);

    [Theory]
    [InlineData("13812345678", "138****5678")]
    [InlineData("022-12345678", "022*****5678")]
    [InlineData("23456789", "234*6789")]
    [InlineData("1234567", "*******")]
    [InlineData("", "")]
    public void phones_show_prefix_and_last_four(string value, string masked) =>
        Masking.Phone(value).ShouldBe(masked);

    [Fact]
    public void a_protected_value_reads_back_only_for_its_own_field_and_key()
    {
        var data = new PersonalData(Key);
        var field = PersonalData.Field(Person, ProtectedField.Phone);

        var first = data.Protect("13812345678", field);
        var second = data.Protect("13812345678", field);

        first.ShouldStartWith("v1:");
        first.ShouldNotContain("13812345678");
        second.ShouldNotBe(first);
        data.Reveal(first, field).ShouldBe("13812345678");
        Should.Throw<CryptographicException>(() => data.Reveal(first, PersonalData.Field(Person, ProtectedField.GuardianPhone)));
        Should.Throw<CryptographicException>(() => data.Reveal(first, PersonalData.Field(Guid.CreateVersion7(), ProtectedField.Phone)));
        Should.Throw<CryptographicException>(() => new PersonalData(Key + "!").Reveal(first, field));
    }

    [Fact]
    public void the_identity_number_hash_is_stable_for_one_key_and_differs_between_keys()
    {
        var idNumber = ResidentIdNumber.TryParse("11010519491231002X", out _)!;
        var lowerCase = ResidentIdNumber.TryParse("11010519491231002x", out _)!;

        var hash = new PersonalData(Key).IdNumberHash(idNumber);

        hash.ShouldMatch("^[0-9a-f]{64}$");
        new PersonalData(Key).IdNumberHash(lowerCase).ShouldBe(hash);
        new PersonalData(Key + "!").IdNumberHash(idNumber).ShouldNotBe(hash);
        new PersonalData((string?)null).IdNumberHash(idNumber).ShouldNotBe(hash);
    }

    [Fact]
    public void a_short_key_is_refused()
    {
        Should.Throw<InvalidOperationException>(() => new PersonalData("too-short"));
    }

    [Fact]
    public async Task without_a_configured_key_the_development_key_is_used_with_a_warning_at_startup()
    {
        var development = new PersonalData((string?)null);
        development.UsesDevelopmentKey.ShouldBeTrue();
        new PersonalData(Key).UsesDevelopmentKey.ShouldBeFalse();

        var logger = new RecordingLogger();
        await new PersonalDataKeyCheck(development, logger).StartAsync(CancellationToken.None);
        logger.Warnings.ShouldHaveSingleItem().ShouldContain("Production must set TimeBank:PersonalDataKey");

        var quiet = new RecordingLogger();
        await new PersonalDataKeyCheck(new PersonalData(Key), quiet).StartAsync(CancellationToken.None);
        quiet.Warnings.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("Production", null, true)]
    [InlineData("Production", "  ", true)]
    [InlineData("Production", Key, false)]
    [InlineData("Development", null, false)]
    [InlineData("Staging", null, false)]
    public void only_production_without_a_configured_key_is_refused_before_serving(string environment, string? key, bool refused)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection([new KeyValuePair<string, string?>("TimeBank:PersonalDataKey", key)]).Build();
        var problems = TimeBank.Hosting.Settings.ServingProblems(configuration,
            new Microsoft.Extensions.Hosting.Internal.HostingEnvironment { EnvironmentName = environment });
        if (refused) problems.ShouldHaveSingleItem().ShouldContain("TimeBank__PersonalDataKey");
        else problems.ShouldBeEmpty();
    }

    private sealed class RecordingLogger : ILogger<PersonalDataKeyCheck>
    {
        public List<string> Warnings { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning) Warnings.Add(formatter(state, exception));
        }
    }
}
