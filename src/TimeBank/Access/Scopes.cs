using TimeBank.People.Granting;

namespace TimeBank.Access;

/// <summary>
/// What a key may act on, object by object: the rules every decider and reader asks, written once. A platform acts for
/// (reads, credits, debits) the people it registered and those who granted it access; an admin for anyone; an auditor
/// reads everything. Minutes leave the public pool only by an admin; a hold is settled or cancelled by the key that
/// placed it, or an admin; a service record is reversed by the platform that posted it, or an admin. Commands run by
/// the service itself (no HTTP caller) are the system's own.
/// </summary>
public static class Scopes
{
    public const string SystemKeyId = "system";

    /// <summary>Who sent a command: the actor Audit stamped on its envelope, or the system itself.</summary>
    public static Caller CallerOf(Envelope envelope) => new(
        envelope.Headers.GetValueOrDefault(Audit.ActorKeyIdHeader) ?? SystemKeyId, "",
        envelope.Headers.GetValueOrDefault(Audit.ActorRoleHeader) ?? SystemKeyId)
    {
        Districts = envelope.Headers.GetValueOrDefault(Audit.ActorDistrictsHeader)?.Split('\n') ?? []
    };

    public static Refusal? MayDebit(Caller caller, Guid account, PersonScope holder)
    {
        if (IsTrusted(caller)) return null;
        if (account == Ledger.SystemAccounts.PublicPool)
            return new NotPermitted("Only an admin moves minutes out of the public pool.", "The public pool is the programme's own.");
        return ActsFor(caller, holder)
            ? null
            : new NotPermitted("This key may not move minutes out of that account.",
                $"Account {account} belongs to a person another platform registered who has not granted this key access; " +
                "only that platform, a key it was granted to, or an admin may debit it.");
    }

    /// <summary>Credit, or otherwise act for, a person. An unknown person is left to the caller's own not-found answer.</summary>
    public static Refusal? MayActFor(Caller caller, Guid person, PersonScope scope) =>
        IsTrusted(caller) || !scope.Exists || ActsFor(caller, scope)
            ? null
            : new NotPermitted("This key may not act for that person.",
                $"Person {person} was registered by another platform and has not granted this key access (POST /api/people/{person}/grants).");

    /// <summary>Read a person, their account or anything of theirs: as <see cref="MayActFor"/>, and auditors read everything.</summary>
    public static Refusal? MayRead(Caller caller, Guid person, PersonScope scope) =>
        caller.Role == Roles.Auditor ? null : MayActFor(caller, person, scope);

    /// <summary>Whether a read of <paramref name="person"/> by this caller must look at who registered them first.</summary>
    public static bool ReadIsScoped(Caller caller, Guid person) => caller.Role == Roles.Platform && person != Ledger.SystemAccounts.PublicPool;

    public static Refusal? MayClose(Caller caller, Guid redemption, string? heldBy) =>
        IsTrusted(caller) || heldBy == caller.KeyId
            ? null
            : new NotPermitted("Only the key that placed a hold, or an admin, may settle or cancel it.",
                $"Redemption {redemption} was placed by another key.");

    /// <summary>A reviewer reaches this only through an upheld complaint: the reversal endpoint is not open to the role.</summary>
    public static Refusal? MayReverse(Caller caller, Guid record, string postedBy) =>
        caller.Role is Roles.Admin or Roles.Reviewer || postedBy == caller.KeyId
            ? null
            : new NotPermitted("Only the platform that posted a record, or an admin, may reverse it.",
                $"Service record {record} was posted by another platform key.");

    /// <summary>A district-scoped key (care worker, coordinator) asking for a district it does not serve is refused.</summary>
    public static Refusal? MayReadDistrict(Caller caller, string? district) =>
        Roles.DistrictScoped.Contains(caller.Role) && district is not null && !caller.ServesDistrict(district)
            ? new NotPermitted("This key does not serve that district.", $"This key serves {string.Join(", ", caller.Districts)}, not {district}.")
            : null;

    /// <summary>The districts a list must keep to for this caller; null when it sees every district.</summary>
    public static string[]? DistrictsOf(Caller caller) => Roles.DistrictScoped.Contains(caller.Role) ? [.. caller.Districts] : null;

    private static bool IsTrusted(Caller caller) => caller.Role is Roles.Admin or SystemKeyId;

    private static bool ActsFor(Caller caller, PersonScope scope) => scope.RegisteredBy == caller.KeyId || scope.Granted;
}
