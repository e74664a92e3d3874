using Wolverine;

namespace TimeBank.Hosting;

/// <summary>
/// Schedules a message for an instant of the service's <see cref="IClock"/>. Wolverine's scheduler keeps the wall time,
/// so the message waits the time that clock says is left: an instant the wall has passed would come back at once, be
/// found early and be put back, over and over.
/// </summary>
public static class ClockSchedule
{
    public static ValueTask ScheduleForAsync<T>(this IMessageContext messages, T message, Instant due, IClock clock)
    {
        var left = due - clock.GetCurrentInstant();
        return messages.ScheduleAsync(message, left > Duration.Zero ? left.ToTimeSpan() : TimeSpan.Zero);
    }
}
