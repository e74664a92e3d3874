using System.Globalization;

namespace TimeBank.Bench;

/// <summary>One request to send, and what to do once it is known whether the answer was the expected one.</summary>
public readonly record struct Step(LoadRequest Request, Action<bool>? Done = null);

/// <summary>
/// A measured operation: <see cref="Next"/> builds request number n (0, 1, 2, ... across warm-up and measurement);
/// <see cref="AlsoAccepted"/> are statuses that count as expected answers too (a refused claim on a full request).
/// </summary>
/// <param name="Limited">The operation has work for its warm-up and phase only, so its warm-up is not lengthened.</param>
public sealed record Operation(string Name, int ExpectedStatus, Func<long, Step> Next, IReadOnlySet<int>? AlsoAccepted = null, bool Limited = false)
{
    public bool Accepts(int status) => status == ExpectedStatus || AlsoAccepted?.Contains(status) == true;
}

public sealed record ServiceRecordRequest(string PlatformRecordId, Guid VolunteerId, Guid ElderId, string ServiceType,
    string StartedAt, string EndedAt);

public sealed record TransferRequest(Guid From, Guid To, int Minutes, string Reason);

public static class Operations
{
    private const int ServiceMinutes = 10;
    private static readonly TimeSpan SlotLength = TimeSpan.FromMinutes(15);
    private const int PostingDays = 28;

    /// <summary>
    /// Request n credits volunteer n % V for slot n / V: slot s falls on day s % 28 before yesterday, at 09:00 plus a
    /// quarter-hour for every 28 slots, so no two records of one volunteer overlap and concurrent requests name different
    /// accounts. Each slot pairs the volunteer with another elder: honest records, a service or two a day within the posting
    /// window, which the integrity review passes without a flag (one pair every slot, dozens of services a day or night
    /// service would flag most deposits and measure the flags).
    /// </summary>
    public static Operation Deposit(World world)
    {
        // Shanghai has kept UTC+8 without daylight saving since 1991.
        var yesterday = DateTime.SpecifyKind(DateTime.UtcNow.AddHours(8).Date.AddDays(-1).AddHours(9), DateTimeKind.Unspecified);
        var run = Guid.NewGuid().ToString("N")[..8];
        var volunteers = world.Volunteers.Length;

        return new Operation("deposit", 201, n =>
        {
            var volunteer = (int)(n % volunteers);
            var slot = n / volunteers;
            var start = yesterday.AddDays(-(slot % PostingDays)) + SlotLength * (slot / PostingDays);
            var body = new ServiceRecordRequest($"bench-{run}-{n}", world.Volunteers[volunteer], world.Elders[(volunteer + slot) % world.Elders.Length],
                "home-visit", LocalTime(start), LocalTime(start.AddMinutes(ServiceMinutes)));
            return new Step(LoadRequest.Post("/api/service-records", world.PlatformKey, body),
                ok => { if (ok) Interlocked.Add(ref world.Balances[volunteer], ServiceMinutes); });
        });
    }

    /// <summary>
    /// Moves one minute between two random funded volunteers. The minute is taken from the driver's own count
    /// before sending, so the service never sees a transfer the sender cannot cover.
    /// </summary>
    public static Operation Transfer(World world)
    {
        var funded = Funded(world);
        return new Operation("transfer", 201, _ =>
        {
            var from = TakeMinute(world, funded);
            var to = from;
            while (to == from) to = funded[Random.Shared.Next(funded.Length)];

            var body = new TransferRequest(world.Volunteers[from], world.Volunteers[to], 1, "bench");
            return new Step(LoadRequest.Post("/api/transfers", world.PlatformKey, body, Guid.NewGuid().ToString("N")),
                ok => Interlocked.Increment(ref world.Balances[ok ? to : from]));
        });
    }

    public static Operation AccountRead(World world)
    {
        var funded = Funded(world);
        return new Operation("account-read", 200, _ =>
        {
            var id = world.Volunteers[funded[Random.Shared.Next(funded.Length)]];
            return new Step(LoadRequest.Get($"/api/accounts/{id}", world.PlatformKey));
        });
    }

    private static int[] Funded(World world)
    {
        var funded = Enumerable.Range(0, world.Volunteers.Length).Where(i => Volatile.Read(ref world.Balances[i]) > 0).ToArray();
        if (funded.Length < 2) throw new BenchException("fewer than two volunteers hold minutes; the deposits failed");
        return funded;
    }

    private static int TakeMinute(World world, int[] funded)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var candidate = funded[Random.Shared.Next(funded.Length)];
            if (Interlocked.Decrement(ref world.Balances[candidate]) >= 0) return candidate;
            Interlocked.Increment(ref world.Balances[candidate]);
        }
        throw new BenchException("no funded volunteer has a minute left to send");
    }

    private static string LocalTime(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
