namespace TimeBank.Hosting;

/// <summary>
/// Refuses a query holding NUL (<c>%00</c>) before any endpoint sees it: PostgreSQL cannot take it as text, and no
/// parameter has a use for it. Bodies get the same refusal from <see cref="NoNulText"/>; the server refuses a path
/// holding one before any middleware (<see cref="ServerRefusals"/>).
/// </summary>
public static class NulInRequest
{
    public static IApplicationBuilder UseNulRefusal(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        // Every request passes here: look first, and build the problem only for the rare query that holds one.
        if (!context.Request.QueryString.HasValue || !context.Request.Query.Any(HoldsNul))
        {
            await next(context);
            return;
        }
        var errors = new Dictionary<string, string[]>();
        foreach (var name in context.Request.Query.Where(HoldsNul).Select(q => q.Key.Replace("\0", "")))
            errors[name] = [$"{name} may not hold a NUL character."];
        await Problems.Validation(errors).ToResult().ExecuteAsync(context);
    });

    private static bool HoldsNul(KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> parameter) =>
        parameter.Key.Contains('\0') || parameter.Value.Any(v => v?.Contains('\0') == true);
}
