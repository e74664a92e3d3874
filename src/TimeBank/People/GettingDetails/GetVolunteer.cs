using TimeBank.People.Granting;
using Microsoft.Extensions.Options;

namespace TimeBank.People.GettingDetails;

public sealed record GuardianView(string FullName, string Phone);

/// <summary>
/// A volunteer as a caller may see them: idNumber and phones in full for admin, masked for every other role
/// (120101********1234, 138****5678). accountId is the volunteer's time account, which has the same id;
/// memberCode the code on their member card, which love-market kiosks look them up by; rating how their services were rated.
/// </summary>
public sealed record VolunteerView(
    Guid Id,
    Guid AccountId,
    string? MemberCode,
    string FullName,
    string IdNumber,
    LocalDate BirthDate,
    int Age,
    string Phone,
    Programme Programme,
    string District,
    string Street,
    string Community,
    GuardianView? Guardian,
    Instant RegisteredAt,
    ServiceRecords.Rating.RatingSummary Rating,
    Recognition.StarLevel? StarLevel = null)
{
    public static VolunteerView Of(Volunteer volunteer, string? memberCode, Disclosure disclosure, LocalDate today,
        ServiceRecords.Rating.VolunteerRating? rating = null) => new(
        volunteer.Id,
        volunteer.Id,
        memberCode,
        volunteer.FullName,
        disclosure.IdNumber(volunteer.Id, volunteer.ProtectedIdNumber),
        volunteer.BirthDate,
        Period.Between(volunteer.BirthDate, today, PeriodUnits.Years).Years,
        disclosure.Phone(volunteer.Id, ProtectedField.Phone, volunteer.ProtectedPhone),
        volunteer.Programme,
        volunteer.District,
        volunteer.Street,
        volunteer.Community,
        volunteer.Guardian is { } guardian
            ? new GuardianView(guardian.FullName, disclosure.Phone(volunteer.Id, ProtectedField.GuardianPhone, guardian.ProtectedPhone))
            : null,
        volunteer.RegisteredAt,
        ServiceRecords.Rating.RatingSummary.Of(rating));
}

public static class GetVolunteerEndpoint
{
    /// <summary>A registered volunteer. idNumber and phones are masked for every role but admin.</summary>
    [WolverineGet("/api/volunteers/{id}", OperationId = "GetVolunteer")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<VolunteerView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, IClock clock,
        IOptions<TimeBankOptions> options, IOptions<Recognition.RecognitionOptions> recognition, HttpContext context)
    {
        var batch = session.CreateBatchQuery();
        var loaded = batch.Load<Volunteer>(id);
        var code = batch.Query<MemberCard>().Where(c => c.PersonId == id).Select(c => c.Id).FirstOrDefault();
        var rating = batch.Load<ServiceRecords.Rating.VolunteerRating>(id);
        var account = batch.Load<Ledger.Account>(id);
        var scope = PersonScope.ForRead(batch, context.Caller(), id);
        await batch.Execute(context.RequestAborted);
        if (await scope.RefusedAsync(context.Caller(), id) is { } refused) return refused;
        if (await loaded is not { } volunteer) return Problems.NotFound("Volunteer", id).ToResult();
        return Results.Ok(VolunteerView.Of(volunteer, await code, Disclosure.For(context.User, personalData), PersonFields.Today(clock, options.Value),
            await rating) with { StarLevel = Recognition.StarLevel.Of((await account)?.ServedMinutes ?? 0, recognition.Value.Thresholds) });
    }
}
