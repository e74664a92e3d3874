using Shouldly;
using TimeBank.Hosting;
using TimeBank.Ledger.Redeeming;
using TimeBank.Markets;
using Xunit;

namespace TimeBank.Tests.Hosting;

/// <summary>Every domain refusal has one problem type and status; a retry's answer is the first answer or a refusal.</summary>
public sealed class mapping_refusals
{
    public static TheoryData<Refusal, string, int> Refusals => new()
    {
        { new NotFound("Item", "RICE"), "not-found", 404 },
        { new UnknownReferences("t", "d", new Dictionary<string, string[]> { ["from"] = ["x"] }), "unknown-reference", 422 },
        { new NotEnoughMinutes("a", 10, 3), "insufficient-balance", 409 },
        { new NotEnoughPoints("a", 10, 3), "insufficient-points", 409 },
        { new NotEnoughStock("t", [new StockShortage("RICE", "米", 2, 1, 1)]), "insufficient-stock", 409 },
        { new OverlappingService(Guid.NewGuid()), "overlapping-service", 409 },
        { new SelfService(), "self-service", 422 },
        { new TooYoungToServe(Guid.NewGuid(), new NodaTime.LocalDate(2020, 5, 1)), "too-young-to-serve", 422 },
        { new AlreadyReversed(Guid.NewGuid(), null), "already-reversed", 409 },
        { new RedemptionNotHeld(Guid.NewGuid(), RedemptionStatus.Expired, RedemptionStatus.Settled), "redemption-not-held", 409 },
        { new NotPermitted("t", "d"), "forbidden", 403 },
        { new KeyReused("k"), "idempotency-key-reused", 409 },
        { new AlreadyRegistered("a volunteer", Guid.NewGuid()), "duplicate-person", 409 },
        { new SlotsTaken(Guid.NewGuid(), 3), "slots-taken", 409 },
        { new WindowOver(Guid.NewGuid(), NodaTime.Instant.FromUtc(2026, 11, 24, 4, 0)), "window-over", 409 },
        { new WindowStarted(Guid.NewGuid(), NodaTime.Instant.FromUtc(2026, 11, 24, 4, 0)), "window-started", 409 },
        { new AlreadyClaimed(Guid.NewGuid(), Guid.NewGuid()), "already-claimed", 409 },
        { new OverlappingClaim(Guid.NewGuid()), "overlapping-claim", 409 },
        { new NotClaimed(Guid.NewGuid(), Guid.NewGuid()), "not-claimed", 409 },
        { new AlreadyRated(Guid.NewGuid(), "Elder"), "already-rated", 409 },
        { new ComplaintResolvedAlready(Guid.NewGuid(), "Upheld"), "already-resolved", 409 },
        { new FlagDecidedAlready(Guid.NewGuid(), "Fraudulent"), "already-resolved", 409 },
        { new OutsideWindow(Guid.NewGuid(), NodaTime.Instant.FromUtc(2026, 11, 24, 4, 0), NodaTime.Instant.FromUtc(2026, 11, 24, 8, 0)), "outside-window", 422 },
        { new AlertClosedAlready(Guid.NewGuid(), NodaTime.Instant.FromUtc(2026, 11, 24, 4, 0)), "already-closed", 409 },
        { new TooManyPairings(Guid.NewGuid(), 5), "too-many-pairings", 409 },
        { new AlreadyPaired(Guid.NewGuid()), "already-paired", 409 },
        { new PairingEndedAlready(Guid.NewGuid(), new NodaTime.LocalDate(2026, 11, 24)), "already-ended", 409 },
        { new NotEligible("t", new Dictionary<string, string[]> { ["programme"] = ["x"] }), "not-eligible", 422 }
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void each_refusal_is_a_problem_with_a_stable_type_and_status(Refusal refusal, string type, int status)
    {
        var problem = Problems.For(refusal);
        (problem.Type, problem.Status).ShouldBe((Problems.TypePrefix + type, status));
        problem.Title.ShouldNotBeNullOrWhiteSpace();
        problem.Detail.ShouldNotBeNullOrWhiteSpace();
        // An extension named like a standard member would be written twice in the JSON.
        problem.Extensions.Keys.Intersect(["type", "title", "status", "detail", "instance"]).ShouldBeEmpty();
    }

    [Fact]
    public void every_kind_of_refusal_is_mapped()
    {
        var mapped = Refusals.Select(row => row[0].GetType()).ToHashSet();
        var all = typeof(Refusal).Assembly.GetTypes().Where(t => t.IsSubclassOf(typeof(Refusal)) && !t.IsAbstract);
        all.ShouldAllBe(t => mapped.Contains(t));
    }

    [Fact]
    public void an_order_short_of_stock_and_points_names_both()
    {
        var problem = Problems.For(new NotEnoughStock("t", [new StockShortage("RICE", "米", 2, 1, 1)], new NotEnoughPoints("m", 30, 10)));
        problem.Extensions["shortfallPoints"].ShouldBe(20);
        problem.Extensions["shortItems"].ShouldBeAssignableTo<IReadOnlyList<StockShortage>>()!.Count.ShouldBe(1);
    }

    [Fact]
    public void a_retry_gets_the_first_answer_and_a_different_request_under_the_key_is_refused()
    {
        var first = System.Text.Json.JsonSerializer.SerializeToElement(new { id = 1 });
        var claim = new IdempotencyClaim("Transfer:key-id:key-1", "same", first, NodaTime.Instant.FromUtc(2026, 11, 24, 4, 0));
        Idempotency.Replay(claim, "same", "key-1").ShouldBe(Outcome.Existing(first));
        Idempotency.Replay(claim, "other", "key-1").Refusal.ShouldBe(new KeyReused("key-1"));

        var record = new TimeBank.ServiceRecords.ServiceRecord { Id = Guid.NewGuid(), RequestFingerprint = "same", CreditedMinutes = 30 };
        Idempotency.Replay(record, "same", "visit-1").Value.ShouldBe(record.FirstResult);
        Idempotency.Replay(record, "other", "visit-1").Refusal.ShouldBe(new KeyReused("visit-1"));
    }
}
