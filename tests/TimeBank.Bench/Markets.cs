using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace TimeBank.Bench;

public sealed record MarketRequest(string Name, string District, string Street, string Community);

public sealed record KioskKeyRequest(string Name, string Role, Guid MarketId);

public sealed record ItemRequest(string Name, int PointsPrice, string Unit);

public sealed record StockRequest(int Quantity, string Reason);

public sealed record OrderLineRequest(string Sku, int Quantity);

public sealed record OrderRequest(string MemberCode, OrderLineRequest[] Lines);

public sealed record Person(string? MemberCode);

public sealed record Member(int PointsBalance);

public sealed record Item(string Sku, int PointsPrice, int Stock);

/// <summary>
/// A love market with well-stocked items, the member codes of every volunteer, and shoppers funded with points.
/// The driver keeps its own count of every shopper's points and every item's stock from the orders it saw succeed,
/// and compares them with the service's figures afterwards: any difference is an oversell.
/// </summary>
public sealed class MarketWorld
{
    private const int Shoppers = 256;
    private const int RecordsPerShopper = 6;
    private const int RecordMinutes = 600;
    private const int Stock = 100_000;
    private static readonly (string Sku, int Price)[] Catalogue =
        [("RICE", 2), ("OIL", 2), ("SOAP", 1), ("TOWEL", 1), ("NOODLES", 1), ("EGGS", 2), ("MILK", 1), ("SALT", 1)];

    private readonly ConcurrentDictionary<string, int> _sold = new();

    private MarketWorld(Guid marketId, string kioskKey, string[] codes, string[] shopperCodes, int[] shopperPoints)
    {
        MarketId = marketId;
        KioskKey = kioskKey;
        Codes = codes;
        ShopperCodes = shopperCodes;
        Points = shopperPoints;
        StartingPoints = (int[])shopperPoints.Clone();
    }

    public Guid MarketId { get; }
    public string KioskKey { get; }
    public string[] Codes { get; }
    public string[] ShopperCodes { get; }
    public int[] Points { get; }
    private int[] StartingPoints { get; }

    public static async Task<MarketWorld> CreateAsync(Api api, BenchOptions options, World world)
    {
        var admin = options.AdminKey;
        var market = await api.CreateAsync<MarketRequest, Created>("/api/markets", admin, new MarketRequest("Bench love market", "Heping", "Nanyingmen", "Bench Community"));
        var kioskKey = (await api.CreateAsync<KioskKeyRequest, IssuedKey>("/api/api-keys", admin, new KioskKeyRequest("bench counter", "kiosk", market.Id))).Key;
        foreach (var (sku, price) in Catalogue)
        {
            await Expect(api, HttpStatusCode.Created, Put($"/api/markets/{market.Id}/items/{sku}", admin, new ItemRequest(sku, price, "件")));
            await Expect(api, HttpStatusCode.Created, Api.Post($"/api/markets/{market.Id}/items/{sku}/stock", admin,
                new StockRequest(Stock, "bench"), Guid.NewGuid().ToString("N")));
        }

        var shoppers = world.Volunteers.Take(Shoppers).ToArray();
        var run = Guid.NewGuid().ToString("N")[..8];
        // Whole days far back (within the service's 365-day back-posting window), so these records overlap neither
        // each other nor the deposit operation's slots, which step back from yesterday.
        var firstDay = DateTime.UtcNow.AddHours(8).Date.AddDays(-300);
        await Parallel.ForEachAsync(Enumerable.Range(0, shoppers.Length * RecordsPerShopper), new ParallelOptions { MaxDegreeOfParallelism = options.Clients },
            async (n, _) =>
            {
                var start = firstDay.AddDays(-(n / shoppers.Length)).AddHours(7);
                var body = new ServiceRecordRequest($"bench-market-{run}-{n}", shoppers[n % shoppers.Length], world.Elders[n % world.Elders.Length],
                    "home-visit", Local(start), Local(start.AddMinutes(RecordMinutes)));
                await Expect(api, HttpStatusCode.Created, Api.Post("/api/service-records", world.PlatformKey, body));
            });

        var codes = new string[world.Volunteers.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, codes.Length), new ParallelOptions { MaxDegreeOfParallelism = options.Clients },
            async (i, _) => codes[i] = (await Read<Person>(api, Api.Get($"/api/volunteers/{world.Volunteers[i]}", world.PlatformKey))).MemberCode
                                       ?? throw new BenchException($"volunteer {world.Volunteers[i]} has no member code"));

        var shopperCodes = codes.Take(shoppers.Length).ToArray();
        var points = new int[shoppers.Length];
        await Parallel.ForEachAsync(Enumerable.Range(0, shoppers.Length), new ParallelOptions { MaxDegreeOfParallelism = options.Clients },
            async (i, _) => points[i] = (await Read<Member>(api, Api.Get($"/api/kiosk/members/{shopperCodes[i]}", kioskKey))).PointsBalance);
        Console.Error.WriteLine($"[bench] market {market.Id}: {Catalogue.Length} items, {shoppers.Length} shoppers with {points.Sum()} points");
        return new MarketWorld(market.Id, kioskKey, codes, shopperCodes, points);
    }

    /// <summary>Order n: one or two items, one unit each, by a shopper whose points the driver sets aside first.</summary>
    public Operation Order() => new("order", 201, _ =>
    {
        var first = Random.Shared.Next(Catalogue.Length);
        var lines = Random.Shared.Next(2) == 0
            ? new[] { Catalogue[first] }
            : [Catalogue[first], Catalogue[(first + 1 + Random.Shared.Next(Catalogue.Length - 1)) % Catalogue.Length]];
        var cost = lines.Sum(l => l.Price);
        var shopper = TakePoints(cost);

        var body = new OrderRequest(ShopperCodes[shopper], lines.Select(l => new OrderLineRequest(l.Sku, 1)).ToArray());
        return new Step(LoadRequest.Post($"/api/markets/{MarketId}/orders", KioskKey, body, Guid.NewGuid().ToString("N")), ok =>
        {
            if (!ok)
            {
                Interlocked.Add(ref Points[shopper], cost);
                return;
            }
            foreach (var (sku, _) in lines) _sold.AddOrUpdate(sku, 1, (_, n) => n + 1);
        });
    });

    public Operation MemberLookup() => new("member-lookup", 200, _ =>
        new Step(LoadRequest.Get($"/api/kiosk/members/{Codes[Random.Shared.Next(Codes.Length)]}", KioskKey)));

    /// <summary>Units and points the service shows beyond what the driver saw sold: each one is an oversell (or a lost write).</summary>
    public async Task<long> DiscrepanciesAsync(Api api)
    {
        long wrong = 0;
        var items = await Read<Item[]>(api, Api.Get($"/api/markets/{MarketId}/items", KioskKey));
        foreach (var item in items)
        {
            var expected = Stock - _sold.GetValueOrDefault(item.Sku);
            if (item.Stock != expected || item.Stock < 0)
            {
                Console.Error.WriteLine($"[bench] order: {item.Sku} has {item.Stock} in stock; the orders that succeeded leave {expected}");
                wrong += Math.Max(1, Math.Abs(item.Stock - expected));
            }
        }
        for (var i = 0; i < ShopperCodes.Length; i++)
        {
            var balance = (await Read<Member>(api, Api.Get($"/api/kiosk/members/{ShopperCodes[i]}", KioskKey))).PointsBalance;
            var expected = Volatile.Read(ref Points[i]);
            if (balance != expected || balance < 0)
            {
                Console.Error.WriteLine($"[bench] order: shopper {ShopperCodes[i]} holds {balance} points; the orders that succeeded leave {expected}" +
                                        $" (from {StartingPoints[i]})");
                wrong += Math.Max(1, Math.Abs(balance - expected));
            }
        }
        return wrong;
    }

    private int TakePoints(int cost)
    {
        for (var attempt = 0; attempt < 10_000; attempt++)
        {
            var candidate = Random.Shared.Next(Points.Length);
            if (Interlocked.Add(ref Points[candidate], -cost) >= 0) return candidate;
            Interlocked.Add(ref Points[candidate], cost);
        }
        throw new BenchException("no shopper has points left for an order");
    }

    private static HttpRequestMessage Put<T>(string path, string apiKey, T body)
    {
        var request = Api.Post(path, apiKey, body);
        request.Method = HttpMethod.Put;
        return request;
    }

    private static async Task Expect(Api api, HttpStatusCode status, HttpRequestMessage request)
    {
        var path = request.RequestUri;
        var answer = await api.SendAsync(request);
        if (answer.Status != (int)status) throw new BenchException($"{path} answered {answer.Describe()}");
    }

    private static async Task<T> Read<T>(Api api, HttpRequestMessage request)
    {
        var path = request.RequestUri;
        var answer = await api.SendAsync(request);
        if (answer.Status != 200) throw new BenchException($"GET {path} answered {answer.Describe()}");
        return JsonSerializer.Deserialize<T>(answer.Body, Api.Json)
               ?? throw new BenchException($"GET {path} answered an empty body");
    }

    private static string Local(DateTime time) => time.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);
}
