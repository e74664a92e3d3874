using TimeBank.People.Granting;
using NodaTime;
using TimeBank.Access;
using Shouldly;
using TimeBank.Ledger;
using TimeBank.Ledger.Redeeming;
using TimeBank.Ledger.Transferring;
using TimeBank.ServiceRecords;
using Xunit;

namespace TimeBank.Tests.Ledger;

/// <summary>The ledger's decisions as pure functions of (command, state, now): no host, no database.</summary>
public sealed class deciding_ledger_movements
{
    private static readonly Instant Now = Instant.FromUtc(2026, 11, 24, 4, 0);
    private static readonly Guid Giver = Guid.CreateVersion7();
    private static readonly Guid Receiver = Guid.CreateVersion7();

    private static readonly Caller Platform = new("platform-key", "平台", Roles.Platform);
    private static readonly Caller Admin = new("admin-key", "管理员", Roles.Admin);
    private static readonly PersonScope RegisteredByPlatform = new("platform-key", false);

    private static Account Opened(Guid id, int minutes = 0, int held = 0) =>
        new Account().Apply(new AccountOpened(id, AccountHolder.Volunteer, Now)) with { BalanceMinutes = minutes, HeldMinutes = held };

    [Fact]
    public void a_batch_commits_at_once_the_transfers_whose_accounts_are_all_free_and_the_others_after_their_turn()
    {
        var (a, b, c, busy) = (Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7());
        PendingTransfer Pending(Guid from, Guid to) => new(new Transfer(from, to, 10, "陪伴"), Guid.NewGuid().ToString(), new TimeBank.Hosting.AuditStamp("platform-key", Roles.Platform, "correlation", "request"));
        var batch = new[] { Pending(a, b), Pending(a, busy), Pending(busy, c), Pending(c, b) };

        var (now, waiting) = TransferQueue.ByFreeAccounts(batch, new HashSet<Guid> { a, b, c });

        now.ShouldBe([0, 3]);
        waiting.ShouldBe([1, 2]);
        TransferQueue.ByFreeAccounts(batch, new HashSet<Guid>()).Now.ShouldBeEmpty();
    }

    [Fact]
    public void a_transfer_debits_the_sender_and_credits_the_receiver_by_the_same_minutes()
    {
        var id = Guid.CreateVersion7();
        var (sent, received) = TransferHandler.Decide(new Transfer(Giver, Receiver, 30, "给母亲"), Platform, RegisteredByPlatform, Opened(Giver, 100), Opened(Receiver), id, Now).Events;

        sent.ShouldBe(new TransferSent(id, Giver, Receiver, 30, "给母亲", Now));
        received.ShouldBe(new TransferReceived(id, Giver, Receiver, 30, "给母亲", Now));
    }

    [Fact]
    public void a_transfer_of_more_than_the_available_minutes_is_refused_with_the_shortfall()
    {
        var decision = TransferHandler.Decide(new Transfer(Giver, Receiver, 90, "x"), Platform, RegisteredByPlatform, Opened(Giver, 100, held: 20), Opened(Receiver), Guid.NewGuid(), Now);

        decision.Refusal.ShouldBe(new NotEnoughMinutes(Giver.ToString(), 90, 80));
    }

    [Fact]
    public void a_transfer_naming_unopened_accounts_is_refused_naming_each()
    {
        var refusal = TransferHandler.Decide(new Transfer(Giver, Receiver, 1, "x"), Platform, RegisteredByPlatform, null, null, Guid.NewGuid(), Now).Refusal
            .ShouldBeOfType<UnknownReferences>();

        refusal.Fields.Keys.ShouldBe(["from", "to"], ignoreOrder: true);
    }

    [Fact]
    public void the_public_pool_exists_before_its_first_event_but_has_nothing_to_give()
    {
        TransferHandler.Decide(new Transfer(Giver, SystemAccounts.PublicPool, 10, "捐赠"), Platform, RegisteredByPlatform, Opened(Giver, 10), null, Guid.NewGuid(), Now)
            .Refusal.ShouldBeNull();
        TransferHandler.Decide(new Transfer(SystemAccounts.PublicPool, Receiver, 10, "x"), Admin, PersonScope.None, null, Opened(Receiver), Guid.NewGuid(), Now)
            .Refusal.ShouldBe(new NotEnoughMinutes(SystemAccounts.PublicPoolName, 10, 0));
    }

    [Fact]
    public void a_redemption_holds_available_minutes_until_it_expires()
    {
        var id = Guid.CreateVersion7();
        var expires = Now + Duration.FromDays(7);
        var held = RequestRedemptionHandler.Decide(new RequestRedemption(Giver, 40, "bathing", "助浴"), Platform, RegisteredByPlatform, Opened(Giver, 100, held: 60), id, Now, expires).Events;

        held.ShouldBe(new RedemptionHeld(id, Giver, 40, "bathing", "助浴", Now, expires, "platform-key"));
    }

    [Fact]
    public void a_redemption_beyond_the_available_minutes_or_for_no_account_is_refused()
    {
        RequestRedemptionHandler.Decide(new RequestRedemption(Giver, 41, "bathing", "助浴"), Platform, RegisteredByPlatform, Opened(Giver, 100, held: 60), Guid.NewGuid(), Now, Now)
            .Refusal.ShouldBe(new NotEnoughMinutes(Giver.ToString(), 41, 40));
        RequestRedemptionHandler.Decide(new RequestRedemption(Giver, 1, "bathing", "助浴"), Platform, RegisteredByPlatform, null, Guid.NewGuid(), Now, Now)
            .Refusal.ShouldBeOfType<UnknownReferences>().Fields.Keys.ShouldBe(["accountId"]);
    }

    private static (Redemption Redemption, Account Account) Held(int minutes)
    {
        var held = new RedemptionHeld(Guid.CreateVersion7(), Giver, minutes, "bathing", "助浴", Now, Now + Duration.FromDays(7));
        var redemption = new Redemption { Id = held.RedemptionId, AccountId = Giver, Minutes = minutes, Status = RedemptionStatus.Held, HeldBy = "platform-key" };
        return (redemption, Opened(Giver, 100).Apply(held));
    }

    [Fact]
    public void settling_a_held_redemption_spends_it_and_cancelling_releases_it()
    {
        var (redemption, account) = Held(30);

        CloseRedemptionHandler.Decide(Closing.Settle, Platform, redemption, account, Now).Events
            .ShouldBe([new RedemptionSettled(redemption.Id, Giver, 30, Now)]);
        CloseRedemptionHandler.Decide(Closing.Cancel, Platform, redemption, account, Now).Events
            .ShouldBe([new RedemptionCancelled(redemption.Id, Giver, 30, Now)]);
    }

    [Fact]
    public void closing_a_redemption_again_the_same_way_changes_nothing_and_another_way_is_refused()
    {
        var (redemption, account) = Held(30);
        var settled = account.Apply(new RedemptionSettled(redemption.Id, Giver, 30, Now));
        var settledRedemption = redemption with { Status = RedemptionStatus.Settled };

        CloseRedemptionHandler.Decide(Closing.Settle, Platform, settledRedemption, settled, Now).Events.ShouldBeEmpty();
        CloseRedemptionHandler.Decide(Closing.Cancel, Platform, settledRedemption, settled, Now).Refusal
            .ShouldBe(new RedemptionNotHeld(redemption.Id, RedemptionStatus.Settled, RedemptionStatus.Cancelled));
    }

    [Fact]
    public void only_a_hold_still_open_expires()
    {
        var (redemption, account) = Held(30);
        var expire = new ExpireRedemption(redemption.Id, Giver, Now);

        ExpireRedemptionHandler.Decide(expire, account, Now).ShouldBe(new RedemptionExpired(redemption.Id, Giver, 30, Now));
        ExpireRedemptionHandler.Decide(expire, account.Apply(new RedemptionCancelled(redemption.Id, Giver, 30, Now)), Now).ShouldBeNull();
    }

    [Fact]
    public void minutes_leave_a_persons_account_only_by_the_platform_that_registered_them_a_platform_they_granted_access_or_an_admin()
    {
        var other = new Caller("other-platform", "另一平台", Roles.Platform);
        var transfer = new Transfer(Giver, Receiver, 10, "x");
        TransferHandler.Decide(transfer, other, RegisteredByPlatform with { Granted = true }, Opened(Giver, 100), Opened(Receiver), Guid.NewGuid(), Now)
            .Refusal.ShouldBeNull();

        TransferHandler.Decide(transfer, other, RegisteredByPlatform, Opened(Giver, 100), Opened(Receiver), Guid.NewGuid(), Now)
            .Refusal.ShouldBeOfType<NotPermitted>();
        TransferHandler.Decide(transfer, Admin, RegisteredByPlatform, Opened(Giver, 100), Opened(Receiver), Guid.NewGuid(), Now).Refusal.ShouldBeNull();
        RequestRedemptionHandler.Decide(new RequestRedemption(Giver, 10, "bathing", "助浴"), other, RegisteredByPlatform, Opened(Giver, 100),
            Guid.NewGuid(), Now, Now).Refusal.ShouldBeOfType<NotPermitted>();
        TransferHandler.Decide(new Transfer(SystemAccounts.PublicPool, Receiver, 10, "x"), Platform, PersonScope.None, Opened(SystemAccounts.PublicPool, 100),
            Opened(Receiver), Guid.NewGuid(), Now).Refusal.ShouldBeOfType<NotPermitted>();
    }

    [Fact]
    public void a_hold_is_settled_or_cancelled_only_by_the_key_that_placed_it_or_an_admin()
    {
        var (redemption, account) = Held(30);
        var other = new Caller("other-platform", "另一平台", Roles.Platform);

        CloseRedemptionHandler.Decide(Closing.Settle, other, redemption, account, Now).Refusal.ShouldBeOfType<NotPermitted>();
        CloseRedemptionHandler.Decide(Closing.Cancel, Admin, redemption, account, Now).Refusal.ShouldBeNull();
        CloseRedemptionHandler.Decide(Closing.Cancel, other, redemption with { HeldBy = null }, account, Now).Refusal.ShouldBeOfType<NotPermitted>();
    }

    [Fact]
    public void the_event_types_of_account_streams_are_those_an_account_applies()
    {
        LedgerEventTypes.AccountEvents.ShouldContain(typeof(ServiceRecorded));
        LedgerEventTypes.AccountEvents.ShouldContain(typeof(RedemptionExpired));
        LedgerEventTypes.AccountEvents.ShouldContain(typeof(TimeBank.Markets.MarketOrderRefunded));
        LedgerEventTypes.AccountEvents.Length.ShouldBe(11);
    }
}
