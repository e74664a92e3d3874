using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace TimeBank.Bench;

/// <summary>
/// The service loop under load. claim: contended claims on few-slot requests (201, or 409 when the slots are taken or
/// the volunteer already holds one); afterwards no request may hold more claims than slots, each excess an error.
/// complete: completions of distinct claims, each crediting its volunteer through the deposit.
/// </summary>
public sealed class LoopWorld
{
    private const int ClaimRequests = 200;
    private const int ClaimSlots = 3;
    private const int CompletionSlots = 20;
    private const int CompletionsPerSecond = 3000;

    private readonly ConcurrentDictionary<Guid, int> _claimed = new();

    private LoopWorld(string platformKey, Guid[] volunteers, Guid[] claimRequests, (Guid Request, Guid Volunteer)[] claims)
    {
        PlatformKey = platformKey;
        Volunteers = volunteers;
        ClaimRequestIds = claimRequests;
        Claims = claims;
    }

    public string PlatformKey { get; }
    public Guid[] Volunteers { get; }
    public Guid[] ClaimRequestIds { get; }
    public (Guid Request, Guid Volunteer)[] Claims { get; }

    public static async Task<LoopWorld> CreateAsync(Api api, BenchOptions options, World world)
    {
        var started = Stopwatch.StartNew();
        var organisation = (await api.CreateAsync<object, Created>("/api/organisations", options.AdminKey,
            new { name = "Bench volunteer team", kind = "volunteer-team", district = "Heping", street = "Nanyingmen", community = "Bench Community" })).Id;
        var now = DateTime.UtcNow.AddHours(8);
        var tomorrow = now.Date.AddDays(1);

        // Few slots each, windows a quarter-hour apart so one volunteer may hold claims on several.
        var claimRequests = await Publish(api, world, organisation, ClaimRequests, i => (tomorrow.AddMinutes(15 * i), tomorrow.AddMinutes(15 * i + 10)), ClaimSlots);

        // Completions need claims whose window has begun: windows from a month ago to two hours ahead, one claim per
        // volunteer (their windows overlap), enough volunteers that none is completed twice within the warm-up and the
        // measurement (completions have run at up to 2,100/s here; running out ends the phase with errors). A volunteer
        // cannot hold more: any window still open to claims and already open to services overlaps every other one.
        var warmup = options.WarmupOf("complete");
        var completers = options.Operations.Contains("complete") ? Math.Max(options.Volunteers, CompletionsPerSecond * (options.Seconds + warmup)) : 0;
        var fresh = completers > 0 ? await World.RegisterVolunteersAsync(api, options, completers, world.PlatformKey) : [];
        var completionRequests = await Publish(api, world, organisation, (fresh.Length + CompletionSlots - 1) / CompletionSlots,
            _ => (now.AddDays(-30), now.AddHours(2)), CompletionSlots);
        var claims = fresh.Select((v, i) => (completionRequests[i / CompletionSlots], v)).ToArray();
        await Parallel.ForEachAsync(claims, new ParallelOptions { MaxDegreeOfParallelism = options.Clients }, async (claim, _) =>
        {
            var answer = await api.SendAsync(Api.Post($"/api/service-requests/{claim.Item1}/claims", world.PlatformKey, new { volunteerId = claim.v }));
            if (answer.Status != 201) throw new BenchException($"setting up claims: {answer.Describe()}");
        });
        Console.Error.WriteLine($"[bench] set up {claimRequests.Length} requests to claim and {claims.Length} claims to complete in {started.Elapsed.TotalSeconds:0.0}s");
        return new LoopWorld(world.PlatformKey, world.Volunteers, claimRequests, claims);
    }

    private static async Task<Guid[]> Publish(Api api, World world, Guid organisation, int count, Func<int, (DateTime From, DateTime To)> window, int slots)
    {
        var ids = new Guid[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            var (from, to) = window(i);
            var body = new
            {
                requestedBy = organisation, elderId = world.Elders[i % world.Elders.Length], serviceType = "home-visit",
                window = new { from = Local(from), to = Local(to) }, community = "Bench Community", slots, description = "bench"
            };
            var answer = await api.SendAsync(Api.Post("/api/service-requests", world.PlatformKey, body, Guid.NewGuid().ToString("N")));
            if (answer.Status != 201) throw new BenchException($"publishing a request: {answer.Describe()}");
            ids[i] = JsonDocument.Parse(answer.Body).RootElement.GetProperty("id").GetGuid();
        });
        return ids;
    }

    public Operation Claim() => new("claim", 201, _ =>
    {
        var request = ClaimRequestIds[Random.Shared.Next(ClaimRequestIds.Length)];
        var volunteer = Volunteers[Random.Shared.Next(Volunteers.Length)];
        return new Step(LoadRequest.Post($"/api/service-requests/{request}/claims", PlatformKey, new { volunteerId = volunteer }),
            ok => { if (ok) _claimed.AddOrUpdate(request, 1, (_, n) => n + 1); });
    }, AlsoAccepted: new HashSet<int> { 409 });

    public Operation Complete()
    {
        var day = DateTime.UtcNow.AddHours(8).Date.AddDays(-2).AddHours(10);
        return new Operation("complete", 201, n =>
        {
            if (n >= Claims.Length) throw new OutOfWork("every claim is completed; the phase ends early");
            var (request, volunteer) = Claims[n];
            return new Step(LoadRequest.Post($"/api/service-requests/{request}/completions", PlatformKey,
                new { volunteerId = volunteer, startedAt = Local(day), endedAt = Local(day.AddMinutes(30)) }));
        }, Limited: true);
    }

    /// <summary>Claims the driver saw accepted beyond a request's slots, and requests whose claims differ from what it saw.</summary>
    public async Task<long> OverClaimsAsync(Api api)
    {
        long errors = 0;
        foreach (var id in ClaimRequestIds)
        {
            var answer = await api.SendAsync(Api.Get($"/api/service-requests/{id}", PlatformKey));
            var claims = JsonDocument.Parse(answer.Body).RootElement.GetProperty("claims").GetArrayLength();
            var accepted = _claimed.GetValueOrDefault(id);
            errors += Math.Max(0, accepted - ClaimSlots) + (claims == accepted ? 0 : 1);
        }
        return errors;
    }

    private static string Local(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
