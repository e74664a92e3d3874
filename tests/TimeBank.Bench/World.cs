using System.Diagnostics;
using System.Globalization;

namespace TimeBank.Bench;

public sealed record ApiKeyRequest(string Name, string Role);

public sealed record IssuedKey(string Key);

public sealed record Created(Guid Id);

public sealed record VolunteerRequest(string FullName, string IdNumber, string Phone, string Programme, string District,
    string Street, string Community);

public sealed record ContactRequest(string FullName, string Phone, string Relation);

public sealed record ElderRequest(string FullName, string IdNumber, string Phone, string District, string Street,
    string Community, string[] Categories, ContactRequest EmergencyContact);

/// <summary>Keys and people registered before the measurements, and the minutes the driver knows each volunteer holds.</summary>
public sealed class World
{
    private World(string platformKey, Guid[] volunteers, Guid[] elders)
    {
        PlatformKey = platformKey;
        Volunteers = volunteers;
        Elders = elders;
        Balances = new int[volunteers.Length];
    }

    public string PlatformKey { get; }
    public Guid[] Volunteers { get; }
    public Guid[] Elders { get; }
    public int[] Balances { get; }

    public static async Task<World> CreateAsync(Api api, BenchOptions options)
    {
        var started = Stopwatch.StartNew();
        var platformKey = await IssueKey(api, options.AdminKey, "platform");

        // A random birth-date offset per run keeps identity numbers unique when the database is reused.
        var day = Random.Shared.Next(0, 5000);
        var elders = await RegisterAll(api, options, options.Elders, "/api/elders", i => new ElderRequest(
            $"Elder {i}", ResidentId.Make("120102", new DateOnly(1940, 1, 1).AddDays(day + i / 1000), i % 1000),
            Phone("139", i), "Heping", "Nanyingmen", "Bench Community", ["living-alone"],
            new ContactRequest($"Child of elder {i}", Phone("137", i), "child")), platformKey);
        var volunteers = await RegisterAll(api, options, options.Volunteers, "/api/volunteers", i => new VolunteerRequest(
            $"Volunteer {i}", ResidentId.Make("120101", new DateOnly(1960, 1, 1).AddDays(day + i / 1000), i % 1000),
            Phone("138", i), "senior", "Heping", "Nanyingmen", "Bench Community"), platformKey);

        Console.Error.WriteLine(
            $"[bench] set up {volunteers.Length} volunteers and {elders.Length} elders in {started.Elapsed.TotalSeconds:0.0}s");
        return new World(platformKey, volunteers, elders);
    }

    /// <summary>More volunteers, registered by <paramref name="platformKey"/>.</summary>
    public static Task<Guid[]> RegisterVolunteersAsync(Api api, BenchOptions options, int count, string platformKey)
    {
        var day = Random.Shared.Next(0, 5000);
        return RegisterAll(api, options, count, "/api/volunteers", i => new VolunteerRequest(
            $"Loop volunteer {i}", ResidentId.Make("120103", new DateOnly(1962, 1, 1).AddDays(day + i / 1000), i % 1000),
            Phone("136", i), "senior", "Heping", "Nanyingmen", "Bench Community"), platformKey);
    }

    private static async Task<string> IssueKey(Api api, string adminKey, string role) =>
        (await api.CreateAsync<ApiKeyRequest, IssuedKey>("/api/api-keys", adminKey, new ApiKeyRequest($"bench {role}", role))).Key;

    private static async Task<Guid[]> RegisterAll<T>(Api api, BenchOptions options, int count, string path, Func<int, T> body, string key)
    {
        var ids = new Guid[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = options.Clients },
            async (i, _) => ids[i] = (await api.CreateAsync<T, Created>(path, key, body(i))).Id);
        return ids;
    }

    private static string Phone(string prefix, int i) => prefix + (i % 100_000_000).ToString("D8", CultureInfo.InvariantCulture);
}

/// <summary>18-character PRC resident identity numbers (GB 11643-1999) with a valid check character.</summary>
public static class ResidentId
{
    private static readonly int[] Weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

    public static string Make(string region, DateOnly birth, int serial)
    {
        var first17 = region + birth.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
                             + serial.ToString("D3", CultureInfo.InvariantCulture);
        var sum = 0;
        for (var i = 0; i < Weights.Length; i++) sum += (first17[i] - '0') * Weights[i];
        return first17 + "10X98765432"[sum % 11];
    }
}
