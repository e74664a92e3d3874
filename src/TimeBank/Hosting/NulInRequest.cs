namespace TimeBank.Hosting;

/// <summary>
/// Refuses a query holding NUL (<c>%00</c>) before any endpoint sees it: PostgreSQL cannot take it as text, and no
/// parameter has a use for it. Bodies get the same refusal from <see cref="NoNulText"/>; Kestrel itself refuses a path
/// holding one.
/// </summary>
public static class NulInRequest
{
    public static IApplicationBuilder UseNulRefusal(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, values) in context.Request.Query)
        {
            if (name.Contains('\0') || values.Any(v => v?.Contains('\0') == true)) errors[name.Replace("\0", "")] = [$"{name.Replace("\0", "")} may not hold a NUL character."];
        }
        if (errors.Count == 0)
        {
            await next(context);
            return;
        }
        await Problems.Validation(errors).ToResult().ExecuteAsync(context);
    });
}
