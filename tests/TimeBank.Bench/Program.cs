using TimeBank.Bench;
using TimeBank.Bench.Failover;

// HTTP load driver for ops/bench, and for ops/cluster-test with "failover". Stdout carries only the result lines;
// everything else goes to stderr.
if (args.FirstOrDefault() == "failover")
{
    if (FailoverOptions.Parse(args[1..]) is not { } failover)
    {
        Console.Error.WriteLine(FailoverOptions.Usage);
        return 2;
    }
    try
    {
        return await new FailoverRun(failover).RunAsync();
    }
    catch (Exception e) when (e is BenchException or HttpRequestException or TaskCanceledException)
    {
        Console.Error.WriteLine($"[cluster-test] {e.Message}");
        return 1;
    }
}

if (BenchOptions.Parse(args) is not { } options)
{
    Console.Error.WriteLine(BenchOptions.Usage);
    return 2;
}

try
{
    using var http = Api.CreateClient(options.Url, options.Clients);
    var api = new Api(http);
    var world = await World.CreateAsync(api, options);

    // Built one after another: transfers and reads pick among the volunteers the deposits funded.
    var operations = new (string Name, Func<Operation> Build)[]
    {
        ("deposit", () => Operations.Deposit(world)), ("transfer", () => Operations.Transfer(world)),
        ("account-read", () => Operations.AccountRead(world))
    };
    foreach (var (name, build) in operations.Where(o => options.Operations.Contains(o.Name)))
    {
        Console.Out.WriteLine(await Load.RunAsync(build(), options));
        Console.Out.Flush();
    }

    if (options.Operations.Overlaps(["member-lookup", "order"]))
    {
        var market = await MarketWorld.CreateAsync(api, options, world);
        if (options.Operations.Contains("member-lookup")) Console.Out.WriteLine(await Load.RunAsync(market.MemberLookup(), options));
        if (options.Operations.Contains("order"))
        {
            var orders = await Load.RunAsync(market.Order(), options);
            Console.Out.WriteLine(orders with { Errors = orders.Errors + await market.DiscrepanciesAsync(api) });
        }
        Console.Out.Flush();
    }

    if (options.Operations.Overlaps(["claim", "complete"]))
    {
        var loop = await LoopWorld.CreateAsync(api, options, world);
        if (options.Operations.Contains("claim"))
        {
            var claims = await Load.RunAsync(loop.Claim(), options);
            Console.Out.WriteLine(claims with { Errors = claims.Errors + await loop.OverClaimsAsync(api) });
        }
        if (options.Operations.Contains("complete")) Console.Out.WriteLine(await Load.RunAsync(loop.Complete(), options));
        Console.Out.Flush();
    }

    if (options.Operations.Overlaps(["visit", "coverage-read"]))
    {
        var care = new CareWorld(world);
        if (options.Operations.Contains("visit"))
        {
            Console.Out.WriteLine(await Load.RunAsync(care.Visit(), options));
            Console.Out.WriteLine(await care.LagAsync(api));
        }
        if (options.Operations.Contains("coverage-read")) Console.Out.WriteLine(await Load.RunAsync(care.CoverageRead(), options));
        Console.Out.Flush();
    }
    return 0;
}
catch (Exception e) when (e is BenchException or HttpRequestException or TaskCanceledException)
{
    Console.Error.WriteLine($"[bench] {e.Message}");
    return 1;
}
