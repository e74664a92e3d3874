using Alba;
using Microsoft.Extensions.DependencyInjection;
using TimeBank.Access;
using TimeBank.Hosting;
using Wolverine;

namespace TimeBank.Tests;

/// <summary>Batches handed straight to a group-committed handler, as its queue would hand them, by a trusted caller.</summary>
public static class GroupCommits
{
    public static AuditStamp SystemStamp() => new(Scopes.SystemKeyId, Scopes.SystemKeyId, Guid.NewGuid().ToString(), "test");

    public static async Task<T> CommitAsync<T>(this IAlbaHost host, object batch)
    {
        await using var scope = host.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMessageBus>().InvokeAsync<T>(batch);
    }
}
