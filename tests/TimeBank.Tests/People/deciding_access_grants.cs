using NodaTime;
using Shouldly;
using TimeBank.Access;
using TimeBank.People.Granting;
using Xunit;

namespace TimeBank.Tests.People;

/// <summary>Granting and revoking a platform's access to a person, and what a grant lets a key do, as pure functions.</summary>
public sealed class deciding_access_grants
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Guid Person = Guid.CreateVersion7();
    private static readonly Guid OtherKeyId = Guid.CreateVersion7();
    private static readonly Caller Registrar = new("registrar-key", "平台", Roles.Platform);
    private static readonly Caller Other = new(OtherKeyId.ToString(), "另一平台", Roles.Platform);
    private static readonly PersonScope RegisteredByRegistrar = new("registrar-key", false);
    private static readonly ApiKey OtherKey = new(OtherKeyId, "另一平台", Roles.Platform, "hash", Now, "admin-key");

    private static Decision<AccessGranted?> Grant(Caller caller, PersonScope? person = null, ApiKey? key = null, AccessGrant? grant = null) =>
        GrantAccessHandler.Decide(new GrantAccess(Person, OtherKeyId), caller, person ?? RegisteredByRegistrar, key ?? OtherKey, grant, Now);

    [Fact]
    public void the_registering_platform_or_an_admin_grants_another_live_platform_key()
    {
        Grant(Registrar).Events.ShouldBe(new AccessGranted(Person, OtherKeyId.ToString(), "registrar-key", Now));
        Grant(new Caller("admin-key", "管理员", Roles.Admin)).Events.ShouldNotBeNull();
        Grant(Other).Refusal.ShouldBeOfType<NotPermitted>();
        Grant(Registrar, PersonScope.None).Refusal.ShouldBeOfType<NotFound>();
    }

    [Fact]
    public void only_another_live_platform_key_can_be_granted()
    {
        Grant(Registrar, key: OtherKey with { Role = Roles.Kiosk }).Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["apiKeyId"]);
        Grant(Registrar, key: OtherKey with { RevokedAt = Now }).Refusal.ShouldBeOfType<UnknownReferences>();
        GrantAccessHandler.Decide(new GrantAccess(Person, OtherKeyId), Registrar, RegisteredByRegistrar, null, null, Now)
            .Refusal.ShouldBeOfType<UnknownReferences>();
        Grant(new Caller("admin-key", "管理员", Roles.Admin), new PersonScope(OtherKeyId.ToString(), false)).Refusal.ShouldBeOfType<UnknownReferences>();
    }

    [Fact]
    public void granting_an_active_grant_again_changes_nothing_and_a_revoked_one_is_granted_anew()
    {
        var active = new AccessGrant().Apply(new AccessGranted(Person, OtherKeyId.ToString(), "registrar-key", Now));
        Grant(Registrar, grant: active).Events.ShouldBeNull();
        var revoked = active.Apply(new AccessRevoked(Person, OtherKeyId.ToString(), "registrar-key", Now));
        revoked.Active.ShouldBeFalse();
        Grant(Registrar, grant: revoked).Events.ShouldNotBeNull();
    }

    [Fact]
    public void revoking_is_for_the_registering_platform_or_an_admin_and_revoking_twice_changes_nothing()
    {
        var active = new AccessGrant().Apply(new AccessGranted(Person, OtherKeyId.ToString(), "registrar-key", Now));
        var revoke = new RevokeAccess(Person, OtherKeyId);
        RevokeAccessHandler.Decide(revoke, Registrar, RegisteredByRegistrar, active, Now).Events
            .ShouldBe(new AccessRevoked(Person, OtherKeyId.ToString(), "registrar-key", Now));
        RevokeAccessHandler.Decide(revoke, Other, RegisteredByRegistrar, active, Now).Refusal.ShouldBeOfType<NotPermitted>();
        RevokeAccessHandler.Decide(revoke, Registrar, RegisteredByRegistrar, null, Now).Refusal.ShouldBeOfType<NotFound>();
        RevokeAccessHandler.Decide(revoke, Registrar, RegisteredByRegistrar, active with { Active = false }, Now).Events.ShouldBeNull();
    }

    [Fact]
    public void a_platform_reads_people_it_registered_or_that_granted_it_access_and_auditors_read_everyone()
    {
        Scopes.MayRead(Registrar, Person, RegisteredByRegistrar).ShouldBeNull();
        Scopes.MayRead(Other, Person, RegisteredByRegistrar).ShouldBeOfType<NotPermitted>();
        Scopes.MayRead(Other, Person, RegisteredByRegistrar with { Granted = true }).ShouldBeNull();
        Scopes.MayRead(new Caller("auditor-key", "审计", Roles.Auditor), Person, RegisteredByRegistrar).ShouldBeNull();
        // An unknown person is left to the endpoint's own 404.
        Scopes.MayRead(Other, Person, PersonScope.None).ShouldBeNull();
        Scopes.ReadIsScoped(Other, TimeBank.Ledger.SystemAccounts.PublicPool).ShouldBeFalse();
    }
}
