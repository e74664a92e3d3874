using System.ComponentModel.DataAnnotations;
using Wolverine.Runtime;

namespace TimeBank.Operating.Cluster;

/// <summary>One node on the shared database, as the nodes record themselves there.</summary>
/// <param name="Id">The node's id, new at every start.</param>
/// <param name="Number">The node's number among the live nodes.</param>
/// <param name="Leader">Whether this node holds the leadership: it places the agents on the nodes.</param>
/// <param name="Agents">What runs on it: async projections and subscriptions, the durable agent of the database.</param>
/// <param name="Started">When the node started.</param>
/// <param name="LastHeartbeat">When it last said it was alive.</param>
/// <param name="Answering">Whether it is the node that answered this request.</param>
public sealed record ClusterNodeView(
    [property: Required] Guid Id,
    [property: Required] int Number,
    [property: Required] bool Leader,
    [property: Required] IReadOnlyList<string> Agents,
    [property: Required] Instant Started,
    [property: Required] Instant LastHeartbeat,
    [property: Required] bool Answering);

/// <param name="Durability">Solo, Balanced (nodes elect a leader) or MediatorOnly (this node serves requests only).</param>
/// <param name="Nodes">The nodes recorded on the database, the leader first.</param>
public sealed record ClusterView([property: Required] string Durability, [property: Required] IReadOnlyList<ClusterNodeView> Nodes);

public static class GetClusterEndpoint
{
    /// <summary>The nodes sharing this database, which one leads and what each runs (admin, auditor).</summary>
    [WolverineGet("/api/cluster", OperationId = "GetCluster")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<ClusterView>(StatusCodes.Status200OK)]
    public static async Task<ClusterView> Get(IWolverineRuntime runtime, CancellationToken cancellation)
    {
        var mode = runtime.Options.Durability.Mode;
        var nodes = mode == DurabilityMode.Balanced ? await runtime.Storage.Nodes.LoadAllNodesAsync(cancellation) : [];
        var views = nodes
            .Select(n => new ClusterNodeView(n.NodeId, n.AssignedNodeNumber, n.IsLeader(),
                n.ActiveAgents.Select(a => a.ToString()).Order().ToList(),
                Instant.FromDateTimeOffset(n.Started), Instant.FromDateTimeOffset(n.LastHealthCheck),
                n.NodeId == runtime.Options.UniqueNodeId))
            .OrderByDescending(n => n.Leader).ThenBy(n => n.Number)
            .ToList();
        if (views.Count == 0)
        {
            // Solo and MediatorOnly nodes record nothing: the answering node is the whole picture.
            views.Add(new ClusterNodeView(runtime.Options.UniqueNodeId, runtime.Options.Durability.AssignedNodeNumber,
                mode == DurabilityMode.Solo, runtime.Agents.AllRunningAgentUris().Select(a => a.ToString()).Order().ToList(),
                Instant.MinValue, Instant.MinValue, true));
        }
        return new ClusterView(mode.ToString(), views);
    }
}
