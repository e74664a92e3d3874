using TimeBank.People.Granting;
using Microsoft.Extensions.Options;

namespace TimeBank.People.GettingDetails;

public sealed record EmergencyContactView(string FullName, string Phone, ContactRelation Relation);

/// <summary>
/// An elder as a caller may see them: idNumber and phones in full for admin, masked for every other role.
/// accountId is the elder's time account, which has the same id; memberCode the code on their member card.
/// </summary>
public sealed record ElderView(
    Guid Id,
    Guid AccountId,
    string? MemberCode,
    string FullName,
    string IdNumber,
    LocalDate BirthDate,
    int Age,
    string? Phone,
    string District,
    string Street,
    string Community,
    IReadOnlyList<ElderCategory> Categories,
    DisabilityGrade? DisabilityGrade,
    EmergencyContactView EmergencyContact,
    Instant RegisteredAt)
{
    public static ElderView Of(Elder elder, string? memberCode, Disclosure disclosure, LocalDate today) => new(
        elder.Id,
        elder.Id,
        memberCode,
        elder.FullName,
        disclosure.IdNumber(elder.Id, elder.ProtectedIdNumber),
        elder.BirthDate,
        Period.Between(elder.BirthDate, today, PeriodUnits.Years).Years,
        elder.ProtectedPhone is { } phone ? disclosure.Phone(elder.Id, ProtectedField.Phone, phone) : null,
        elder.District,
        elder.Street,
        elder.Community,
        elder.Categories,
        elder.DisabilityGrade,
        new EmergencyContactView(
            elder.EmergencyContact.FullName,
            disclosure.Phone(elder.Id, ProtectedField.EmergencyContactPhone, elder.EmergencyContact.ProtectedPhone),
            elder.EmergencyContact.Relation),
        elder.RegisteredAt);
}

public static class GetElderEndpoint
{
    /// <summary>A registered elder. idNumber and phones are masked for every role but admin.</summary>
    [WolverineGet("/api/elders/{id}", OperationId = "GetElder")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType<ElderView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, IClock clock,
        IOptions<TimeBankOptions> options, HttpContext context)
    {
        var batch = session.CreateBatchQuery();
        var loaded = batch.Load<Elder>(id);
        var code = batch.Query<MemberCard>().Where(c => c.PersonId == id).Select(c => c.Id).FirstOrDefault();
        var scope = PersonScope.ForRead(batch, context.Caller(), id);
        await batch.Execute(context.RequestAborted);
        if (await scope.RefusedAsync(context.Caller(), id) is { } refused) return refused;
        if (await loaded is not { } elder) return Problems.NotFound("Elder", id).ToResult();
        return Results.Ok(ElderView.Of(elder, await code, Disclosure.For(context.User, personalData), PersonFields.Today(clock, options.Value)));
    }
}
