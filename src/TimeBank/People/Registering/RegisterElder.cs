using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People.GettingDetails;

namespace TimeBank.People.Registering;

/// <summary>relation: child, relative, community or other. The first contact should be a child; else a relative; else the community.</summary>
public sealed record EmergencyContactRequest([property: Required] string? FullName, [property: Required] string? Phone, [property: Required] [property: OneOf<ContactRelation>] string? Relation);

/// <summary>
/// Registration of an elder in special difficulty (特殊困难老年人). categories (seed 004, annex 1): solitary (孤寡),
/// living-alone (独居), empty-nest (空巢), left-behind (留守), disabled (失能), severely-disabled (重残),
/// bereaved-single-child-family (计划生育特殊家庭), low-income, advanced-age. disabilityGrade (mild, moderate, severe,
/// total per GB/T 42195-2022) is required exactly when categories holds disabled.
/// </summary>
public sealed record RegisterElderRequest(
    [property: Required] string? FullName,
    [property: Required] string? IdNumber,
    string? Phone,
    [property: Required] string? District,
    [property: Required] string? Street,
    [property: Required] string? Community,
    [property: Required] [property: OneOf<ElderCategory>] string?[]? Categories,
    [property: OneOf<DisabilityGrade>] string? DisabilityGrade,
    [property: Required] EmergencyContactRequest? EmergencyContact,
    string? Address = null)
{
    public override string ToString() => nameof(RegisterElderRequest); // holds personal data: never printed
}

public sealed record RegisterElder(
    Guid Id,
    string FullName,
    ResidentIdNumber IdNumber,
    string? Phone,
    string District,
    string Street,
    string Community,
    IReadOnlyList<ElderCategory> Categories,
    DisabilityGrade? DisabilityGrade,
    string ContactName,
    string ContactPhone,
    ContactRelation ContactRelation,
    string RegisteredBy,
    string? Address = null)
{
    public override string ToString() => $"{nameof(RegisterElder)} {{ Id = {Id} }}";
}

public static class ElderRules
{
    public static Dictionary<string, string[]> Check(RegisterElderRequest request, LocalDate today)
    {
        var errors = new Dictionary<string, string[]>();
        PersonFields.Name(errors, "fullName", request.FullName);
        PersonFields.IdNumber(errors, request.IdNumber, today);
        PersonFields.Phone(errors, "phone", request.Phone, required: false);
        PersonFields.AddressParts(errors, request.District, request.Street, request.Community);
        PersonFields.Address(errors, request.Address);

        var categories = Categories(errors, request.Categories);
        var disabled = categories.Contains(ElderCategory.Disabled);
        if (disabled)
            PersonFields.OneOf<DisabilityGrade>(errors, "disabilityGrade", request.DisabilityGrade);
        else if (request.DisabilityGrade is not null)
            errors["disabilityGrade"] = ["A disability grade is given only for an elder in the disabled category."];

        if (request.EmergencyContact is not { } contact)
        {
            errors["emergencyContact"] = ["An emergency contact (fullName, phone, relation) is required."];
        }
        else
        {
            PersonFields.Name(errors, "emergencyContact.fullName", contact.FullName);
            PersonFields.Phone(errors, "emergencyContact.phone", contact.Phone);
            PersonFields.OneOf<ContactRelation>(errors, "emergencyContact.relation", contact.Relation);
        }
        return errors;
    }

    private static List<ElderCategory> Categories(Dictionary<string, string[]> errors, string?[]? given)
    {
        var categories = new List<ElderCategory>();
        if (given is not { Length: > 0 })
        {
            errors["categories"] = [$"At least one category is required: {string.Join(", ", PersonFields.Names<ElderCategory>())}."];
            return categories;
        }

        for (var i = 0; i < given.Length; i++)
        {
            if (PersonFields.OneOf<ElderCategory>(errors, $"categories[{i}]", given[i]) is { } category)
            {
                if (categories.Contains(category)) errors["categories"] = ["Each category may be given only once."];
                else categories.Add(category);
            }
        }
        return categories;
    }
}

public static class RegisterElderEndpoint
{
    public static ProblemDetails Validate(RegisterElderRequest request, IClock clock, IOptions<TimeBankOptions> options) =>
        Problems.Validate(ElderRules.Check(request, PersonFields.Today(clock, options.Value)));

    /// <summary>
    /// Registers an elder in special difficulty (特殊困难老年人) and opens their time account, whose id is the elder's id.
    /// The same identity number again is a 409 naming the existing elder in existingId; the same person may also be
    /// registered as a volunteer. The response shows idNumber and phones masked unless the caller is admin.
    /// </summary>
    [WolverinePost("/api/elders", OperationId = "RegisterElder")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<ElderView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(RegisterElderRequest request, IMessageBus bus, HttpContext context,
        PersonalData personalData, IClock clock, IOptions<TimeBankOptions> options)
    {
        var contact = request.EmergencyContact!;
        var command = new RegisterElder(
            Guid.CreateVersion7(),
            request.FullName!.Trim(),
            ResidentIdNumber.TryParse(request.IdNumber, out _)!,
            string.IsNullOrWhiteSpace(request.Phone) ? null : request.Phone.Trim(),
            request.District!.Trim(),
            request.Street!.Trim(),
            request.Community!.Trim(),
            request.Categories!.Select(c => PersonFields.TryParse<ElderCategory>(c, out var category) ? category : default).ToList(),
            PersonFields.TryParse<DisabilityGrade>(request.DisabilityGrade, out var grade) ? grade : null,
            contact.FullName!.Trim(),
            contact.Phone!.Trim(),
            PersonFields.TryParse<ContactRelation>(contact.Relation, out var relation) ? relation : default,
            context.Caller().KeyId,
            request.Address?.Trim());

        var disclosure = Disclosure.For(context.User, personalData);
        return (await bus.InvokeForRequestAsync(command, context))
            .Map((Registered<Elder> r) => ElderView.Of(r.Person, r.MemberCode, disclosure, PersonFields.Today(clock, options.Value)))
            .ToResult<ElderView>(v => $"/api/elders/{v.Id}");
    }
}

public static class RegisterElderHandler
{
    public static Task<Outcome> Handle(RegisterElder command, IDocumentSession session, PersonalData personalData, IClock clock) =>
        Registered<Elder>.RegisterAsync(session, now => Register(command, personalData.IdNumberHash(command.IdNumber), personalData, now),
            "an elder", AccountHolder.Elder, MemberCard.Elder, clock.GetCurrentInstant());

    public static Elder Register(RegisterElder command, string idNumberHash, PersonalData personalData, Instant now) =>
        new(command.Id, idNumberHash)
        {
            FullName = command.FullName,
            ProtectedIdNumber = personalData.Protect(command.Id, ProtectedField.IdNumber, command.IdNumber.Value),
            BirthDate = command.IdNumber.BirthDate,
            ProtectedPhone = command.Phone is { } phone ? personalData.Protect(command.Id, ProtectedField.Phone, phone) : null,
            District = command.District,
            Street = command.Street,
            Community = command.Community,
            Categories = command.Categories,
            DisabilityGrade = command.DisabilityGrade,
            EmergencyContact = new EmergencyContact(command.ContactName,
                personalData.Protect(command.Id, ProtectedField.EmergencyContactPhone, command.ContactPhone), command.ContactRelation),
            RegisteredAt = now,
            RegisteredBy = command.RegisteredBy,
            AddressHash = command.Address is { } address ? personalData.AddressHash(address) : null
        };
}
