using TimeBank.Ledger.Redeeming;
using TimeBank.Markets;

namespace TimeBank;

/// <summary>
/// Why a decision wrote nothing, in the domain's words. Deciders return these; Problems.For turns each
/// into its problem document and status, in one place.
/// </summary>
public abstract record Refusal;

public sealed record NotFound(string What, string Id) : Refusal;

/// <summary>The request names things that are not there, field by field.</summary>
public sealed record UnknownReferences(string Title, string Detail, IReadOnlyDictionary<string, string[]> Fields) : Refusal;

public sealed record NotEnoughMinutes(string Account, int Requested, int Available) : Refusal;

public sealed record NotEnoughPoints(string Account, int Requested, int Available) : Refusal;

/// <summary>Some items are short; an order may be short of points as well.</summary>
public sealed record NotEnoughStock(string Title, IReadOnlyList<StockShortage> Shortages, NotEnoughPoints? AlsoShortOfPoints = null) : Refusal;

public sealed record OverlappingService(Guid OverlappedRecordId) : Refusal;

public sealed record SelfService : Refusal;

/// <summary>The service is dated before the volunteer could serve (their tenth birthday).</summary>
public sealed record TooYoungToServe(Guid VolunteerId, LocalDate MayServeFrom) : Refusal;

public sealed record AlreadyReversed(Guid RecordId, Instant? ReversedAt) : Refusal;

public sealed record RedemptionNotHeld(Guid RedemptionId, RedemptionStatus Status, RedemptionStatus Wanted) : Refusal;

/// <summary>The caller's role may do this, but not to this object.</summary>
public sealed record NotPermitted(string Title, string Detail) : Refusal;

/// <summary>A client key reused with a different request.</summary>
public sealed record KeyReused(string Key) : Refusal;

public sealed record AlreadyRegistered(string As, Guid ExistingId) : Refusal;

/// <summary>Every slot of a service request is claimed.</summary>
public sealed record SlotsTaken(Guid RequestId, int Slots) : Refusal;

/// <summary>The request's window has ended: it can no longer be claimed.</summary>
public sealed record WindowOver(Guid RequestId, Instant EndedAt) : Refusal;

/// <summary>The request's window has begun: a claim can no longer be withdrawn.</summary>
public sealed record WindowStarted(Guid RequestId, Instant StartedAt) : Refusal;

public sealed record AlreadyClaimed(Guid RequestId, Guid VolunteerId) : Refusal;

/// <summary>An integrity flag is decided once.</summary>
public sealed record FlagDecidedAlready(Guid FlagId, string Decision) : Refusal;

/// <summary>A complaint is resolved once.</summary>
public sealed record ComplaintResolvedAlready(Guid ComplaintId, string Outcome) : Refusal;

/// <summary>This kind of rater has rated the record already.</summary>
public sealed record AlreadyRated(Guid RecordId, string RatedBy) : Refusal;

/// <summary>Only a volunteer holding a claim on the request completes it.</summary>
public sealed record NotClaimed(Guid RequestId, Guid VolunteerId) : Refusal;

/// <summary>The service reported for a request lies too far outside its window.</summary>
public sealed record OutsideWindow(Guid RequestId, Instant EarliestStart, Instant LatestEnd) : Refusal;

/// <summary>The volunteer holds a claim on another request whose window overlaps this one.</summary>
public sealed record OverlappingClaim(Guid OtherRequestId) : Refusal;

/// <summary>The alert was closed already; its handling stands.</summary>
public sealed record AlertClosedAlready(Guid AlertId, Instant ClosedAt) : Refusal;

/// <summary>The volunteer holds as many active pairings as allowed.</summary>
public sealed record TooManyPairings(Guid VolunteerId, int Max) : Refusal;

/// <summary>The volunteer and the elder are paired already.</summary>
public sealed record AlreadyPaired(Guid PairingId) : Refusal;

/// <summary>The pairing has ended already.</summary>
public sealed record PairingEndedAlready(Guid PairingId, LocalDate EndedOn) : Refusal;

/// <summary>The people named do not meet a programme's conditions; the fields say which.</summary>
public sealed record NotEligible(string Title, IReadOnlyDictionary<string, string[]> Fields) : Refusal;

/// <summary>What a decider decided: the events to append, or why nothing is appended.</summary>
public sealed class Decision<T>
{
    private readonly T? _events;

    private Decision(T? events, Refusal? refusal)
    {
        _events = events;
        Refusal = refusal;
    }

    public Refusal? Refusal { get; }

    public T Events => Refusal is null ? _events! : throw new InvalidOperationException($"Refused: {Refusal}");

    public static implicit operator Decision<T>(T events) => new(events, null);

    public static implicit operator Decision<T>(Refusal refusal) => new(default, refusal);
}
