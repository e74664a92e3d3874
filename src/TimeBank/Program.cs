using JasperFx;
using TimeBank.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddTimeBank();

var app = builder.Build();
app.UseTimeBank();

return await app.RunJasperFxCommands(args);

public partial class Program;
