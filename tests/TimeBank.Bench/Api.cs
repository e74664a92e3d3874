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
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
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

    public static HttpRequestMessage Post<T>(string path, string apiKey, T body, string? idempotencyKey = null)
    {
        // Sized content: JsonContent would stream the body with chunked encoding.
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, Json));
        content.Headers.ContentType = JsonType;
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Add("X-Api-Key", apiKey);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        return request;
    }

    public static HttpRequestMessage Get(string path, string apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("X-Api-Key", apiKey);
        return request;
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
