using System.Collections.Concurrent;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten.Events.Aggregation;
using Marten.Events.Projections;

namespace TimeBank.Hosting;

/// <summary>
/// Inline projections (documents folded in the transaction of their events) that a commit hands only the streams holding
/// an event they fold. Every commit offers every stream to every inline projection; the library screens each pair by
/// building sets of event types, and with a score of inline projections that screening was an eighth of what a deposit
/// allocated. Here the answer for an event type is worked out once and kept.
/// </summary>
public static class InlineScreening
{
    /// <summary>
    /// Registers <typeparamref name="T"/> as an inline snapshot, like Marten's <c>Snapshot&lt;T&gt;(Inline)</c>, and returns its
    /// document mapping for its indexes and duplicated fields.
    /// </summary>
    public static MartenRegistry.DocumentMappingExpression<T> InlineSnapshot<T>(this StoreOptions opts) where T : notnull
    {
        var mapping = opts.Schema.For<T>();
        opts.Projections.Add<ScreenedSnapshot<T>>(ProjectionLifecycle.Inline);
        return mapping;
    }
}

/// <summary>A self-aggregating snapshot whose inline form screens streams by event type from a kept answer per type.</summary>
public sealed class ScreenedSnapshot<T> : SingleStreamProjection<T, Guid> where T : notnull
{
    protected override IInlineProjection<IDocumentOperations> buildForInline() =>
        new ScreenedInlineProjection(this, AppliesTo);
}

/// <summary>An inline multi-stream projection screened the same way.</summary>
public abstract class ScreenedMultiStreamProjection<TDoc> : MultiStreamProjection<TDoc, Guid> where TDoc : notnull
{
    protected override IInlineProjection<IDocumentOperations> buildForInline() =>
        new ScreenedInlineProjection(this, AppliesTo);
}

/// <summary>
/// Hands <paramref name="inner"/> only the streams with an event it folds, as the library's own test
/// (<paramref name="appliesTo"/>) decides for each event type once (event types are few and fixed, streams many).
/// </summary>
public sealed class ScreenedInlineProjection(IInlineProjection<IDocumentOperations> inner, Func<IEnumerable<Type>, bool> appliesTo)
    : IInlineProjection<IDocumentOperations>
{
    private readonly ConcurrentDictionary<Type, bool> _folds = new();
    private readonly Func<Type, bool> _decide = eventType => appliesTo([eventType]);

    public Task ApplyAsync(IDocumentOperations operations, IEnumerable<StreamAction> streams, CancellationToken cancellation)
    {
        List<StreamAction>? folded = null;
        foreach (var stream in streams)
        {
            if (Folds(stream)) (folded ??= []).Add(stream);
        }
        return folded is null ? Task.CompletedTask : inner.ApplyAsync(operations, folded, cancellation);
    }

    public bool Folds(StreamAction stream)
    {
        foreach (var e in stream.Events)
        {
            if (_folds.GetOrAdd(e.EventType, _decide)) return true;
        }
        return false;
    }
}
