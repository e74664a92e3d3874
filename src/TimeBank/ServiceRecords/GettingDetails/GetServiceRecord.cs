namespace TimeBank.ServiceRecords.GettingDetails;

public static class GetServiceRecordEndpoint
{
    /// <summary>One service record with its status (credited or reversed).</summary>
    [WolverineGet("/api/service-records/{id}", OperationId = "GetServiceRecord")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<ServiceRecordView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, CancellationToken cancellation)
    {
        var record = await session.LoadAsync<ServiceRecord>(id, cancellation);
        return record is null ? Problems.NotFound("Service record", id).ToResult() : Results.Ok(ServiceRecordView.Of(record));
    }
}
