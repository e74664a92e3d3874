namespace TimeBank.ServiceRequests.Closing;

/// <summary>Scheduled when a request is published, for the end of its window plus the completion leeway.</summary>
public sealed record CloseServiceRequest(Guid RequestId, Instant ClosesAt);

public static class CloseServiceRequestHandler
{
    public static async Task Handle(CloseServiceRequest command, IDocumentSession session, IClock clock, IMessageContext messages)
    {
        var now = clock.GetCurrentInstant();
        if (now < command.ClosesAt)
        {
            // The scheduler fired early by this clock's reading: look again then.
            await messages.ScheduleForAsync(command, command.ClosesAt, clock);
            return;
        }
        var stream = await session.Events.FetchForWriting<ServiceRequest>(command.RequestId);
        if (Decide(stream.Aggregate, now) is { } closed) stream.AppendOne(closed);
    }

    /// <summary>Closes a request once; nothing for one closed already (or unknown).</summary>
    public static ServiceRequestClosed? Decide(ServiceRequest? request, Instant now) =>
        request is { ClosedAt: null } ? new ServiceRequestClosed(request.Id, request.Slots, request.Completed, now) : null;
}
