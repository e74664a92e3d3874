using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using TimeBank.People;
using TimeBank.People.Granting;

namespace TimeBank.Care.Pairing;

public sealed record GridWorkerRequest([property: Required] string? Name, [property: Required] string? Phone);

public sealed record GuardianConsentRequest([property: Required] string? GuardianName, [property: Required] LocalDate? ConsentedOn);

/// <summary>
/// A pair (结对) and its linkage agreement with the grid worker. programme: senior (手足情, the volunteer 55 or older) or
/// youth (寸草心; a volunteer under 18 needs guardianConsent). reason: required when the volunteer lives outside the elder's
/// street (就近就便).
/// </summary>
public sealed record FormPairingRequest(
    [property: Required] Guid? VolunteerId,
    [property: Required] Guid? ElderId,
    [property: Required] string? Programme,
    [property: Required] GridWorkerRequest? GridWorker,
    [property: Required] LocalDate? SignedOn,
    [property: Required] LocalDate? StartsOn,
    LocalDate? EndsOn,
    string? Reason,
    GuardianConsentRequest? GuardianConsent);

public sealed record FormPairing(Guid VolunteerId, Guid ElderId, Programme Programme, string GridWorkerName, string GridWorkerPhone, LocalDate SignedOn,
    LocalDate StartsOn, LocalDate? EndsOn, string? Reason, GuardianConsent? GuardianConsent) : IKeyedCommand
{
    public override string ToString() => $"{nameof(FormPairing)} {{ VolunteerId = {VolunteerId}, ElderId = {ElderId} }}";
}

public sealed record EndPairingRequest([property: Required] string? Reason);

public sealed record EndPairing(Guid PairingId, string Reason);

public static class PairingRules
{
    public const int SeniorAge = 55;

    public static Nearness NearnessOf(IPerson volunteer, IPerson elder) =>
        volunteer.District == elder.District && volunteer.Street == elder.Street
            ? volunteer.Community == elder.Community ? Nearness.SameCommunity : Nearness.SameStreet
            : Nearness.Farther;

    /// <summary>The programme's conditions on the volunteer, nearness, and the limit on active pairs.</summary>
    public static Decision<PairingFormed> Decide(FormPairing command, Guid id, Volunteer? volunteer, bool volunteerGranted, Elder? elder, bool elderGranted,
        PairingRoster? roster, int maxActive, string protectedPhone, Caller caller, LocalDate today, Instant now)
    {
        var unknown = new Dictionary<string, string[]>();
        if (volunteer is null) unknown["volunteerId"] = [$"No volunteer has id {command.VolunteerId}."];
        if (elder is null) unknown["elderId"] = [$"No elder has id {command.ElderId}."];
        if (unknown.Count > 0) return new UnknownReferences("The pairing names people who are not registered in those roles.", "volunteerId and elderId must be registered.", unknown);
        if (Scopes.MayActFor(caller, volunteer!.Id, new PersonScope(volunteer.RegisteredBy, volunteerGranted)) is { } notForVolunteer
            && caller.Role != Roles.CareWorker) return notForVolunteer;
        if (CareAccess.MayCareFor(caller, elder!, elderGranted) is { } notForElder) return notForElder;

        var age = Period.Between(volunteer.BirthDate, command.StartsOn, PeriodUnits.Years).Years;
        var problems = new Dictionary<string, string[]>();
        if (command.Programme == Programme.Senior && age < SeniorAge)
            problems["programme"] = [$"手足情 pairs a volunteer of {SeniorAge} or older; this one is {age} on startsOn."];
        if (command.Programme == Programme.Youth && age < 18 && command.GuardianConsent is null)
            problems["guardianConsent"] = [$"The volunteer is {age}: a guardian's consent (guardianName, consentedOn) is recorded for anyone under 18."];
        var nearness = NearnessOf(volunteer, elder!);
        if (nearness == Nearness.Farther && string.IsNullOrWhiteSpace(command.Reason))
            problems["reason"] = ["The volunteer lives outside the elder's street: say why the pair is not nearer (就近就便)."];
        if (problems.Count > 0) return new NotEligible("The pairing does not meet the programme's conditions.", problems);

        var active = roster?.ActiveOn(today) ?? [];
        if (active.FirstOrDefault(p => p.ElderId == command.ElderId) is { } existing) return new AlreadyPaired(existing.PairingId);
        if (active.Count >= maxActive) return new TooManyPairings(command.VolunteerId, maxActive);

        return new PairingFormed(id, volunteer.Id, volunteer.FullName, elder!.Id, elder.FullName, command.Programme, command.GridWorkerName, protectedPhone,
            command.SignedOn, command.StartsOn, command.EndsOn, nearness, command.Reason, command.GuardianConsent, elder.District, caller.KeyId, now);
    }
}

public static class FormPairingEndpoint
{
    public static ProblemDetails Validate(FormPairingRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        if (request.VolunteerId is null || request.VolunteerId == Guid.Empty) errors["volunteerId"] = ["The volunteer's id is required."];
        if (request.ElderId is null || request.ElderId == Guid.Empty) errors["elderId"] = ["The elder's id is required."];
        if (request.Programme is not ("senior" or "youth")) errors["programme"] = ["programme is senior (手足情) or youth (寸草心)."];
        PersonFields.Name(errors, "gridWorker.name", request.GridWorker?.Name);
        PersonFields.Phone(errors, "gridWorker.phone", request.GridWorker?.Phone);
        static bool Sane(LocalDate? d) => d is { Year: >= 2000 and <= 2200 };
        if (!Sane(request.SignedOn)) errors["signedOn"] = ["The date the agreement was signed (yyyy-MM-dd) is required."];
        if (!Sane(request.StartsOn)) errors["startsOn"] = ["The first day of the pairing (yyyy-MM-dd) is required."];
        if (request.EndsOn is { } ends && (!Sane(ends) || (request.StartsOn is { } starts && ends < starts))) errors["endsOn"] = ["endsOn, when given, is on or after startsOn."];
        if (request.Reason is { } reason && reason.Trim().Length > 500) errors["reason"] = ["At most 500 characters."];
        if (request.GuardianConsent is { } consent)
        {
            PersonFields.Name(errors, "guardianConsent.guardianName", consent.GuardianName);
            if (!Sane(consent.ConsentedOn)) errors["guardianConsent.consentedOn"] = ["The date of consent (yyyy-MM-dd) is required."];
        }
        return Problems.Validate(errors);
    }

    /// <summary>Records a pair (结对) and its linkage agreement (platforms for their people, care workers in their districts, admins). Idempotent on the Idempotency-Key header.</summary>
    [WolverinePost("/api/pairings", OperationId = "FormPairing")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<PairingView>(StatusCodes.Status201Created)]
    [ProducesResponseType<PairingView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    public static async Task<IResult> Post(FormPairingRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, IMessageBus bus,
        HttpContext context)
    {
        var command = new FormPairing(request.VolunteerId!.Value, request.ElderId!.Value, request.Programme == "senior" ? Programme.Senior : Programme.Youth,
            request.GridWorker!.Name!.Trim(), request.GridWorker.Phone!.Trim(), request.SignedOn!.Value, request.StartsOn!.Value, request.EndsOn,
            string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim(),
            request.GuardianConsent is { } c ? new GuardianConsent(c.GuardianName!.Trim(), c.ConsentedOn!.Value) : null);
        return (await bus.InvokeForRequestAsync(command, context, command.VolunteerId)).ToResult<PairingView>(p => $"/api/pairings/{p.Id}");
    }
}

public static class FormPairingHandler
{
    public static async Task<Outcome> Handle(FormPairing command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData,
        IOptions<CareOptions> options)
    {
        var caller = Scopes.CallerOf(envelope);
        var batch = session.CreateBatchQuery();
        var volunteer = batch.Load<Volunteer>(command.VolunteerId);
        var volunteerGrant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.VolunteerId, caller.KeyId));
        var elder = batch.Load<Elder>(command.ElderId);
        var elderGrant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.ElderId, caller.KeyId));
        var roster = batch.Events.FetchForWriting<PairingRoster>(PairingRoster.IdFor(command.VolunteerId));
        await batch.Execute();

        var id = Guid.CreateVersion7();
        var now = clock.GetCurrentInstant();
        var stream = await roster;
        var decision = PairingRules.Decide(command, id, await volunteer, (await volunteerGrant)?.Active == true, await elder, (await elderGrant)?.Active == true,
            stream.Aggregate, options.Value.MaxActivePairings, personalData.Protect(command.GridWorkerPhone, PersonalData.Field(id, Pairing.FieldOfGridWorkerPhone)),
            caller, now.InZone(options.Value.Zone).Date, now);
        if (decision.Refusal is { } refusal) return refusal;
        stream.AppendOne(decision.Events);
        var pairing = new Pairing();
        new PairingProjection().Apply(decision.Events, pairing);
        return Outcome.New(PairingView.Of(pairing, personalData, caller.Role == Roles.Admin, now.InZone(options.Value.Zone).Date));
    }
}

public static class EndPairingEndpoint
{
    public static ProblemDetails Validate(EndPairingRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Trim().Length > 500) errors["reason"] = ["Why the pair ends, 1 to 500 characters."];
        return Problems.Validate(errors);
    }

    /// <summary>Ends a pairing today, with the reason. An ended pairing is not ended again (409).</summary>
    [WolverinePost("/api/pairings/{id}/end", OperationId = "EndPairing")]
    [Authorize(Roles = Roles.CareWriters)]
    [ProducesResponseType<PairingView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, EndPairingRequest request, IMessageBus bus, HttpContext context) =>
        (await bus.InvokeForRequestAsync(new EndPairing(id, request.Reason!.Trim()), context)).ToResult<PairingView>();
}

public static class EndPairingHandler
{
    public static async Task<Outcome> Handle(EndPairing command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData,
        IOptions<CareOptions> options)
    {
        var caller = Scopes.CallerOf(envelope);
        var pairing = await session.LoadAsync<Pairing>(command.PairingId);
        if (pairing is null) return new NotFound("Pairing", command.PairingId.ToString());
        var (elder, granted) = await CareAccess.ReadElderAsync(session, pairing.ElderId, caller);
        var stream = await session.Events.FetchForWriting<PairingRoster>(PairingRoster.IdFor(pairing.VolunteerId));
        var now = clock.GetCurrentInstant();
        var today = now.InZone(options.Value.Zone).Date;
        var decision = Decide(command, pairing, stream.Aggregate, elder, granted, caller, today, now);
        if (decision.Refusal is { } refusal) return refusal;
        stream.AppendOne(decision.Events);
        new PairingProjection().Apply(decision.Events, pairing);
        return Outcome.Existing(PairingView.Of(pairing, personalData, caller.Role == Roles.Admin, today));
    }

    public static Decision<PairingEnded> Decide(EndPairing command, Pairing pairing, PairingRoster? roster, Elder? elder, bool granted, Caller caller, LocalDate today,
        Instant now)
    {
        if (elder is not null && CareAccess.MayCareFor(caller, elder, granted) is { } refusal) return refusal;
        if (roster?.Ended.TryGetValue(pairing.Id, out var endedOn) == true) return new PairingEndedAlready(pairing.Id, endedOn);
        return new PairingEnded(pairing.Id, pairing.VolunteerId, command.Reason, today, caller.KeyId, now);
    }
}

public static class ListVolunteerPairingsEndpoint
{
    /// <summary>The volunteer's pairings, newest first (a care worker sees those in its districts).</summary>
    [WolverineGet("/api/volunteers/{id}/pairings", OperationId = "ListVolunteerPairings")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<IReadOnlyList<PairingView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, IClock clock, IOptions<CareOptions> options, HttpContext context)
    {
        var caller = context.Caller();
        if (await PersonScope.ForRead(session, caller, id, context.RequestAborted).RefusedAsync(caller, id) is { } refused) return refused;
        var pairings = await session.Query<Pairing>().Where(p => p.VolunteerId == id).ToListAsync(context.RequestAborted);
        var today = clock.GetCurrentInstant().InZone(options.Value.Zone).Date;
        return Results.Ok(pairings.Where(p => caller.Role != Roles.CareWorker || caller.ServesDistrict(p.ElderDistrict))
            .OrderByDescending(p => p.RecordedAt).Select(p => PairingView.Of(p, personalData, caller.Role == Roles.Admin, today)).ToList());
    }
}

public static class ListElderPairingsEndpoint
{
    /// <summary>The elder's pairings, newest first.</summary>
    [WolverineGet("/api/elders/{id}/pairings", OperationId = "ListElderPairings")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<IReadOnlyList<PairingView>>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(Guid id, IQuerySession session, PersonalData personalData, IClock clock, IOptions<CareOptions> options, HttpContext context)
    {
        var caller = context.Caller();
        var (_, refused) = await CareAccess.ElderForAsync(session, id, caller, context.RequestAborted);
        if (refused is not null) return refused;
        var pairings = await session.Query<Pairing>().Where(p => p.ElderId == id).ToListAsync(context.RequestAborted);
        var today = clock.GetCurrentInstant().InZone(options.Value.Zone).Date;
        return Results.Ok(pairings.OrderByDescending(p => p.RecordedAt).Select(p => PairingView.Of(p, personalData, caller.Role == Roles.Admin, today)).ToList());
    }
}
