using Microsoft.AspNetCore.Mvc;

namespace TimeBank.Hosting;

/// <summary>The stable problem types (RFC 9457) that clients can code against.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:timebank:problem:";

    public static class Types
    {
        public const string Validation = TypePrefix + "validation";
        public const string NotFound = TypePrefix + "not-found";
        public const string Unauthorized = TypePrefix + "unauthorized";
        public const string Forbidden = TypePrefix + "forbidden";
        public const string Conflict = TypePrefix + "concurrency-conflict";
        public const string IdempotencyMismatch = TypePrefix + "idempotency-key-reused";
        public const string DuplicatePerson = TypePrefix + "duplicate-person";
        public const string UnknownReference = TypePrefix + "unknown-reference";
        public const string OverlappingService = TypePrefix + "overlapping-service";
        public const string SelfService = TypePrefix + "self-service";
        public const string AlreadyReversed = TypePrefix + "already-reversed";
        public const string InsufficientBalance = TypePrefix + "insufficient-balance";
        public const string InsufficientPoints = TypePrefix + "insufficient-points";
        public const string InsufficientStock = TypePrefix + "insufficient-stock";
        public const string MistypedMemberCode = TypePrefix + "mistyped-member-code";
        public const string RedemptionNotHeld = TypePrefix + "redemption-not-held";
        public const string NotYetChained = TypePrefix + "not-yet-chained";
        public const string ChainBroken = TypePrefix + "chain-broken";
        public const string Internal = TypePrefix + "internal";
    }

    public static ProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors)
        {
            Type = Types.Validation,
            Title = "The request is invalid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = "See errors for each invalid field. Nothing was written."
        };

    public static ProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails NotFound(string what, object id) => new()
    {
        Type = Types.NotFound,
        Title = $"{what} not found.",
        Status = StatusCodes.Status404NotFound,
        Detail = $"No {what.ToLowerInvariant()} has id '{id}'."
    };

    public static ProblemDetails Refusal(string type, int status, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Type = type, Title = title, Status = status, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        return problem;
    }

    public static ProblemDetails IdempotencyMismatch(string key) => Refusal(
        Types.IdempotencyMismatch, StatusCodes.Status409Conflict,
        "The idempotency key was already used with a different request.",
        $"Key '{key}' was first used with another body. Use a new key for a new request.");

    public static ProblemDetails ConcurrencyConflict() => Refusal(
        Types.Conflict, StatusCodes.Status409Conflict,
        "The account changed while the request was processed.",
        "Another request moved value on the same account at the same time. Retry the request with the same idempotency key.");

    public static ProblemDetails InsufficientBalance(string account, int requested, int available) => Refusal(
        Types.InsufficientBalance, StatusCodes.Status409Conflict,
        "Not enough available minutes.",
        $"Account {account} has {available} available minutes; {requested} were asked for, {requested - available} short.",
        new Dictionary<string, object?>
        {
            ["accountId"] = account,
            ["requestedMinutes"] = requested,
            ["availableMinutes"] = available,
            ["shortfallMinutes"] = requested - available
        });

    public static ProblemDetails InsufficientPoints(string account, int requested, int available) => Refusal(
        Types.InsufficientPoints, StatusCodes.Status409Conflict,
        "Not enough points.",
        $"Account {account} has {available} points; {requested} were asked for, {requested - available} short.",
        new Dictionary<string, object?>
        {
            ["accountId"] = account,
            ["requestedPoints"] = requested,
            ["availablePoints"] = available,
            ["shortfallPoints"] = requested - available
        });

    /// <summary>Gives framework-made problems (unreadable bodies, unknown routes) our stable types.</summary>
    public static void Normalize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type is not null && problem.Type.StartsWith(TypePrefix, StringComparison.Ordinal)) return;
        problem.Type = problem.Status switch
        {
            StatusCodes.Status400BadRequest => Types.Validation,
            StatusCodes.Status401Unauthorized => Types.Unauthorized,
            StatusCodes.Status403Forbidden => Types.Forbidden,
            StatusCodes.Status404NotFound => Types.NotFound,
            StatusCodes.Status409Conflict => Types.Conflict,
            _ => TypePrefix + "http-" + problem.Status
        };
    }

    /// <summary>Writes a problem with the right content type and status.</summary>
    public static IResult ToResult(this ProblemDetails problem) =>
        Results.Problem(problem);
}
