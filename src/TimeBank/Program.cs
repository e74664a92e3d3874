using JasperFx;

var builder = WebApplication.CreateBuilder(args);
var problems = Settings.Problems(builder.Configuration);
if (Commands.Serves(args)) problems = [.. problems, .. Settings.ServingProblems(builder.Configuration, builder.Environment)];
if (problems.Count > 0)
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

if (Commands.Serves(args))
{
    // Serving needs no command line. JasperFx's would write to the console beside the logs (a blank line, and a failed
    // start's exception a second time), which breaks JSON logs; the host logs a failed start itself.
    try
    {
        await app.RunAsync();
        // Whatever the host set on the way out (a background service that failed, say), else 0.
        return Environment.ExitCode;
    }
    catch (Exception)
    {
        return 1;
    }
}

// JasperFx writes each assembly it searches for commands to the console until extensions have been applied; applying
// none first keeps those lines out of a command's output.
new JasperFx.CommandLine.CommandFactory().ApplyExtensions(new ServiceCollection());
return await app.RunJasperFxCommands(args);

public partial class Program;
