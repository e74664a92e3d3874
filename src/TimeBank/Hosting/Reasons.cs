using System.ComponentModel.DataAnnotations;

namespace TimeBank.Hosting;

/// <summary>A body that only says why: a refund, a reversal. reason: 1 to 500 characters.</summary>
public sealed record ReasonRequest([property: Required] string? Reason);

/// <summary>The free-text reason that transfers, reversals, refunds and stock movements must give.</summary>
public static class Reasons
{
    public const int MaxLength = 500;
    public const string Required = "A reason of 1 to 500 characters is required.";

    public static bool IsValid(string? reason) => !string.IsNullOrWhiteSpace(reason) && reason.Trim().Length <= MaxLength;

    public static ProblemDetails Validate(ReasonRequest request) =>
        IsValid(request.Reason) ? Wolverine.Http.WolverineContinue.NoProblems : Problems.Validation("reason", Required);
}
