using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using TimeBank.Access;
using Wolverine.Http;

namespace TimeBank.ServiceRecords.ListingTypes;

public static class ListServiceTypesEndpoint
{
    /// <summary>The service types a record may name (from the seed programmes).</summary>
    [WolverineGet("/api/service-types", OperationId = "ListServiceTypes")]
    [Authorize(Roles = Roles.Anyone)]
    [Tags("Service records")]
    public static IReadOnlyList<ServiceType> Get() => ServiceTypes.All;
}
