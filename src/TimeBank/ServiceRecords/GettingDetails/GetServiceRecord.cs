using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using TimeBank.Access;
using TimeBank.Hosting;
using Wolverine.Http;

namespace TimeBank.ServiceRecords.GettingDetails;

public static class GetServiceRecordEndpoint
{
    /// <summary>One service record with its status (credited or reversed).</summary>
    [WolverineGet("/api/service-records/{id}", OperationId = "GetServiceRecord")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [Tags("Service records")]
    [ProducesResponseType<ServiceRecordView>(StatusCodes.Status200OK)]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status404NotFound, "application/problem+json")]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var record = await session.LoadAsync<ServiceRecord>(id, cancellation);
        return record is null ? Problems.NotFound("Service record", id).ToResult() : Results.Ok(ServiceRecordView.Of(record));
    }
}
