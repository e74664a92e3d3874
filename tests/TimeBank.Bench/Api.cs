using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace TimeBank.Bench;

public readonly record struct Answer(int Status, byte[] Body)
{
    public string Describe() => $"{Status} {Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 2000))}";
}

public sealed class Api(HttpClient http)
{
    /// <summary>How the driver writes request bodies and reads answers: the API's own JSON (camelCase).</summary>
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    public static HttpClient CreateClient(Uri url, int clients) =>
        new(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5)
        })
        {
            BaseAddress = url,
            Timeout = TimeSpan.FromSeconds(60)
        };

    public static HttpRequestMessage Post<T>(string path, string apiKey, T body, string? idempotencyKey = null) =>
        Message(LoadRequest.Post(path, apiKey, body, idempotencyKey));

    public static HttpRequestMessage Get(string path, string apiKey) => Message(LoadRequest.Get(path, apiKey));

    /// <summary>The same request as HttpClient's message, for the set-up and checks around the measured load.</summary>
    private static HttpRequestMessage Message(LoadRequest request)
    {
        var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Path);
        if (request.JsonBody is { } body)
        {
            // Sized content: JsonContent would stream the body with chunked encoding.
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = JsonType;
        }
        message.Headers.Add("X-Api-Key", request.ApiKey);
        if (request.IdempotencyKey is not null) message.Headers.Add("Idempotency-Key", request.IdempotencyKey);
        return message;
    }

    public async Task<Answer> SendAsync(HttpRequestMessage request, CancellationToken cancellation = default)
    {
        using (request)
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellation))
        {
            return new Answer((int)response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellation));
        }
    }

    /// <summary>Posts and expects 201 with a JSON body; anything else stops the run.</summary>
    public async Task<TResult> CreateAsync<TBody, TResult>(string path, string apiKey, TBody body)
    {
        var answer = await SendAsync(Post(path, apiKey, body));
        if (answer.Status != (int)HttpStatusCode.Created)
        {
            throw new BenchException($"POST {path} answered {answer.Describe()}");
        }
        return JsonSerializer.Deserialize<TResult>(answer.Body, Json)
               ?? throw new BenchException($"POST {path} answered an empty body");
    }
}
