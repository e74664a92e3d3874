using System.Text.Json;
using Marten;
using Shouldly;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.Ledger.Transferring;

namespace TimeBank.Tests.Ledger;

/// <summary>
/// Transfers that arrive together are committed in one transaction: each must be decided on the accounts as the
/// earlier ones of the same batch left them, and a key sent twice in one batch must answer as a retry.
/// </summary>
public sealed class committing_transfers_together(AppFixture fixture) : ApiTest(fixture)
{
    [Fact]
    public async Task each_transfer_sees_what_the_earlier_ones_of_its_batch_moved()
    {
        var (giver, _) = await Fixture.VolunteerWithBalance(100);
        var first = await Host.RegisterVolunteerAsync(Keys.Platform);
        var second = await Host.RegisterVolunteerAsync(Keys.Platform);

        var outcomes = await Commit(
            Pending(giver, first, 60),
            Pending(giver, second, 60),
            Pending(first, second, 50));

        outcomes[0].Created.ShouldBeTrue();
        outcomes[1].Refusal.ShouldBeOfType<NotEnoughMinutes>().Available.ShouldBe(40);
        outcomes[2].Created.ShouldBeTrue();
        outcomes[2].As<TransferResult>().FromBalanceMinutes.ShouldBe(10);
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(40);
        (await Host.AccountAsync(Keys.Platform, first)).BalanceMinutes.ShouldBe(10);
        (await Host.AccountAsync(Keys.Platform, second)).BalanceMinutes.ShouldBe(50);
    }

    [Fact]
    public async Task a_key_sent_twice_in_one_batch_answers_the_second_as_a_retry()
    {
        var (giver, receiver) = await Fixture.VolunteerWithBalance(100);
        var key = Guid.NewGuid().ToString();
        var otherKey = Guid.NewGuid().ToString();

        var outcomes = await Commit(
            Pending(giver, receiver, 10, key),
            Pending(giver, receiver, 10, key),
            Pending(giver, receiver, 20, otherKey),
            Pending(giver, receiver, 30, otherKey));

        outcomes[0].Created.ShouldBeTrue();
        outcomes[1].Created.ShouldBeFalse();
        outcomes[1].Refusal.ShouldBeNull();
        var replayed = (JsonElement)outcomes[1].Value!;
        replayed.GetProperty("id").GetGuid().ShouldBe(outcomes[0].As<TransferResult>().Id);
        outcomes[2].Created.ShouldBeTrue();
        outcomes[3].Refusal.ShouldBeOfType<KeyReused>().Key.ShouldBe(otherKey);
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(70);

        // The claims are stored with the transfers: a retry in a later batch finds them.
        await using var session = Store.QuerySession();
        (await session.LoadAsync<IdempotencyClaim>(Idempotency.ClaimId(nameof(Transfer), Scopes.SystemKeyId, key))).ShouldNotBeNull();
        (await Commit(Pending(giver, receiver, 10, key)))[0].Created.ShouldBeFalse();
        (await Host.AccountAsync(Keys.Platform, giver)).BalanceMinutes.ShouldBe(70);
    }

    private static PendingTransfer Pending(Guid from, Guid to, int minutes, string? key = null) =>
        new(new Transfer(from, to, minutes, "互助"), key ?? Guid.NewGuid().ToString(),
            GroupCommits.SystemStamp());

    private async Task<IReadOnlyList<Outcome>> Commit(params PendingTransfer[] transfers) =>
        (await Host.CommitAsync<TransfersMade>(new MakeTransfers(transfers))).Outcomes;
}
