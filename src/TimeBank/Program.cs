using JasperFx;
using Microsoft.Extensions.Options;

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
    var nodes = await RebuildGuard.ReadNodesAsync(app.Services.GetRequiredService<IDocumentStore>(), CancellationToken.None);
    var staleAfter = app.Services.GetRequiredService<IOptions<TimeBankOptions>>().Value.NodeStaleAfter;
    if (RebuildGuard.Refusal(nodes, staleAfter, forced: args.Contains(RebuildGuard.Force, StringComparer.OrdinalIgnoreCase)) is { } refusal)
    {
        await Console.Error.WriteLineAsync(refusal);
        return 1;
    }
    args = RebuildGuard.WithoutForce(args);
}

return await app.RunJasperFxCommands(args);

public partial class Program;
