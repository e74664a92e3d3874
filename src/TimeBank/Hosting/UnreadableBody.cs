using System.Text.RegularExpressions;

namespace TimeBank.Hosting;

/// <summary>
/// A body that is not JSON, or JSON of the wrong shape (text where a number belongs, a number past int). The
/// endpoint framework answers it before our validation runs; here its answer gets the errors map every other
/// validation problem has, and it is logged as the client's mistake it is, without the body.
/// </summary>
public static partial class UnreadableBody
{
    public const string Message =
        "Not valid JSON here: check the syntax, that the value has the documented type and range, and that text holds no NUL character.";

    // Wolverine's answer to a body that System.Text.Json could not read.
    private const string FrameworkTitle = "Invalid JSON format";

    [GeneratedRegex(@"Path: (?<path>\$[^ |]*)")]
    private static partial Regex JsonPath();

    /// <summary>The field the reader stopped at (<c>body</c> when it is the body as a whole), or null for other problems.</summary>
    public static string? Describe(Microsoft.AspNetCore.Mvc.ProblemDetails problem)
    {
        if (problem.Title != FrameworkTitle) return null;
        var path = JsonPath().Match(problem.Detail ?? "") is { Success: true } match ? match.Groups["path"].Value : "$";
        return Field(path);
    }

    /// <summary><c>$.lines[0].quantity</c> → <c>lines[0].quantity</c>, the way validation problems name fields.</summary>
    public static string Field(string jsonPath) => jsonPath.TrimStart('$').TrimStart('.') is { Length: > 0 } field ? field : "body";

    public static void Log(HttpContext context, string field) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(UnreadableBody))
            .LogInformation("Unreadable JSON body on {Method} {Path} at {Field}", context.Request.Method, context.Request.Path, field);

    /// <summary>
    /// The endpoint framework logs each unreadable body as an error, with the reader's message, under the category of
    /// the request type; every request body type here is named *Request, and nothing else logs under those names.
    /// </summary>
    public static IEnumerable<string> RequestBodyCategories() => typeof(UnreadableBody).Assembly.GetTypes()
        .Where(t => t.Name.EndsWith("Request", StringComparison.Ordinal) && t.Namespace?.StartsWith("TimeBank", StringComparison.Ordinal) == true)
        .Select(t => t.FullName!);
}

/// <summary>
/// A body of JSON <c>null</c> reads as no request at all: refused like any unreadable body, before the endpoint's own
/// validation. Applied by Wolverine to every endpoint that reads a body.
/// </summary>
public static class NullBodyRefusal
{
    public static ProblemDetails Before(object? request) =>
        request is null ? Problems.Validation("body", "A JSON object is required.") : WolverineContinue.NoProblems;
}
