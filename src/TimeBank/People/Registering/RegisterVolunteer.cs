using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People.GettingDetails;

namespace TimeBank.People.Registering;

public sealed record GuardianRequest([property: Required] string? FullName, [property: Required] string? Phone);

/// <summary>
/// Real-name registration (实名注册) of a volunteer. programme: youth (寸草心), senior (手足情) or general.
/// idNumber: 18-character resident identity number; the birth date is read from it.
/// </summary>
public sealed record RegisterVolunteerRequest(
    [property: Required] string? FullName,
    [property: Required] string? IdNumber,
    [property: Required] string? Phone,
    [property: Required] [property: OneOf<Programme>] string? Programme,
    [property: Required] string? District,
    [property: Required] string? Street,
    [property: Required] string? Community,
    GuardianRequest? Guardian,
    string? Address = null)
{
    public override string ToString() => nameof(RegisterVolunteerRequest); // holds personal data: never printed
}

public sealed record RegisterVolunteer(
    Guid Id,
    string FullName,
    ResidentIdNumber IdNumber,
    string Phone,
    Programme Programme,
    string District,
    string Street,
    string Community,
    string? GuardianName,
    string? GuardianPhone,
    string RegisteredBy,
    string? Address = null)
{
    public override string ToString() => $"{nameof(RegisterVolunteer)} {{ Id = {Id} }}";
}

public static class VolunteerRules
{
    public const int MinimumAge = 10;
    public const int AdultAge = 18;

    public static Dictionary<string, string[]> Check(RegisterVolunteerRequest request, LocalDate today)
    {
        var errors = new Dictionary<string, string[]>();
        PersonFields.Name(errors, "fullName", request.FullName);
        var idNumber = PersonFields.IdNumber(errors, request.IdNumber, today);
        PersonFields.Phone(errors, "phone", request.Phone);
        PersonFields.OneOf<Programme>(errors, "programme", request.Programme);
        PersonFields.AddressParts(errors, request.District, request.Street, request.Community);
        PersonFields.Address(errors, request.Address);

        if (idNumber is not null)
        {
            var age = idNumber.AgeOn(today);
            if (age < MinimumAge)
                errors["idNumber"] = [$"Volunteers must be at least {MinimumAge}; the birth date in this number makes them {age}."];
            else if (age < AdultAge && request.Guardian is null)
                errors["guardian"] = [$"A volunteer under {AdultAge} registers with a guardian: fullName and phone."];
        }

        if (request.Guardian is { } guardian)
        {
            PersonFields.Name(errors, "guardian.fullName", guardian.FullName);
            PersonFields.Phone(errors, "guardian.phone", guardian.Phone);
        }
        return errors;
    }
}

public static class RegisterVolunteerEndpoint
{
    public static ProblemDetails Validate(RegisterVolunteerRequest request, IClock clock, IOptions<TimeBankOptions> options) =>
        Problems.Validate(VolunteerRules.Check(request, PersonFields.Today(clock, options.Value)));

    /// <summary>
    /// Registers a volunteer (实名注册), opens their time account, whose id is the volunteer's id, and issues their
    /// member card (memberCode).
    /// Volunteers are 10 or older; under 18 they need a guardian. The same identity number again is a 409
    /// naming the existing volunteer in existingId. The response shows idNumber and phones masked unless the caller is admin.
    /// </summary>
    [WolverinePost("/api/volunteers", OperationId = "RegisterVolunteer")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<VolunteerView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(RegisterVolunteerRequest request, IMessageBus bus, HttpContext context,
        PersonalData personalData, IClock clock, IOptions<TimeBankOptions> options)
    {
        var command = new RegisterVolunteer(
            Guid.CreateVersion7(),
            request.FullName!.Trim(),
            ResidentIdNumber.TryParse(request.IdNumber, out _)!,
            request.Phone!.Trim(),
            PersonFields.TryParse<Programme>(request.Programme, out var programme) ? programme : default,
            request.District!.Trim(),
            request.Street!.Trim(),
            request.Community!.Trim(),
            request.Guardian?.FullName!.Trim(),
            request.Guardian?.Phone!.Trim(),
            context.Caller().KeyId,
            request.Address?.Trim());

        var disclosure = Disclosure.For(context.User, personalData);
        return (await bus.InvokeForRequestAsync(command, context))
            .Map((Registered<Volunteer> r) => VolunteerView.Of(r.Person, r.MemberCode, disclosure, PersonFields.Today(clock, options.Value)))
            .ToResult<VolunteerView>(v => $"/api/volunteers/{v.Id}");
    }
}

public static class RegisterVolunteerHandler
{
    public static Task<Outcome> Handle(RegisterVolunteer command, IDocumentSession session, PersonalData personalData, IClock clock) =>
        Registered<Volunteer>.RegisterAsync(session, now => Register(command, personalData.IdNumberHash(command.IdNumber), personalData, now),
            "a volunteer", AccountHolder.Volunteer, MemberCard.Volunteer, clock.GetCurrentInstant());

    public static Volunteer Register(RegisterVolunteer command, string idNumberHash, PersonalData personalData, Instant now) =>
        new(command.Id, idNumberHash)
        {
            FullName = command.FullName,
            ProtectedIdNumber = personalData.Protect(command.Id, ProtectedField.IdNumber, command.IdNumber.Value),
            BirthDate = command.IdNumber.BirthDate,
            ProtectedPhone = personalData.Protect(command.Id, ProtectedField.Phone, command.Phone),
            Programme = command.Programme,
            District = command.District,
            Street = command.Street,
            Community = command.Community,
            Guardian = command is { GuardianName: { } name, GuardianPhone: { } phone }
                ? new Guardian(name, personalData.Protect(command.Id, ProtectedField.GuardianPhone, phone))
                : null,
            RegisteredAt = now,
            RegisteredBy = command.RegisteredBy,
            AddressHash = command.Address is { } address ? personalData.AddressHash(address) : null
        };
}
