using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace TimeBank.Hosting;

/// <summary>A text field or query parameter that takes one of these values; the contract lists them as an enum.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public class OneOfAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>
/// Problems an endpoint answers beyond those <see cref="OperationContract"/> infers (401; 403 for restricted roles;
/// 404 for what the path names; 400 for what it reads; 413 for a body): its domain refusals, typically 409 and 422.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class RefusesAttribute(params int[] statuses) : Attribute
{
    public IReadOnlyList<int> Statuses { get; } = statuses;
}

/// <summary>The values of an enum as the API writes them (kebab-case).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class OneOfAttribute<TEnum>() : OneOfAttribute(Enum.GetNames<TEnum>().Select(JsonNamingPolicy.KebabCaseLower.ConvertName).ToArray())
    where TEnum : struct, Enum;

/// <summary>
/// What a request body requires is marked [Required] on the request; everything a response type holds is always
/// sent (null where it may be), so it is all required. Text fields that take named values are enums.
/// </summary>
public sealed class RequiredAndEnumSchemas : ISchemaFilter
{
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema { Properties.Count: > 0 } model) return;
        if (typeof(ProblemDetails).IsAssignableFrom(context.Type))
        {
            // Every problem this service writes has these (Problems.Normalize gives framework problems a type too).
            string[] always = context.Type == typeof(HttpValidationProblemDetails) ? ["type", "title", "status", "errors"] : ["type", "title", "status"];
            model.Required = always.ToHashSet();
            foreach (var name in always)
            {
                if (model.Properties!.TryGetValue(name, out var field) && field is OpenApiSchema { Type: { } type } s) s.Type = type & ~JsonSchemaType.Null;
            }
            return;
        }
        if (context.Type.Namespace?.StartsWith("TimeBank", StringComparison.Ordinal) != true) return;
        var isRequest = context.Type.Name.EndsWith("Request", StringComparison.Ordinal);
        model.Required ??= new HashSet<string>();
        foreach (var property in context.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = JsonNamingPolicy.CamelCase.ConvertName(property.Name);
            if (!model.Properties!.TryGetValue(name, out var propertySchema)) continue;
            var required = !isRequest || property.GetCustomAttribute<RequiredAttribute>() is not null;
            if (required) model.Required.Add(name);
            if (propertySchema is not OpenApiSchema field) continue;
            if (isRequest && required && field.Type is { } type) field.Type = type & ~JsonSchemaType.Null;
            if (property.GetCustomAttribute<OneOfAttribute>() is { } oneOf) OpenApiContract.Enumerate(field.Items as OpenApiSchema ?? field, oneOf);
        }
    }
}

/// <summary>Query parameters that take named values are enums too.</summary>
public sealed class EnumParameters : IParameterFilter
{
    public void Apply(IOpenApiParameter parameter, ParameterFilterContext context)
    {
        if (parameter is OpenApiParameter { Schema: OpenApiSchema schema } && context.ParameterInfo?.GetCustomAttribute<OneOfAttribute>() is { } oneOf)
            OpenApiContract.Enumerate(schema, oneOf);
    }
}

/// <summary>
/// One policy for what every operation documents: a one-line summary and its description; the problems it can
/// answer (401 and 403 from the key and its role, 404 for what its path names, 400 for what it reads, 413 for a body) as
/// problem documents; no response the endpoint never sends; the headers it requires, required; every parameter described.
/// </summary>
public sealed class OperationContract : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var text = string.Join(' ', (operation.Summary ?? "").Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        operation.Summary = OpenApiContract.FirstSentence(text);
        operation.Description = text;

        var responses = operation.Responses ??= new OpenApiResponses();
        foreach (var (status, response) in responses.ToList())
        {
            var phantom = response.Content is not { Count: > 0 } content
                ? status != "204"
                : content.Values.Any(m => m.Schema is OpenApiSchemaReference { Reference.Id: { } id } && id.EndsWith(".IResult", StringComparison.Ordinal));
            if (phantom) responses.Remove(status);
        }

        if (OpenApiContract.TagOf(context.MethodInfo?.DeclaringType) is { } tag)
            operation.Tags = new HashSet<OpenApiTagReference> { new(tag, context.Document) };

        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var path = context.ApiDescription.RelativePath ?? "";
        foreach (var status in metadata.OfType<RefusesAttribute>().SelectMany(p => p.Statuses)) Problem(responses, context, status);
        // 403 as well where every role may call today: object scopes (a kiosk's market, a platform's people) can refuse.
        if (metadata.OfType<AuthorizeAttribute>().Any()) foreach (var status in new[] { 401, 403, 429, 503 }) Problem(responses, context, status);
        if (path.Contains('{')) Problem(responses, context, 404);
        if (operation.RequestBody is not null || operation.Parameters?.Any(p => p.In == ParameterLocation.Query) == true) Problem(responses, context, 400);
        if (operation.RequestBody is not null) Problem(responses, context, 413);
        foreach (var (status, response) in responses.Where(r => r.Key.StartsWith('4') || r.Key.StartsWith('5')))
        {
            if (response is OpenApiResponse { Content: { } content } && content.ContainsKey("application/json") && !content.ContainsKey("application/problem+json"))
            {
                content["application/problem+json"] = content["application/json"];
                content.Remove("application/json");
            }
        }

        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (parameter is { In: ParameterLocation.Header, Name: Idempotency.Header })
            {
                if (responses.TryGetValue("201", out var created) && !responses.ContainsKey("200"))
                    responses["200"] = new OpenApiResponse { Description = "A retry with the same key: the first result again, nothing moved twice.", Content = created.Content };
                parameter.Required = true;
                parameter.Description = "A unique key for the intended operation (1 to 200 characters), sent again unchanged on retries: "
                                        + "a retry returns the first result and moves nothing twice; the key with a different body is a 409.";
            }
            if (string.IsNullOrWhiteSpace(parameter.Description) && parameter.Name is { } name)
                parameter.Description = OpenApiContract.ParameterDescriptions.GetValueOrDefault(name) ?? $"The {name}.";
        }

        var ordered = responses.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
        responses.Clear();
        foreach (var (status, response) in ordered) responses[status] = response;
    }

    private static readonly Dictionary<int, string> ProblemDescriptions = new()
    {
        [400] = "The request is invalid: errors names each bad field. Nothing was written.",
        [401] = "No key, or a key that is unknown, expired or revoked.",
        [403] = "The key's role, or the market or people it is scoped to, does not allow this.",
        [404] = "What the path names does not exist.",
        [409] = "Refused by the state of the ledger (a shortfall, a reused key, a lost race after retries); type says which. Nothing was written.",
        [413] = "The body is larger than the service reads (TimeBank__MaxRequestBodyBytes). Nothing was written.",
        [422] = "The request names something that does not exist or cannot take part; errors names it. Nothing was written.",
        [429] = "Too many requests for this key: retry after the Retry-After seconds.",
        [503] = "The database cannot be reached: retry after the Retry-After seconds, with the same idempotency key."
    };

    private static void Problem(OpenApiResponses responses, OperationFilterContext context, int status)
    {
        var key = status.ToString();
        if (responses.TryGetValue(key, out var existing) && existing.Content is { Count: > 0 }) return;
        var schema = context.SchemaGenerator.GenerateSchema(status == 400 ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails),
            context.SchemaRepository);
        responses[key] = new OpenApiResponse
        {
            Description = ProblemDescriptions.GetValueOrDefault(status, "Refused; see the problem's type."),
            Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } }
        };
    }
}

/// <summary>The document as a whole: tags described, and no schema left that no operation uses.</summary>
public sealed class DocumentContract : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Tags = OpenApiContract.TagDescriptions.Select(t => new OpenApiTag { Name = t.Key, Description = t.Value }).ToHashSet();
        document.Components?.Schemas?.Remove(document.Components.Schemas.Keys.FirstOrDefault(k => k.EndsWith(".IResult", StringComparison.Ordinal)) ?? "");
    }
}

public static class OpenApiContract
{
    /// <summary>Each operation's tag follows from the area and use case its endpoint lives in.</summary>
    private static readonly (string Namespace, string Tag)[] TagsByNamespace =
    [
        ("TimeBank.Ledger.Transferring", "Transfers"),
        ("TimeBank.Ledger.Redeeming", "Redemptions"),
        ("TimeBank.Ledger.CheckingTrialBalance", "Ledger"),
        ("TimeBank.Ledger", "Accounts"),
        ("TimeBank.Access", "Access"),
        ("TimeBank.People", "People"),
        ("TimeBank.ServiceRecords", "Service records"),
        ("TimeBank.ServiceRequests", "Service requests"),
        ("TimeBank.Markets", "Love markets"),
        ("TimeBank.Auditing", "Audit"),
        ("TimeBank.Organisations", "Organisations"),
        ("TimeBank.Complaints", "Complaints"),
        ("TimeBank.Integrity", "Integrity review"),
        ("TimeBank.Operating", "Operations"),
        ("TimeBank.Care.Pairing", "Pairings"),
        ("TimeBank.Care", "Care visits"),
        ("TimeBank.Statistics", "Statistics"),
        ("TimeBank.Recognition", "Recognition")
    ];

    public static string? TagOf(Type? endpoint) =>
        TagsByNamespace.FirstOrDefault(t => endpoint?.Namespace?.StartsWith(t.Namespace, StringComparison.Ordinal) == true).Tag;

    public static readonly IReadOnlyDictionary<string, string> TagDescriptions = new Dictionary<string, string>
    {
        ["Access"] = "API keys: issuing, listing and revoking them, and who the calling key is.",
        ["People"] = "Volunteers and elders: real-name registration and finding them; personal data masked for all but admin.",
        ["Service records"] = "The deposit: a platform's record of a service credits the volunteer's minutes and points; reversals take them back.",
        ["Accounts"] = "Balances and statements of time accounts, now or at any past instant.",
        ["Transfers"] = "Moving available minutes between accounts and the public pool.",
        ["Redemptions"] = "Holding minutes for a service, then settling or cancelling the hold; unsettled holds expire.",
        ["Love markets"] = "Love markets (爱心超市): catalogue, stock, member look-up and orders paid in points.",
        ["Ledger"] = "The trial balance: every currency sums to zero.",
        ["Audit"] = "The auditor's view: the event feed, account replays, the hash chain, digests, proofs and the access log.",
        ["Service requests"] = "Elders' needs published by organisations and claimed by volunteers (需求发布、认领).",
        ["Integrity review"] = "Rules run over every credited record (数据造假 review); a hit flags the record for a reviewer, who confirms it or reverses it.",
        ["Complaints"] = "Complaints (投诉) about services, volunteers or organisations: filed by platforms, acknowledged and resolved by reviewers.",
        ["Organisations"] = "Communities, social-work stations, care homes, schools and volunteer teams, with their members.",
        ["Operations"] = "The nodes serving this database: which one leads and what each runs.",
        ["Care visits"] = "Visit care (探访关爱) of elders in special difficulty: care files, visits, care actions, monthly coverage, overdue lists and alerts.",
        ["Statistics"] = "The programme's figures per month and area, progress against targets and the liability forecast (易存难兑), from an async fold of the events.",
        ["Recognition"] = "Star levels (星级志愿者) and service certificates (志愿服务证明) anyone can verify by their QR code.",
        ["Pairings"] = "Standing volunteer-elder pairs (结对) under a linkage agreement with the grid worker: 手足情 and 寸草心."
    };

    public static readonly IReadOnlyDictionary<string, string> ParameterDescriptions = new Dictionary<string, string>
    {
        ["id"] = "The id of what the path names (a person's id or public-pool for accounts).",
        ["sku"] = "The item's SKU in the market's catalogue.",
        ["orderId"] = "The order's id.",
        ["code"] = "The 8-character code on the member card (case and hyphens do not matter).",
        ["sequence"] = "The event's global sequence number.",
        ["page"] = "Page number, from 1.",
        ["pageSize"] = "Items per page.",
        ["asOf"] = "An ISO 8601 instant: the figures as they stood then, folded from the events.",
        ["from"] = "Start of the range (inclusive).",
        ["to"] = "End of the range.",
        ["limit"] = "How many items at most.",
        ["after"] = "Continue after this sequence number (the previous page's next).",
        ["date"] = "A local date (ISO 8601, e.g. 2026-11-20) in the service's time zone.",
        ["currency"] = "Keep only the entries that move this currency: minutes or points.",
        ["type"] = "Only events of this type.",
        ["stream"] = "Only events of this stream (an account or item id).",
        ["keyId"] = "Only reads made with this API key id.",
        ["account"] = "Only reads of this account."
    };

    public static string FirstSentence(string text)
    {
        var end = text.IndexOfAny(['.', '。', ':', '：']);
        var sentence = end > 0 ? text[..end] : text;
        return sentence.Length <= 120 ? sentence : sentence[..117] + "...";
    }

    public static void Enumerate(OpenApiSchema schema, OneOfAttribute oneOf) =>
        schema.Enum = oneOf.Values.Select(v => (JsonNode)JsonValue.Create(v)).ToList();

    /// <summary>Schema ids as the types are named below the root namespace; generics as PageOfVolunteerView.</summary>
    public static string SchemaId(Type type) => type.IsGenericType
        ? $"{Strip(type.GetGenericTypeDefinition().FullName!).Split('`')[0]}Of{string.Join("And", type.GetGenericArguments().Select(a => a.Name))}"
        : Strip(type.FullName!);

    private static string Strip(string fullName) => fullName.Replace("TimeBank.", "").Replace("+", ".");
}
