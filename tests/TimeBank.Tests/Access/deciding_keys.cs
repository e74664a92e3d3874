using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.Access.Issuing;
using TimeBank.Access.Revoking;
using TimeBank.Markets;

namespace TimeBank.Tests.Access;

/// <summary>Issuing and revoking keys as pure functions of (command, state, now).</summary>
public sealed class deciding_keys
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);

    [Fact]
    public void a_key_is_issued_with_its_hash_expiry_and_issuer_never_the_secret()
    {
        var command = new IssueApiKey(Guid.CreateVersion7(), "平台", Roles.Platform, ApiKey.Hash("tbk_secret"), null, Now + Duration.FromDays(30), []);
        var key = IssueApiKeyHandler.Decide(command, null, null, "admin-key", Now).Events;

        (key.KeyHash, key.IssuedBy, key.IssuedAt, key.ExpiresAt).ShouldBe((ApiKey.Hash("tbk_secret"), "admin-key", Now, Now + Duration.FromDays(30)));
        key.WorksAt(Now).ShouldBeTrue();
        key.WorksAt(Now + Duration.FromDays(30)).ShouldBeFalse();
    }

    [Fact]
    public void a_kiosk_key_for_a_market_that_does_not_exist_is_refused()
    {
        var marketId = Guid.CreateVersion7();
        var command = new IssueApiKey(Guid.CreateVersion7(), "柜台", Roles.Kiosk, "hash", marketId, null, []);

        IssueApiKeyHandler.Decide(command, null, null, "admin-key", Now).Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["marketId"]);
        IssueApiKeyHandler.Decide(command, new Market { Id = marketId }, null, "admin-key", Now).Events.MarketId.ShouldBe(marketId);
    }

    [Fact]
    public void a_key_is_revoked_once_and_a_second_revocation_keeps_the_first()
    {
        var key = new ApiKey(Guid.CreateVersion7(), "平台", Roles.Platform, "hash", Now, "admin-key");

        var revoked = RevokeApiKeyHandler.Decide(key, "admin-key", Now);
        (revoked.RevokedAt, revoked.RevokedBy, revoked.WorksAt(Now)).ShouldBe((Now, "admin-key", false));
        RevokeApiKeyHandler.Decide(revoked, "other-admin", Now + Duration.FromHours(1)).ShouldBe(revoked);
        ApiKeyView.Of(revoked, Now).Status.ShouldBe(KeyStatus.Revoked);
    }
}
