using System.ComponentModel.DataAnnotations;
using TimeBank.People;

namespace TimeBank.Care.Coverage;

/// <summary>A time of bad weather, festivals or illness (恶劣天气、传统节日、疾病多发) when elders are visited more often.</summary>
public sealed record HeightenedPeriodDeclared(Guid PeriodId, LocalDate From, LocalDate To, IReadOnlyList<string> Districts, int MinimumVisits, string Reason,
    string DeclaredBy, Instant DeclaredAt);

public sealed record HeightenedPeriod
{
    public Guid Id { get; init; }
    public LocalDate From { get; init; }
    public LocalDate To { get; init; }

    /// <summary>Empty: every district.</summary>
    public IReadOnlyList<string> Districts { get; init; } = [];
    public int MinimumVisits { get; init; }
    public string Reason { get; init; } = "";
    public string DeclaredBy { get; init; } = "";
    public Instant DeclaredAt { get; init; }
    public long Version { get; set; }

    public HeightenedPeriod Apply(HeightenedPeriodDeclared e) => this with
    {
        Id = e.PeriodId, From = e.From, To = e.To, Districts = e.Districts, MinimumVisits = e.MinimumVisits, Reason = e.Reason, DeclaredBy = e.DeclaredBy,
        DeclaredAt = e.DeclaredAt
    };
}

/// <param name="Districts">The districts it applies in; empty or absent: all.</param>
/// <param name="MinimumVisits">Visits each elder needs in every month the period touches (2 to 31).</param>
public sealed record DeclareHeightenedPeriodRequest([property: Required] LocalDate? From, [property: Required] LocalDate? To, string?[]? Districts,
    [property: Required] int? MinimumVisits, [property: Required] string? Reason);

public sealed record DeclareHeightenedPeriod(LocalDate From, LocalDate To, IReadOnlyList<string> Districts, int MinimumVisits, string Reason) : IKeyedCommand;

public static class DeclareHeightenedPeriodEndpoint
{
    public static ProblemDetails Validate(DeclareHeightenedPeriodRequest request, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        if (request.From is not { } from || from.Year is < 2000 or > 2200) errors["from"] = ["The first day (yyyy-MM-dd) is required, between 2000 and 2200."];
        if (request.To is not { } to || to.Year is < 2000 or > 2200) errors["to"] = ["The last day (yyyy-MM-dd) is required, between 2000 and 2200."];
        else if (request.From is { } f && (to < f || Period.Between(f, to, PeriodUnits.Days).Days > 366)) errors["to"] = ["The period ends on or after it starts, within a year."];
        var districts = request.Districts ?? [];
        if (districts.Length > 50) errors["districts"] = ["At most 50 districts."];
        for (var i = 0; i < Math.Min(districts.Length, 50); i++)
        {
            if (string.IsNullOrWhiteSpace(districts[i]) || districts[i]!.Trim().Length > PersonFields.MaxAddressPartLength)
                errors[$"districts[{i}]"] = [$"A district name of 1 to {PersonFields.MaxAddressPartLength} characters."];
        }
        if (request.MinimumVisits is not (>= 2 and <= 31)) errors["minimumVisits"] = ["Visits per month in the period: 2 to 31."];
        if (string.IsNullOrWhiteSpace(request.Reason) || request.Reason.Trim().Length > 200) errors["reason"] = ["Why (恶劣天气, 传统节日, 疾病多发, …), 1 to 200 characters."];
        return Problems.Validate(errors);
    }

    /// <summary>Declares a heightened period (admin): every month it touches needs minimumVisits visits per elder in its districts. Idempotent on the Idempotency-Key header.</summary>
    [WolverinePost("/api/care/heightened-periods", OperationId = "DeclareHeightenedPeriod")]
    [Authorize(Roles = Roles.Admin)]
    [ProducesResponseType<HeightenedPeriod>(StatusCodes.Status201Created)]
    [ProducesResponseType<HeightenedPeriod>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(DeclareHeightenedPeriodRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        var command = new DeclareHeightenedPeriod(request.From!.Value, request.To!.Value,
            (request.Districts ?? []).Select(d => d!.Trim()).Distinct().ToList(), request.MinimumVisits!.Value, request.Reason!.Trim());
        return (await bus.InvokeForRequestAsync(command, context)).ToResult<HeightenedPeriod>(p => $"/api/care/heightened-periods/{p.Id}");
    }
}

public static class DeclareHeightenedPeriodHandler
{
    public static Outcome Handle(DeclareHeightenedPeriod command, IDocumentSession session, IClock clock, Envelope envelope)
    {
        var declared = new HeightenedPeriodDeclared(Guid.CreateVersion7(), command.From, command.To, command.Districts, command.MinimumVisits, command.Reason,
            Scopes.CallerOf(envelope).KeyId, clock.GetCurrentInstant());
        session.Events.StartStream<HeightenedPeriod>(declared.PeriodId, declared);
        return Outcome.New(new HeightenedPeriod().Apply(declared));
    }
}

public static class ListHeightenedPeriodsEndpoint
{
    /// <summary>Every heightened period declared, latest first.</summary>
    [WolverineGet("/api/care/heightened-periods", OperationId = "ListHeightenedPeriods")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType<IReadOnlyList<HeightenedPeriod>>(StatusCodes.Status200OK)]
    public static async Task<IReadOnlyList<HeightenedPeriod>> Get(IQuerySession session, CancellationToken cancellation) =>
        (await session.Query<HeightenedPeriod>().ToListAsync(cancellation)).OrderByDescending(p => p.From).ToList();
}
