using JasperFx.Core.Reflection;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;
using Marten.Events.Aggregation;
using Marten.Events.Projections;
using NodaTime;
using Shouldly;
using TimeBank.Complaints;
using TimeBank.Hosting;
using TimeBank.Ledger;

namespace TimeBank.Tests.Hosting;

/// <summary>
/// Every commit offers each inline projection every stream it touched; an aggregation must be handed exactly the streams
/// with an event it folds, and the store must register its aggregations that way.
/// </summary>
public sealed class screening_inline_projections(AppFixture fixture) : ApiTest(fixture)
{
    private static readonly Instant At = Instant.FromUtc(2026, 11, 20, 1, 0);

    [Fact]
    public async Task a_snapshot_is_handed_only_the_streams_with_an_event_it_folds()
    {
        var inner = new RecordingProjection();
        var asked = new List<Type>();
        var screened = new ScreenedInlineProjection(inner, types =>
        {
            var type = types.Single();
            asked.Add(type);
            return type == typeof(TransferSent);
        });
        var folded = Stream(new TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 30, "gift", At));
        var other = Stream(new ComplaintAcknowledged(Guid.NewGuid(), "worker", At));
        var mixed = Stream(new ComplaintAcknowledged(Guid.NewGuid(), "worker", At),
            new TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 5, "gift", At));

        await screened.ApplyAsync(null!, [folded, other, mixed], CancellationToken.None);
        await screened.ApplyAsync(null!, [other], CancellationToken.None);

        inner.Handed.ShouldHaveSingleItem().ShouldBe([folded, mixed]);
        asked.ShouldBe([typeof(TransferSent), typeof(ComplaintAcknowledged)], "each event type is decided once");
    }

    [Fact]
    public void a_snapshot_folds_the_event_types_its_document_applies_and_no_other()
    {
        var account = new ScreenedSnapshot<Account>();
        var screened = (ScreenedInlineProjection)((IProjectionSource<IDocumentOperations, IQuerySession>)account).BuildForInline();

        screened.Folds(Stream(new TransferReceived(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 30, "gift", At))).ShouldBeTrue();
        screened.Folds(Stream(new ComplaintAcknowledged(Guid.NewGuid(), "worker", At))).ShouldBeFalse();
    }

    [Fact]
    public void every_inline_aggregation_of_the_store_is_screened()
    {
        var inline = ((DocumentStore)Store).Options.Projections.All.Where(p => p.Lifecycle == ProjectionLifecycle.Inline).ToList();
        var snapshots = inline.Where(p => p.GetType().Closes(typeof(SingleStreamProjection<,>))).ToList();
        var multiStream = inline.Where(p => p.GetType().Closes(typeof(MultiStreamProjection<,>))).ToList();

        snapshots.Count.ShouldBeGreaterThanOrEqualTo(16);
        snapshots.ShouldAllBe(p => p.GetType().IsGenericType && p.GetType().GetGenericTypeDefinition() == typeof(ScreenedSnapshot<>));
        multiStream.Count.ShouldBe(4);
        multiStream.ShouldAllBe(p => p.GetType().Closes(typeof(ScreenedMultiStreamProjection<>)));
    }

    private static StreamAction Stream(params object[] events) =>
        StreamAction.Append(Guid.NewGuid(), events.Select(e => (IEvent)Activator.CreateInstance(typeof(Event<>).MakeGenericType(e.GetType()), e)!).ToArray());

    private sealed class RecordingProjection : IInlineProjection<IDocumentOperations>
    {
        public List<List<StreamAction>> Handed { get; } = [];

        public Task ApplyAsync(IDocumentOperations operations, IEnumerable<StreamAction> streams, CancellationToken cancellation)
        {
            Handed.Add(streams.ToList());
            return Task.CompletedTask;
        }
    }
}
