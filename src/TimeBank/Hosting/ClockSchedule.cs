using Wolverine;

namespace TimeBank.Hosting;

/// <summary>
/// Schedules messages for an instant of the service's <see cref="IClock"/>. Wolverine's scheduler goes by the host's
/// wall time, so a message is scheduled after the time that clock says is left: the same instant while the two agree,
/// and never an instant the wall has passed already, which would be delivered at once, handled as early by the
/// service's clock and put back again, over and over.
/// </summary>
public static class ClockSchedule
{
    public static ValueTask ScheduleForAsync<T>(this IMessageContext messages, T message, Instant due, IClock clock)
    {
        var left = due - clock.GetCurrentInstant();
        return messages.ScheduleAsync(message, left > Duration.Zero ? left.ToTimeSpan() : TimeSpan.Zero);
    }
}
