using System.Text.Json.Serialization;
using Marten;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using NodaTime;
using TimeBank.Access;
using TimeBank.Hosting;
using TimeBank.Ledger;
using TimeBank.People;
using Wolverine;
using Wolverine.Http;

namespace TimeBank.ServiceRecords.Recording;

/// <summary>A platform's record of one service session. Times are local to <c>timeZone</c> (default Asia/Shanghai).</summary>
public sealed record RecordServiceRequest(
    string? PlatformRecordId,
    Guid? VolunteerId,
    Guid? ElderId,
    string? ServiceType,
    LocalDateTime? StartedAt,
    LocalDateTime? EndedAt,
    string? TimeZone,
    string? Note);

public sealed record RecordService(
    string PlatformKeyId,
    string PlatformRecordId,
    Guid VolunteerId,
    Guid ElderId,
    string ServiceType,
    LocalDateTime StartedAt,
    LocalDateTime EndedAt,
    string TimeZone,
    string? Note)
{
    // Derived once, and left out of the request's fingerprint, which covers only what the platform sent.
    [JsonIgnore] public Guid RecordId { get; } = ServiceRecord.IdFor(PlatformKeyId, PlatformRecordId);

    [JsonIgnore] public Instant StartsAt { get; } = StartedAt.InZoneLeniently(DateTimeZoneProviders.Tzdb[TimeZone]).ToInstant();

    [JsonIgnore] public Instant EndsAt { get; } = EndedAt.InZoneLeniently(DateTimeZoneProviders.Tzdb[TimeZone]).ToInstant();
}

public sealed record ServiceRecordResult(Guid Id, string Status, int CreditedMinutes, int BalanceMinutes, int CreditedPoints, int PointsBalance);

public static class RecordServiceEndpoint
{
    public static readonly Duration LongestService = Duration.FromHours(12);

    public static ProblemDetails Validate(RecordServiceRequest request, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.PlatformRecordId) || request.PlatformRecordId.Length > 100)
            errors["platformRecordId"] = ["The platform's own record id (1 to 100 characters) is required."];
        if (request.VolunteerId is null || request.VolunteerId == Guid.Empty)
            errors["volunteerId"] = ["The id of the volunteer who served is required."];
        if (request.ElderId is null || request.ElderId == Guid.Empty)
            errors["elderId"] = ["The id of the elder who was served is required."];
        if (!ServiceTypes.IsKnown(request.ServiceType))
            errors["serviceType"] = ["Unknown service type; GET /api/service-types lists them."];
        if (request.Note is { Length: > 1000 })
            errors["note"] = ["The note may hold at most 1000 characters."];

        var zone = DateTimeZoneProviders.Tzdb.GetZoneOrNull(request.TimeZone ?? options.Value.DefaultTimeZone);
        if (zone is null) errors["timeZone"] = ["Not an IANA time zone id, e.g. Asia/Shanghai."];

        if (request.StartedAt is null) errors["startedAt"] = ["The local start date-time is required."];
        if (request.EndedAt is null) errors["endedAt"] = ["The local end date-time is required."];
        if (zone is not null && request is { StartedAt: { } started, EndedAt: { } ended })
        {
            var problem = ServicePeriod.Check(started, ended, zone, clock.GetCurrentInstant());
            if (problem is not null) errors["endedAt"] = [problem];
        }

        return errors.Count == 0 ? WolverineContinue.NoProblems : Problems.Validation(errors);
    }

    /// <summary>
    /// Records a service session and credits the volunteer (the deposit). Idempotent on the calling key
    /// and platformRecordId: the same body again returns 200 with the first result; a different body is a 409.
    /// </summary>
    [WolverinePost("/api/service-records", OperationId = "RecordService")]
    [Authorize(Roles = Roles.Writers)]
    [Tags("Service records")]
    [ProducesResponseType<ServiceRecordResult>(StatusCodes.Status201Created)]
    [ProducesResponseType<ServiceRecordResult>(StatusCodes.Status200OK)]
    [ProducesResponseType<HttpValidationProblemDetails>(StatusCodes.Status400BadRequest, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status409Conflict, "application/problem+json")]
    [ProducesResponseType<ProblemDetails>(StatusCodes.Status422UnprocessableEntity, "application/problem+json")]
    public static async Task<IResult> Post(RecordServiceRequest request, DepositQueue deposits, HttpContext context, IOptions<TimeBankOptions> options)
    {
        var command = new RecordService(context.Caller().KeyId, request.PlatformRecordId!.Trim(), request.VolunteerId!.Value,
            request.ElderId!.Value, request.ServiceType!, request.StartedAt!.Value, request.EndedAt!.Value,
            request.TimeZone ?? options.Value.DefaultTimeZone, request.Note);
        var outcome = await deposits.SubmitAsync(command, context.StampOf(), context.RequestAborted);
        return outcome.ToResult(r => $"/api/service-records/{r.Id}");
    }
}

public static class ServicePeriod
{
    public static string? Check(LocalDateTime started, LocalDateTime ended, DateTimeZone zone, Instant now)
    {
        var startsAt = started.InZoneLeniently(zone).ToInstant();
        var endsAt = ended.InZoneLeniently(zone).ToInstant();
        if (endsAt <= startsAt) return "The service must end after it starts.";
        if (endsAt - startsAt > RecordServiceEndpoint.LongestService) return "A single service may last at most 12 hours.";
        if (endsAt > now) return "The service cannot end in the future.";
        if (Minutes(startsAt, endsAt) < 1) return "A service must last at least one whole minute.";
        return null;
    }

    public static int Minutes(Instant startsAt, Instant endsAt) => (int)(endsAt - startsAt).TotalMinutes;
}

public static class ServiceRecording
{
    public static ProblemDetails? Refuse(RecordService command, Volunteer? volunteer, Elder? elder, Guid? overlapping)
    {
        var unknown = new Dictionary<string, string[]>();
        if (volunteer is null) unknown["volunteerId"] = [$"No volunteer has id {command.VolunteerId}."];
        if (elder is null) unknown["elderId"] = [$"No elder has id {command.ElderId}."];
        if (unknown.Count > 0)
        {
            return Problems.Refusal(Problems.Types.UnknownReference, StatusCodes.Status422UnprocessableEntity,
                "The record names people who are not registered in those roles.",
                "volunteerId must be a registered volunteer and elderId a registered elder.",
                new Dictionary<string, object?> { ["errors"] = unknown });
        }

        if (volunteer!.IdNumberHash == elder!.IdNumberHash)
        {
            return Problems.Refusal(Problems.Types.SelfService, StatusCodes.Status422UnprocessableEntity,
                "A volunteer cannot bank time for serving themself.",
                "The volunteer and the elder are the same person.");
        }

        if (overlapping is { } other)
        {
            return Problems.Refusal(Problems.Types.OverlappingService, StatusCodes.Status409Conflict,
                "The volunteer already has a credited service in that period.",
                $"The period overlaps credited record {other}.",
                new Dictionary<string, object?> { ["overlappingRecordId"] = other });
        }

        return null;
    }
}
