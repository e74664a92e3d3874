namespace TimeBank.ServiceRecords.ListingTypes;

public static class ListServiceTypesEndpoint
{
    /// <summary>The service types a record may name (from the seed programmes).</summary>
    [WolverineGet("/api/service-types", OperationId = "ListServiceTypes")]
    [Authorize(Roles = Roles.Anyone)]
    public static IReadOnlyList<ServiceType> Get() => ServiceTypes.All;
}
