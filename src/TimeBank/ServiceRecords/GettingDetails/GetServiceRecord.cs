using TimeBank.People.Granting;
namespace TimeBank.ServiceRecords.GettingDetails;

public static class GetServiceRecordEndpoint
{
    /// <summary>One service record with its status (credited or reversed).</summary>
    [WolverineGet("/api/service-records/{id}", OperationId = "GetServiceRecord")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<ServiceRecordView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, HttpContext context, CancellationToken cancellation)
    {
        var record = await session.LoadAsync<ServiceRecord>(id, cancellation);
        if (record is null) return Problems.NotFound("Service record", id).ToResult();
        var caller = context.Caller();
        if (record.PlatformKeyId != caller.KeyId
            && await PersonScope.ForRead(session, caller, record.VolunteerId, cancellation).RefusedAsync(caller, record.VolunteerId) is { } refused)
        {
            return refused;
        }
        return Results.Ok(ServiceRecordView.Of(record));
    }
}
