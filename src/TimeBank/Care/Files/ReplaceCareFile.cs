using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.Extensions.Options;
using TimeBank.People;
using TimeBank.People.Registering;

namespace TimeBank.Care.Files;

/// <param name="Number">残疾人证号.</param>
/// <param name="Grade">Disability grade 1 (most severe) to 4.</param>
public sealed record DisabilityCertificateRequest([property: Required] string? Number, [property: Required] int? Grade);

/// <param name="RelationToHead">与户主关系: 户主, 配偶, 子女, …</param>
/// <param name="Health">健康状况 in a few words.</param>
/// <param name="MinimumLivingAllowance">低保对象.</param>
/// <param name="ExtremePoverty">特困人员.</param>
public sealed record HouseholdMemberRequest([property: Required] string? FullName, [property: Required] [property: OneOf<Sex>] string? Sex,
    [property: Required] string? IdNumber, [property: Required] string? RelationToHead, [property: Required] string? Health,
    bool? MinimumLivingAllowance, bool? ExtremePoverty);

public sealed record LivingConditionsRequest([property: Required] bool? WaterSafe, [property: Required] bool? ElectricitySafe, [property: Required] bool? HousingSafe,
    [property: Required] int? MonthlyIncomeYuan, [property: Required] int? MonthlyBenefitsYuan);

public sealed record SupportRequest([property: Required] [property: OneOf<SupportKind>] string? Kind, [property: Required] string? ResponsiblePerson,
    [property: Required] string? Measures);

/// <summary>
/// The elder's care file, parts 一 to 四 of annex 4. emergencyContacts in calling order: children first, then near
/// relatives, then the community, then others; an elder with no child names a relative, one with neither a community
/// contact (seed 004 三.(三).一). reviewedBy: the member of staff who reviewed the file; reviewedOn: when (default today).
/// </summary>
public sealed record CareFileRequest(
    [property: Required] bool? LivesAtRegisteredAddress,
    [property: Required] [property: OneOf<AbilityLevel>] string? AbilityLevel,
    DisabilityCertificateRequest? DisabilityCertificate,
    HouseholdMemberRequest?[]? HouseholdMembers,
    [property: Required] LivingConditionsRequest? LivingConditions,
    SupportRequest?[]? Support,
    [property: Required] EmergencyContactRequest?[]? EmergencyContacts,
    [property: Required] string? ReviewedBy,
    LocalDate? ReviewedOn)
{
    public override string ToString() => nameof(CareFileRequest); // holds personal data: never printed
}

public sealed record ReplaceCareFile(Guid ElderId, CareFileRequest File, LocalDate ReviewedOn)
{
    public override string ToString() => $"{nameof(ReplaceCareFile)} {{ ElderId = {ElderId} }}";
}

public static class CareFileRules
{
    public const int MaxHouseholdMembers = 20;
    public const int MaxSupport = 10;
    public const int MaxContacts = 5;
    public const int MaxShortText = 50;
    public const int MaxMeasures = 1000;
    public const int MaxYuan = 10_000_000;

    /// <summary>
    /// Seed 004 三.(三).一: a child is the first contact; with no child, a near relative; with neither, the community.
    /// Read as a calling order: no contact may come before one of a closer kind, and the list names at least one child,
    /// relative or community contact. Returns the index of the first contact out of order, and why.
    /// </summary>
    public static (int Index, string Problem)? ContactOrder(IReadOnlyList<ContactRelation> relations)
    {
        if (relations.Count == 0) return (0, "At least one emergency contact is required.");
        static int Rank(ContactRelation r) => r switch
        {
            ContactRelation.Child => 0,
            ContactRelation.Relative => 1,
            ContactRelation.Community => 2,
            _ => 3
        };
        for (var i = 1; i < relations.Count; i++)
        {
            if (Rank(relations[i]) < Rank(relations[i - 1]))
            {
                return (i, $"A {PersonFields.JsonName(relations[i])} contact comes before any {PersonFields.JsonName(relations[i - 1])} contact: " +
                           "children first, then near relatives, then the community (seed 004 三.(三).一).");
            }
        }
        return Rank(relations[0]) == 3
            ? (0, "An elder with no child or near relative to call names a community contact first (seed 004 三.(三).一).")
            : null;
    }

    public static Dictionary<string, string[]> Check(CareFileRequest request, LocalDate today)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.LivesAtRegisteredAddress is null) errors["livesAtRegisteredAddress"] = ["Whether the elder lives at the registered address is required."];
        PersonFields.OneOf<AbilityLevel>(errors, "abilityLevel", request.AbilityLevel);

        if (request.DisabilityCertificate is { } certificate)
        {
            if (string.IsNullOrWhiteSpace(certificate.Number) || certificate.Number.Trim().Length > 30 || !certificate.Number.Trim().All(char.IsAsciiLetterOrDigit))
                errors["disabilityCertificate.number"] = ["The certificate number (残疾人证号): 1 to 30 letters and digits."];
            if (certificate.Grade is not (>= 1 and <= 4)) errors["disabilityCertificate.grade"] = ["The disability grade is 1 to 4."];
        }

        var members = request.HouseholdMembers ?? [];
        if (members.Length > MaxHouseholdMembers) errors["householdMembers"] = [$"At most {MaxHouseholdMembers} household members."];
        for (var i = 0; i < Math.Min(members.Length, MaxHouseholdMembers); i++)
        {
            var field = $"householdMembers[{i}]";
            if (members[i] is not { } m)
            {
                errors[field] = ["A household member may not be null."];
                continue;
            }
            PersonFields.Name(errors, $"{field}.fullName", m.FullName);
            PersonFields.OneOf<Sex>(errors, $"{field}.sex", m.Sex);
            if (ResidentIdNumber.TryParse(m.IdNumber, out _) is not { } id || id.BirthDate > today)
                errors[$"{field}.idNumber"] = ["An 18-character resident identity number with a valid check digit is required."];
            Text(errors, $"{field}.relationToHead", m.RelationToHead, 20, "The relation to the head of household (户主, 配偶, 子女, …)");
            Text(errors, $"{field}.health", m.Health, MaxShortText, "The health (健康状况)");
        }

        if (request.LivingConditions is not { } living)
        {
            errors["livingConditions"] = ["Living conditions (waterSafe, electricitySafe, housingSafe, monthlyIncomeYuan, monthlyBenefitsYuan) are required."];
        }
        else
        {
            if (living.WaterSafe is null) errors["livingConditions.waterSafe"] = ["Required."];
            if (living.ElectricitySafe is null) errors["livingConditions.electricitySafe"] = ["Required."];
            if (living.HousingSafe is null) errors["livingConditions.housingSafe"] = ["Required."];
            if (living.MonthlyIncomeYuan is not (>= 0 and <= MaxYuan)) errors["livingConditions.monthlyIncomeYuan"] = [$"Whole yuan, 0 to {MaxYuan}."];
            if (living.MonthlyBenefitsYuan is not (>= 0 and <= MaxYuan)) errors["livingConditions.monthlyBenefitsYuan"] = [$"Whole yuan, 0 to {MaxYuan}."];
        }

        var support = request.Support ?? [];
        if (support.Length > MaxSupport) errors["support"] = [$"At most {MaxSupport} supporting units."];
        for (var i = 0; i < Math.Min(support.Length, MaxSupport); i++)
        {
            var field = $"support[{i}]";
            if (support[i] is not { } s)
            {
                errors[field] = ["A supporting unit may not be null."];
                continue;
            }
            PersonFields.OneOf<SupportKind>(errors, $"{field}.kind", s.Kind);
            PersonFields.Name(errors, $"{field}.responsiblePerson", s.ResponsiblePerson);
            Text(errors, $"{field}.measures", s.Measures, MaxMeasures, "The measures (帮扶措施)");
        }

        var contacts = request.EmergencyContacts ?? [];
        if (contacts.Length is 0 or > MaxContacts) errors["emergencyContacts"] = [$"1 to {MaxContacts} emergency contacts, in calling order."];
        var relations = new List<ContactRelation>();
        for (var i = 0; i < Math.Min(contacts.Length, MaxContacts); i++)
        {
            var field = $"emergencyContacts[{i}]";
            if (contacts[i] is not { } c)
            {
                errors[field] = ["A contact may not be null."];
                continue;
            }
            PersonFields.Name(errors, $"{field}.fullName", c.FullName);
            PersonFields.Phone(errors, $"{field}.phone", c.Phone);
            if (PersonFields.OneOf<ContactRelation>(errors, $"{field}.relation", c.Relation) is { } relation) relations.Add(relation);
        }
        if (relations.Count == contacts.Length && contacts.Length is > 0 and <= MaxContacts && ContactOrder(relations) is { } order)
            errors[$"emergencyContacts[{order.Index}].relation"] = [order.Problem];

        PersonFields.Name(errors, "reviewedBy", request.ReviewedBy);
        if (request.ReviewedOn is { } on && (on > today || on < today.PlusYears(-1)))
            errors["reviewedOn"] = ["The review date is within the last year and not in the future."];
        return errors;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max, string what)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Trim().Length > max) errors[field] = [$"{what}: 1 to {max} characters."];
    }

    /// <summary>The file as kept: identity numbers and phones encrypted for this elder.</summary>
    public static CareFileContent Protect(Guid elderId, CareFileRequest r, PersonalData personalData)
    {
        string Protect(string value, string field) => personalData.Protect(value, PersonalData.Field(elderId, field));
        return new CareFileContent(
            r.LivesAtRegisteredAddress!.Value,
            Parse<AbilityLevel>(r.AbilityLevel),
            r.DisabilityCertificate is { } c ? new DisabilityCertificate(Protect(c.Number!.Trim().ToUpperInvariant(), CareFile.FieldOfCertificate), c.Grade!.Value) : null,
            (r.HouseholdMembers ?? []).Select(m => new HouseholdMember(m!.FullName!.Trim(), Parse<Sex>(m.Sex),
                Protect(m.IdNumber!.Trim().ToUpperInvariant(), CareFile.FieldOfHouseholdIdNumber), m.RelationToHead!.Trim(), m.Health!.Trim(),
                m.MinimumLivingAllowance == true, m.ExtremePoverty == true)).ToList(),
            new LivingConditions(r.LivingConditions!.WaterSafe!.Value, r.LivingConditions.ElectricitySafe!.Value, r.LivingConditions.HousingSafe!.Value,
                r.LivingConditions.MonthlyIncomeYuan!.Value, r.LivingConditions.MonthlyBenefitsYuan!.Value),
            (r.Support ?? []).Select(s => new Support(Parse<SupportKind>(s!.Kind), s.ResponsiblePerson!.Trim(), s.Measures!.Trim())).ToList(),
            r.EmergencyContacts!.Select(c => new CareContact(c!.FullName!.Trim(), Protect(c.Phone!.Trim(), CareFile.FieldOfContactPhone),
                Parse<ContactRelation>(c.Relation))).ToList());
    }

    /// <summary>Keyed hashes of each part of the file as sent, to name what a replacement changed.</summary>
    public static Dictionary<string, string> Fingerprints(CareFileRequest r, PersonalData personalData)
    {
        string Of(string part, object? value) => personalData.Fingerprint("care-file:" + part, JsonSerializer.Serialize(value, Idempotency.Canonical));
        return new Dictionary<string, string>
        {
            ["livesAtRegisteredAddress"] = Of("livesAtRegisteredAddress", r.LivesAtRegisteredAddress),
            ["abilityLevel"] = Of("abilityLevel", r.AbilityLevel),
            ["disabilityCertificate"] = Of("disabilityCertificate", r.DisabilityCertificate),
            ["householdMembers"] = Of("householdMembers", r.HouseholdMembers ?? []),
            ["livingConditions"] = Of("livingConditions", r.LivingConditions),
            ["support"] = Of("support", r.Support ?? []),
            ["emergencyContacts"] = Of("emergencyContacts", r.EmergencyContacts)
        };
    }

    private static T Parse<T>(string? value) where T : struct, Enum => PersonFields.TryParse<T>(value, out var parsed) ? parsed : default;
}

public static class ReplaceCareFileEndpoint
{
    public static ProblemDetails Validate(CareFileRequest request, IClock clock, IOptions<TimeBankOptions> options) =>
        Problems.Validate(CareFileRules.Check(request, PersonFields.Today(clock, options.Value)));

    /// <summary>
    /// Replaces the elder's care file (探访关爱服务台账 parts 一 to 四) and records the review: who reviewed it, when, and which
    /// parts changed. Platforms for their elders, care workers for their districts, admins. Answers the file as GET does.
    /// </summary>
    [WolverinePut("/api/elders/{id}/care-file", OperationId = "ReplaceCareFile")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<CareFileView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Put(Guid id, CareFileRequest request, IMessageBus bus, HttpContext context, IClock clock, IOptions<TimeBankOptions> options)
    {
        var command = new ReplaceCareFile(id, request, request.ReviewedOn ?? PersonFields.Today(clock, options.Value));
        return (await bus.InvokeForRequestAsync(command, context)).ToResult<CareFileView>();
    }
}

public static class ReplaceCareFileHandler
{
    public static async Task<Outcome> Handle(ReplaceCareFile command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData,
        IOptions<CareOptions> options)
    {
        var caller = Scopes.CallerOf(envelope);
        var (elder, granted) = await CareAccess.ReadElderAsync(session, command.ElderId, caller);
        var stream = await session.Events.FetchForWriting<CareFile>(CareFile.IdFor(command.ElderId));
        var decision = Decide(command, elder, granted, stream.Aggregate, CareFileRules.Fingerprints(command.File, personalData), caller, clock.GetCurrentInstant(),
            () => CareFileRules.Protect(command.ElderId, command.File, personalData));
        if (decision.Refusal is { } refusal) return refusal;
        stream.AppendOne(decision.Events);
        var file = (stream.Aggregate ?? new CareFile()).Apply(decision.Events);
        return Outcome.Existing(CareFileView.Of(file, personalData, caller.Role == Roles.Admin, options.Value.ReviewEveryMonths));
    }

    /// <summary>Who may replace the file, and which parts the replacement changes (every part, the first time).</summary>
    public static Decision<CareFileReplaced> Decide(ReplaceCareFile command, Elder? elder, bool granted, CareFile? before,
        IReadOnlyDictionary<string, string> fingerprints, Caller caller, Instant now, Func<CareFileContent> content)
    {
        if (elder is null) return new NotFound("Elder", command.ElderId.ToString());
        if (CareAccess.MayCareFor(caller, elder, granted) is { } refusal) return refusal;
        var changed = fingerprints.Where(f => before?.Fingerprints.GetValueOrDefault(f.Key) != f.Value).Select(f => f.Key).ToList();
        return new CareFileReplaced(elder.Id, content(), changed, fingerprints, command.File.ReviewedBy!.Trim(), command.ReviewedOn, elder.District, elder.Street,
            elder.Community, caller.KeyId, now);
    }
}

public static class GetCareFileEndpoint
{
    /// <summary>The elder's care file, identity numbers and phones masked for every role but admin. 404 until a file is recorded.</summary>
    [WolverineGet("/api/elders/{id}/care-file", OperationId = "GetCareFile")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<CareFileView>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, HttpContext context, IOptions<CareOptions> options)
    {
        var caller = context.Caller();
        var (_, refused) = await CareAccess.ElderForAsync(session, id, caller, context.RequestAborted);
        if (refused is not null) return refused;
        var file = await session.LoadAsync<CareFile>(CareFile.IdFor(id), context.RequestAborted);
        return file is null
            ? Problems.NotFound("Care file of elder", id).ToResult()
            : Results.Ok(CareFileView.Of(file, personalData, caller.Role == Roles.Admin, options.Value.ReviewEveryMonths));
    }
}
