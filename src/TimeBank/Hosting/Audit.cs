using JasperFx.Events;

namespace TimeBank.Hosting;

/// <summary>
/// Carries who asked, the correlation id and the causing request from the HTTP edge into the
/// command handler, where they are stamped on every event the handler appends (ledger principle 8).
/// </summary>
public static class Audit
{
    public const string ActorKeyIdHeader = "actor-key-id";
    public const string ActorRoleHeader = "actor-role";
    public const string ActorDistrictsHeader = "actor-districts";
    public const string CausationHeader = "causation-id";

    public static DeliveryOptions AuditedDelivery(this HttpContext context)
    {
        var stamp = context.StampOf();
        var delivery = new DeliveryOptions
        {
            CorrelationId = stamp.CorrelationId,
            Headers =
            {
                [ActorKeyIdHeader] = stamp.ActorKeyId,
                [ActorRoleHeader] = stamp.ActorRole,
                [CausationHeader] = stamp.CausationId
            }
        };
        if (context.Request.Headers[Idempotency.Header] is [{ Length: > 0 } key]) delivery.Headers[Idempotency.EnvelopeHeader] = key;
        // A key's district names hold no control characters (IssueApiKey), so one header carries them all.
        if (context.Caller().Districts is { Count: > 0 } districts) delivery.Headers[ActorDistrictsHeader] = string.Join('\n', districts);
        return delivery;
    }

    /// <summary>The stamp of one HTTP request, for commands that carry many requests' events.</summary>
    public static AuditStamp StampOf(this HttpContext context)
    {
        var caller = context.Caller();
        return new AuditStamp(caller.KeyId, caller.Role, context.CorrelationId(), $"http:{context.TraceIdentifier}");
    }

    public static void Stamp(IDocumentSession session, Envelope envelope)
    {
        if (envelope.Message is IStampsEachEvent) return;

        var actorKeyId = envelope.Headers.GetValueOrDefault(ActorKeyIdHeader) ?? "system";
        var actorRole = envelope.Headers.GetValueOrDefault(ActorRoleHeader) ?? "system";
        session.CorrelationId = envelope.CorrelationId ?? envelope.Id.ToString();
        session.CausationId = envelope.Headers.GetValueOrDefault(CausationHeader) ?? $"message:{envelope.Id}";
        session.LastModifiedBy = actorKeyId;
        session.SetHeader(ActorKeyIdHeader, actorKeyId);
        session.SetHeader(ActorRoleHeader, actorRole);
    }
}

/// <summary>Who asked and why, for one request's events.</summary>
public sealed record AuditStamp(string ActorKeyId, string ActorRole, string CorrelationId, string CausationId)
{
    /// <summary>Who asked, as a handler of many requests' commands checks it (the roles that write carry no districts).</summary>
    public Caller Caller => new(ActorKeyId, "", ActorRole);

    public IEvent On<T>(T data) where T : notnull
    {
        var e = Event.AsEvent(data);
        e.CorrelationId = CorrelationId;
        e.CausationId = CausationId;
        e.UserName = ActorKeyId;
        e.SetHeader(Audit.ActorKeyIdHeader, ActorKeyId);
        e.SetHeader(Audit.ActorRoleHeader, ActorRole);
        return e;
    }
}

/// <summary>A command that gathers several requests and stamps each event with its own request's audit data.</summary>
public interface IStampsEachEvent;

/// <summary>Wolverine middleware applied to every message handler.</summary>
public static class AuditStampMiddleware
{
    public static void Before(IDocumentSession session, Envelope envelope) => Audit.Stamp(session, envelope);
}
