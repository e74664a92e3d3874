using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text.Json;
using Marten.Pagination;
using Microsoft.Extensions.Options;
using TimeBank.People;
using Wolverine.ErrorHandling;
using Wolverine.Persistence.Durability;
using Wolverine.Persistence.Durability.DeadLetterManagement;
using Wolverine.Util;

namespace TimeBank.Care.Alerts;

/// <summary>Tell one recipient of an alert: sent through the durable outbox with the visit, retried, then dead-lettered.</summary>
public sealed record NotifyAlertRecipient(Guid AlertId, int Order);

/// <summary>The webhook did not take a notification; thrown so Wolverine retries it on its schedule.</summary>
public sealed class NotificationNotDelivered(string message) : Exception(message);

/// <summary>The JSON body the gateway receives. notificationId is the same on every attempt, so the gateway can drop repeats.</summary>
public sealed record AlertNotification(Guid NotificationId, Guid AlertId, Guid ElderId, string ElderName, string District, string Street, string Community,
    IReadOnlyList<string> Reasons, string? Description, int Order, int Of, string RecipientName, string? RecipientPhone, ContactRelation Relation, Instant OpenedAt);

public static class AlertNotificationHandler
{
    public const string ClientName = "alert-webhook";

    public static async Task Handle(NotifyAlertRecipient message, IQuerySession session, IHttpClientFactory clients, IOptions<NotificationOptions> options,
        PersonalData personalData, ILogger<NotifyAlertRecipient> logger, CancellationToken cancellation)
    {
        if (options.Value.WebhookUrl is not { Length: > 0 } url) return;
        var alert = await session.LoadAsync<CareAlert>(message.AlertId, cancellation);
        var elder = alert is null ? null : await session.LoadAsync<Elder>(alert.ElderId, cancellation);
        if (alert is null || elder is null || alert.Recipients.FirstOrDefault(r => r.Order == message.Order) is not { } recipient) return;

        var body = new AlertNotification(NameBasedIds.For($"alert-notification:{alert.Id:N}:{recipient.Order}"), alert.Id, alert.ElderId, elder.FullName,
            alert.District, alert.Street, alert.Community, alert.Reasons, alert.Description, recipient.Order, alert.Recipients.Count, recipient.FullName,
            recipient is { ProtectedPhone: { } p, PhoneField: { } f } ? personalData.Reveal(p, f) : null, recipient.Relation, alert.OpenedAt);
        using var response = await clients.CreateClient(ClientName).PostAsJsonAsync(url, body, Idempotency.Canonical, cancellation);
        if (!response.IsSuccessStatusCode)
            throw new NotificationNotDelivered($"The notification webhook answered {(int)response.StatusCode} for alert {alert.Id}, recipient {recipient.Order}.");
        logger.LogInformation("Alert {AlertId} notified to recipient {Order} of {Count}", alert.Id, recipient.Order, alert.Recipients.Count);
    }

    /// <summary>Retries on the schedule configured, each one persisted (a restart keeps it); then the dead-letter queue.</summary>
    public static WolverineOptions RetryNotifications(this WolverineOptions opts, IReadOnlyList<TimeSpan> delays)
    {
        opts.OnException<NotificationNotDelivered>().Or<HttpRequestException>().Or<TaskCanceledException>()
            .ScheduleRetry([.. delays]).Then.MoveToErrorQueue();
        return opts;
    }
}

public sealed record AlertAcknowledgement(Guid AlertId);

/// <param name="Handling">What was done (处置情况).</param>
/// <param name="HandledBy">Who handled it.</param>
public sealed record CloseAlertRequest([property: Required] string? Handling, [property: Required] string? HandledBy);

public sealed record CloseAlert(Guid AlertId, string Handling, string HandledBy);

public static class AcknowledgeAlertEndpoint
{
    /// <summary>Someone has taken the alert in hand (care workers of its district, the platform that raised it, admins). Again: unchanged.</summary>
    [WolverinePost("/api/care/alerts/{id}/acknowledge", OperationId = "AcknowledgeAlert")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<AlertView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new AlertAcknowledgement(id), context)).ToResult<AlertView>();
}

public static class CloseAlertEndpoint
{
    public const int MaxHandling = 2000;

    public static ProblemDetails Validate(CloseAlertRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Handling) || request.Handling.Trim().Length > MaxHandling)
            errors["handling"] = [$"What was done, 1 to {MaxHandling} characters, is required."];
        PersonFields.Name(errors, "handledBy", request.HandledBy);
        return Problems.Validate(errors);
    }

    /// <summary>Closes the alert with its handling recorded (事后做好处置情况记录归档). A closed alert is not closed again (409).</summary>
    [WolverinePost("/api/care/alerts/{id}/close", OperationId = "CloseAlert")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<AlertView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, CloseAlertRequest request, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new CloseAlert(id, request.Handling!.Trim(), request.HandledBy!.Trim()), context)).ToResult<AlertView>();
}

public static class AlertHandler
{
    public static async Task<Outcome> Handle(AlertAcknowledgement command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData)
    {
        var caller = Scopes.CallerOf(envelope);
        var stream = await session.Events.FetchForWriting<CareAlert>(command.AlertId);
        var decision = Acknowledge(stream.Aggregate, command.AlertId, caller, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        var alert = stream.Aggregate!;
        if (decision.Events is { } acknowledged)
        {
            stream.AppendOne(acknowledged);
            alert = alert.Apply(acknowledged);
        }
        return Outcome.Existing(AlertView.Of(alert, personalData, PhonesInFull(caller)));
    }

    public static async Task<Outcome> Handle(CloseAlert command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData)
    {
        var caller = Scopes.CallerOf(envelope);
        var stream = await session.Events.FetchForWriting<CareAlert>(command.AlertId);
        var decision = Close(stream.Aggregate, command, caller, clock.GetCurrentInstant());
        if (decision.Refusal is { } refusal) return refusal;
        stream.AppendOne(decision.Events);
        return Outcome.Existing(AlertView.Of(stream.Aggregate!.Apply(decision.Events), personalData, PhonesInFull(caller)));
    }

    /// <summary>An open alert is acknowledged; an acknowledged or closed one is left as it is (null event).</summary>
    public static Decision<AlertAcknowledged?> Acknowledge(CareAlert? alert, Guid id, Caller caller, Instant now)
    {
        if (alert is null) return new NotFound("Alert", id.ToString());
        if (MayHandle(caller, alert) is { } refusal) return refusal;
        return alert.Status == AlertStatus.Open ? new AlertAcknowledged(alert.Id, caller.KeyId, now) : (AlertAcknowledged?)null;
    }

    public static Decision<AlertClosed> Close(CareAlert? alert, CloseAlert command, Caller caller, Instant now)
    {
        if (alert is null) return new NotFound("Alert", command.AlertId.ToString());
        if (MayHandle(caller, alert) is { } refusal) return refusal;
        if (alert.Status == AlertStatus.Closed) return new AlertClosedAlready(alert.Id, alert.ClosedAt!.Value);
        return new AlertClosed(alert.Id, command.Handling, command.HandledBy, caller.KeyId, now);
    }

    /// <summary>A care worker handles the alerts of its districts; a platform those it raised; an admin any.</summary>
    public static Refusal? MayHandle(Caller caller, CareAlert alert) => caller.Role switch
    {
        Roles.Admin or Scopes.SystemKeyId => null,
        Roles.CareWorker when caller.ServesDistrict(alert.District) => null,
        Roles.Platform when alert.OpenedBy == caller.KeyId => null,
        _ => new NotPermitted("This key may not handle that alert.", $"Alert {alert.Id} is in {alert.District}, outside what this key serves.")
    };

    /// <summary>Staff phone the contacts from the alert list: care workers and admins see the numbers in full.</summary>
    public static bool PhonesInFull(Caller caller) => caller.Role is Roles.Admin or Roles.CareWorker;
}

public static class ListAlertsEndpoint
{
    /// <summary>Alerts, oldest first: the list staff phone through when no gateway is configured. Care workers see their districts, platforms the alerts they raised.</summary>
    /// <param name="status">open, acknowledged or closed.</param>
    /// <param name="district">Only this district (区).</param>
    /// <param name="page">Page number, from 1.</param>
    /// <param name="pageSize">Alerts per page, 1 to 200 (default 50).</param>
    [WolverineGet("/api/care/alerts", OperationId = "ListAlerts")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<Page<AlertView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery, OneOf<AlertStatus>] string? status, [FromQuery] string? district, [FromQuery] int? page,
        [FromQuery] int? pageSize, IQuerySession session, PersonalData personalData, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var wanted = PersonFields.OneOf<AlertStatus>(errors, "status", status, required: false);
        var area = CareArea.Read(district, null, null, errors);
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area.District) is { } refusal) return Problems.For(refusal).ToResult();

        var query = session.Query<CareAlert>().AsQueryable();
        if (wanted is { } s) query = query.Where(a => a.Status == s);
        if (area.District is { } d) query = query.Where(a => a.District == d);
        if (Scopes.DistrictsOf(caller) is { } districts) query = query.Where(a => a.District.IsOneOf(districts));
        if (caller.Role == Roles.Platform)
        {
            var key = caller.KeyId;
            query = query.Where(a => a.OpenedBy == key);
        }
        var found = await query.OrderBy(a => a.OpenedAtUnixMs).ThenBy(a => a.Id).ToPagedListAsync(number, size, context.RequestAborted);
        return Results.Ok(Page<AlertView>.Of(found, a => AlertView.Of(a, personalData, AlertHandler.PhonesInFull(caller))));
    }
}

/// <param name="MessageId">The failed message.</param>
/// <param name="Recipient">Its place in the calling order.</param>
public sealed record FailedNotification([property: Required] Guid MessageId, Guid? AlertId, int? Recipient, [property: Required] string Exception,
    [property: Required] DateTimeOffset SentAt);

public static class ListFailedNotificationsEndpoint
{
    /// <summary>Alert notifications the webhook never took after every retry (the dead-letter queue), newest first: phone these by hand.</summary>
    [WolverineGet("/api/care/notifications/failed", OperationId = "ListFailedNotifications")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<IReadOnlyList<FailedNotification>>(StatusCodes.Status200OK)]
    public static async Task<IReadOnlyList<FailedNotification>> Get(IMessageStore store, CancellationToken cancellation)
    {
        // Every page of this message type: the store pages the oldest first, and other dead letters must not crowd these out.
        const int pageSize = 500;
        var failed = new List<FailedNotification>();
        for (var page = 1; ; page++)
        {
            var query = new DeadLetterEnvelopeQuery { MessageType = typeof(NotifyAlertRecipient).ToMessageTypeName(), PageNumber = page, PageSize = pageSize };
            var results = await store.DeadLetters.QueryAsync(query, cancellation);
            failed.AddRange(results.Envelopes.Select(e =>
            {
                var message = e.Envelope.Data is { Length: > 0 } data ? JsonSerializer.Deserialize<NotifyAlertRecipient>(data, Idempotency.Canonical) : null;
                return new FailedNotification(e.Id, message?.AlertId, message?.Order, $"{e.ExceptionType}: {e.ExceptionMessage}", e.SentAt);
            }));
            if (results.Envelopes.Count < pageSize) break;
        }
        return failed.OrderByDescending(f => f.SentAt).ToList();
    }
}
