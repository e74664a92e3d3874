using System.Text.Json;
using Alba;

namespace TimeBank.Tests;

/// <summary>What every refusal must be: an RFC 9457 problem document whose type is one of the service's.</summary>
public static class ProblemDocuments
{
    /// <summary>Why the answer is not such a problem document, or null when it is.</summary>
    public static async Task<string?> WhyNotAsync(IScenarioResult result)
    {
        var contentType = result.Context.Response.ContentType ?? "";
        if (!contentType.StartsWith("application/problem+json", StringComparison.Ordinal)) return $"content type '{contentType}'";
        var type = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement.TryGetProperty("type", out var member) ? member.GetString() : null;
        return type?.StartsWith("urn:timebank:problem:", StringComparison.Ordinal) == true ? null : $"problem type '{type}'";
    }
}
