using JasperFx;

var builder = WebApplication.CreateBuilder(args);
if (Settings.Problems(builder.Configuration) is { Count: > 0 } problems)
{
    await Console.Error.WriteLineAsync(string.Join(Environment.NewLine, [Settings.Heading, .. problems.Select(p => "  " + p)]));
    return 2;
}
if (!builder.HasConnectionString() && Commands.NeedDatabase(args))
{
    await Console.Error.WriteLineAsync(Commands.MissingConnectionString(args.FirstOrDefault(a => !a.StartsWith('-'))));
    return 2;
}
builder.AddTimeBank();

var app = builder.Build();
app.UseTimeBank();

if (RebuildGuard.Applies(args))
{
    if (await RebuildGuard.WhyRefusedAsync(app.Services, args, CancellationToken.None) is { } refusal)
    {
        await Console.Error.WriteLineAsync(refusal);
        return 1;
    }
    args = RebuildGuard.WithoutForce(args);
}

// JasperFx writes each assembly it searches for commands to the console until extensions have been applied; applying
// none first keeps those lines out of the service's output (and out of JSON logs).
new JasperFx.CommandLine.CommandFactory().ApplyExtensions(new ServiceCollection());
return await app.RunJasperFxCommands(args);

public partial class Program;
