using System.Text.Json;

namespace TimeBank.Bench;

/// <summary>
/// A request of the measured load, kept as the few parts <see cref="LoadConnection"/> writes: built and sent by the driver
/// on the cores it shares with the service, so without the header collections and content streams of HttpClient's.
/// </summary>
public readonly record struct LoadRequest(string Method, string Path, string ApiKey, byte[]? JsonBody = null, string? IdempotencyKey = null)
{
    public static LoadRequest Post<T>(string path, string apiKey, T body, string? idempotencyKey = null) =>
        new("POST", path, apiKey, JsonSerializer.SerializeToUtf8Bytes(body, Api.Json), idempotencyKey);

    public static LoadRequest Get(string path, string apiKey) => new("GET", path, apiKey);
}
