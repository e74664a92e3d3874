using JasperFx;

var builder = WebApplication.CreateBuilder(args);
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

return await app.RunJasperFxCommands(args);

public partial class Program;
