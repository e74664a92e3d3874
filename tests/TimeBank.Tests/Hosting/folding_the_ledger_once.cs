using JasperFx.Events;
using JasperFx.Events.Daemon;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Integrity;
using TimeBank.People;
using TimeBank.Ledger;
using TimeBank.Recognition;
using TimeBank.ServiceRecords;
using TimeBank.ServiceRecords.Rating;
using TimeBank.Statistics;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// The ledger's folds share one subscription: each page is read once, each fold is handed only its own event types, and
/// a database from before they shared it is folded on from where each fold's former shard stopped.
/// </summary>
public sealed class folding_the_ledger_once(AppFixture fixture) : ApiTest(fixture)
{
    private sealed record Opened(int N);
    private sealed record Served(int N);
    private sealed record Rated(int N);
    private sealed record Moved(int N);

    private sealed class Recording(string formerShard, params Type[] types) : ILedgerFold
    {
        public List<long> Folded { get; } = [];

        /// <summary>What each page said had been folded before it.</summary>
        public List<long> FoldedThrough { get; } = [];
        public IReadOnlyCollection<Type> EventTypes { get; } = types;
        public string Name => formerShard;
        public string FormerShard => formerShard;

        public Task FoldAsync(long foldedThrough, IReadOnlyList<IEvent> events, IDocumentOperations operations, KnownPeople people, CancellationToken cancellation)
        {
            FoldedThrough.Add(foldedThrough);
            Folded.AddRange(events.Select(e => e.Sequence));
            return Task.CompletedTask;
        }
    }

    private static IEvent At<T>(T data, long sequence) where T : notnull => new Event<T>(data) { Sequence = sequence };

    private static EventRange Page(long floor, long ceiling, params IEvent[] events) =>
        new(new ShardName(LedgerFolds.SubscriptionName), floor, ceiling, null!) { Events = [.. events] };

    private static IEnumerable<string> Describe(IEnumerable<(ILedgerFold Fold, long FoldedThrough, IReadOnlyList<IEvent> Events)> split) =>
        split.Select(s => string.Join(' ', [s.Fold.FormerShard, .. s.Events.Select(e => e.Sequence.ToString())]));

    private static readonly IEvent[] Mixed = [At(new Opened(1), 1), At(new Served(2), 2), At(new Rated(3), 3), At(new Served(4), 4)];

    [Fact]
    public void each_fold_gets_its_own_types_of_the_page_in_sequence_order_and_a_fold_with_none_gets_the_page_all_the_same()
    {
        var served = new Recording("A:All", typeof(Served));
        var people = new Recording("B:All", typeof(Opened), typeof(Rated), typeof(Served));
        var transfers = new Recording("C:All", typeof(Moved));

        var split = LedgerFolds.Split(0, Mixed, [served, people, transfers], LedgerFolds.FormerProgress.None).ToList();

        Describe(split).ShouldBe(["A:All 2 4", "B:All 1 2 3 4", "C:All"]);
    }

    [Fact]
    public void a_fold_is_not_handed_what_its_former_shard_folded()
    {
        var served = new Recording("A:All", typeof(Served));
        var people = new Recording("B:All", typeof(Opened), typeof(Rated), typeof(Served));
        var former = new LedgerFolds.FormerProgress(new Dictionary<string, long> { ["A:All"] = 2, ["B:All"] = 4 });

        Describe(LedgerFolds.Split(0, Mixed, [served, people], former)).ShouldBe(["A:All 4", "B:All"]);
    }

    [Fact]
    public void the_former_progress_is_retired_by_the_page_that_passes_it_all_and_forgotten_once_a_later_page_comes()
    {
        var former = new LedgerFolds.FormerProgress(new Dictionary<string, long> { ["A:All"] = 7, ["B:All"] = 9 });

        former.PassedBy(Page(0, 8)).ShouldBeFalse();
        former.PassedBy(Page(8, 9)).ShouldBeTrue();
        var deleting = former with { DeletedWithPageThrough = 9 };
        deleting.Before(Page(8, 9)).ShouldBe(deleting, "the same page again: its transaction failed, so the deletion is queued again");
        deleting.Before(Page(9, 12)).ShouldBe(LedgerFolds.FormerProgress.None);
        LedgerFolds.FormerProgress.None.PassedBy(Page(0, 100)).ShouldBeFalse();
    }

    [Fact]
    public async Task a_database_from_before_is_folded_on_from_each_former_shard_and_the_former_rows_go_once_passed()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var served = new Recording($"FormerServed{suffix}:All", typeof(Served));
        var people = new Recording($"FormerPeople{suffix}:All", typeof(Opened), typeof(Served));
        var folds = new LedgerFolds(new KnownPeople());
        folds.Add(served);
        folds.Add(people);
        await ExecuteAsync($"insert into {Storage.Schema}.mt_event_progression (name, last_seq_id, last_updated) values ('{served.FormerShard}', 3, now()), ('{people.FormerShard}', 5, now())");

        await using (var session = Store.LightweightSession())
        {
            await folds.ProcessEventsAsync(Page(0, 4, Mixed), null!, session, CancellationToken.None);
            await session.SaveChangesAsync();
        }
        served.Folded.ShouldBe([4L]);
        people.Folded.ShouldBeEmpty();
        (await FormerRowsAsync(served, people)).ShouldBe(2, "the subscription has not passed the second former shard yet");

        await using (var session = Store.LightweightSession())
        {
            await folds.ProcessEventsAsync(Page(4, 6, At(new Served(5), 5), At(new Opened(6), 6)), null!, session, CancellationToken.None);
            await session.SaveChangesAsync();
        }
        served.Folded.ShouldBe([4L, 5L]);
        people.Folded.ShouldBe([6L]);
        (await FormerRowsAsync(served, people)).ShouldBe(0);

        await using (var session = Store.LightweightSession())
        {
            await folds.ProcessEventsAsync(Page(6, 7, At(new Served(7), 7)), null!, session, CancellationToken.None);
            await session.SaveChangesAsync();
        }
        served.Folded.ShouldBe([4L, 5L, 7L]);
        people.Folded.ShouldBe([6L, 7L]);
        served.FoldedThrough.ShouldBe([3L, 4L, 6L], "the former shard's progress until the page passes it, then the page's floor");
        people.FoldedThrough.ShouldBe([5L, 5L, 6L]);
    }

    [Fact]
    public void statistics_integrity_and_recognition_are_folds_of_the_one_subscription_which_reads_the_types_they_need()
    {
        var configuration = new ConfigurationBuilder().Build();
        var services = new ServiceCollection().AddStatistics(configuration).AddIntegrity(configuration).AddRecognition(configuration);

        var folds = services.Select(d => d.ImplementationInstance).OfType<LedgerFolds>().Single();
        folds.Folds.Select(f => (f.GetType(), f.FormerShard)).ShouldBe([
            (typeof(StatisticsTally), "Statistics:All"), (typeof(IntegrityReview), "IntegrityReview:All"), (typeof(RecognitionFold), "Recognition:All")]);
        folds.IncludedEventTypes.ShouldContain(typeof(ServiceRecorded));
        folds.IncludedEventTypes.ShouldContain(typeof(ServiceRated));
        folds.IncludedEventTypes.ShouldContain(typeof(AccountOpened));
        folds.IncludedEventTypes.ShouldNotContain(typeof(TransferReceived), "a transfer is counted once, from its sent event, so the page leaves the other out");
        folds.IncludedEventTypes.Count.ShouldBe(folds.Folds.SelectMany(f => f.EventTypes).Distinct().Count());
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> FormerRowsAsync(params ILedgerFold[] folds)
    {
        await using var connection = Store.Storage.Database.CreateConnection();
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select count(*) from {Storage.Schema}.mt_event_progression where name = any($1)", connection)
        {
            Parameters = { new NpgsqlParameter { Value = folds.Select(f => f.FormerShard).ToArray() } }
        };
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
