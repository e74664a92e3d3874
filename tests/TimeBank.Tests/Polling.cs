namespace TimeBank.Tests;

/// <summary>For what the service finishes in the background: reads until the value is done or the time is up.</summary>
public static class Polling
{
    /// <summary>The first value that is done, or the last one read when time is up, for the test's assertion to judge.</summary>
    public static async Task<T> Eventually<T>(Func<Task<T>> read, Func<T, bool> done, int seconds = 90)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(200);
        }
    }
}
