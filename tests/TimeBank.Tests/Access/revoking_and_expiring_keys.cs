using System.Text.Json;
using Alba;
using Marten;
using Microsoft.Extensions.Configuration;
using NodaTime;
using NodaTime.Text;
using Shouldly;
using TimeBank.Access;
using TimeBank.Access.Issuing;
using TimeBank.Tests.Ledger;
using TimeBank.Tests.Markets;

namespace TimeBank.Tests.Access;

public sealed class revoking_and_expiring_keys(AppFixture fixture) : ApiTest(fixture)
{
    private async Task<IssuedApiKey> Issue(string role = "platform", Instant? expiresAt = null)
    {
        var body = new Dictionary<string, object?> { ["name"] = "短期平台", ["role"] = role };
        if (expiresAt is { } at) body["expiresAt"] = InstantPattern.ExtendedIso.Format(at);
        var result = await Host.PostAsync(Keys.Admin, "/api/api-keys", body, 201);
        return await result.Body<IssuedApiKey>();
    }

    private async Task<int> Call(string key) =>
        (await Host.SendAsync(key, "GET", "/api/service-types")).Status();

    [Fact]
    public async Task a_revoked_key_stops_working_at_once_and_revoking_it_again_changes_nothing()
    {
        var issued = await Issue();
        (await Call(issued.Key)).ShouldBe(200);

        var revoked = await Host.SendAsync(Keys.Admin, "DELETE", $"/api/api-keys/{issued.Id}");
        revoked.Status().ShouldBe(200);
        var view = await revoked.Body<ApiKeyView>();
        (view.Status, view.RevokedBy, view.RevokedAt).ShouldBe((KeyStatus.Revoked, "bootstrap-admin", Fixture.Clock.GetCurrentInstant()));

        (await Call(issued.Key)).ShouldBe(401);
        var again = await Host.SendAsync(Keys.Admin, "DELETE", $"/api/api-keys/{issued.Id}");
        (await again.Body<ApiKeyView>()).RevokedAt.ShouldBe(view.RevokedAt);
    }

    [Fact]
    public async Task a_revocation_reaches_another_node_within_seconds()
    {
        var issued = await Issue();
        // Another node's directory, with the key already looked up there.
        var otherNode = new ApiKeyDirectory(Store, new ConfigurationBuilder().Build(), Fixture.Clock);
        (await otherNode.FindAsync(issued.Key, CancellationToken.None)).ShouldNotBeNull();

        (await Host.SendAsync(Keys.Admin, "DELETE", $"/api/api-keys/{issued.Id}")).Status().ShouldBe(200);

        Fixture.Clock.Advance(ApiKeyDirectory.KeptFor + Duration.FromSeconds(1));
        (await otherNode.FindAsync(issued.Key, CancellationToken.None)).ShouldBeNull();
    }

    [Fact]
    public async Task a_key_works_until_its_expiry()
    {
        var issued = await Issue(expiresAt: Fixture.Clock.GetCurrentInstant() + Duration.FromMinutes(10));
        issued.ExpiresAt.ShouldNotBeNull();
        (await Call(issued.Key)).ShouldBe(200);

        Fixture.Clock.Advance(Duration.FromMinutes(10));
        (await Call(issued.Key)).ShouldBe(401);

        var listed = await Host.GetAsync<TimeBank.Hosting.Page<ApiKeyView>>(Keys.Admin, "/api/api-keys?pageSize=200");
        listed.Items.Single(k => k.Id == issued.Id).Status.ShouldBe(KeyStatus.Expired);
    }

    [Theory]
    [InlineData("1999-01-01T00:00:00Z")]
    [InlineData("9999-12-31T23:59:59Z")]
    public async Task an_expiry_in_the_past_or_absurdly_far_is_refused(string expiresAt)
    {
        var result = await Host.PostAsync(Keys.Admin, "/api/api-keys", new { name = "x", role = "platform", expiresAt }, 400);
        (await result.Problem("urn:timebank:problem:validation")).GetProperty("errors").TryGetProperty("expiresAt", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task admin_lists_keys_newest_first_without_secrets_and_filters_by_role()
    {
        var issued = await Issue("auditor");

        var result = await Host.SendAsync(Keys.Admin, "GET", "/api/api-keys?role=auditor&pageSize=5");
        result.Status().ShouldBe(200);
        var text = await result.ReadAsTextAsync();
        text.ShouldNotContain(issued.Key);
        text.ShouldNotContain(ApiKey.Hash(issued.Key));
        var page = text.Deserialize<TimeBank.Hosting.Page<ApiKeyView>>();
        page.Items[0].Id.ShouldBe(issued.Id);
        page.Items.ShouldAllBe(k => k.Role == "auditor");
        page.PageSize.ShouldBe(5);

        (await Host.SendAsync(Keys.Admin, "GET", "/api/api-keys?role=root")).Status().ShouldBe(400);
        (await Host.SendAsync(Keys.Admin, "GET", "/api/api-keys?pageSize=0")).Status().ShouldBe(400);
    }

    [Theory]
    [InlineData("platform")]
    [InlineData("kiosk")]
    [InlineData("auditor")]
    public async Task only_admin_lists_and_revokes_keys(string role)
    {
        var key = role switch { "platform" => Keys.Platform, "kiosk" => Keys.Kiosk, _ => Keys.Auditor };
        var victim = await Issue();
        (await Host.SendAsync(key, "GET", "/api/api-keys")).Status().ShouldBe(403);
        (await Host.SendAsync(key, "DELETE", $"/api/api-keys/{victim.Id}")).Status().ShouldBe(403);
        (await Call(victim.Key)).ShouldBe(200);
    }

    [Fact]
    public async Task revoking_an_unknown_key_is_404()
    {
        var result = await Host.SendAsync(Keys.Admin, "DELETE", $"/api/api-keys/{Guid.NewGuid()}");
        result.Status().ShouldBe(404);
        await result.Problem("urn:timebank:problem:not-found");
    }
}
