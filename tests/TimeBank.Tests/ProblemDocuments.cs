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
        var document = JsonDocument.Parse(await result.ReadAsTextAsync()).RootElement;
        string? Member(string name) => document.TryGetProperty(name, out var member) && member.ValueKind == JsonValueKind.String ? member.GetString() : null;
        var type = Member("type");
        if (type?.StartsWith("urn:timebank:problem:", StringComparison.Ordinal) != true) return $"problem type '{type}'";
        if (!document.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.Number || !status.TryGetInt32(out var code)
            || code != result.Context.Response.StatusCode) return "no status matching the answer's";
        if (Member("instance") != result.Context.Request.Path.Value) return $"instance '{Member("instance")}' is not the request's path";
        return string.IsNullOrEmpty(Member(TimeBank.Hosting.Problems.TraceIdMember)) ? "no traceId" : null;
    }
}
