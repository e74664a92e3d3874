namespace TimeBank.Access;

/// <summary>
/// What a key may act on, object by object: the rules every decider asks, written once. Minutes leave a person's
/// account only by the platform that registered the person, or an admin; they leave the public pool only by an
/// admin; a hold is settled or cancelled by the key that placed it, or an admin; a service record is reversed by the
/// platform that posted it, or an admin. Commands run by the service itself (no HTTP caller) are the system's own.
/// </summary>
public static class Scopes
{
    public const string SystemKeyId = "system";

    /// <summary>Who sent a command: the actor Audit stamped on its envelope, or the system itself.</summary>
    public static Caller CallerOf(Envelope envelope) => new(
        envelope.Headers.GetValueOrDefault(Audit.ActorKeyIdHeader) ?? SystemKeyId, "",
        envelope.Headers.GetValueOrDefault(Audit.ActorRoleHeader) ?? SystemKeyId);

    public static Refusal? MayDebit(Caller caller, Guid account, string? registeredBy)
    {
        if (IsTrusted(caller)) return null;
        if (account == Ledger.SystemAccounts.PublicPool)
            return new NotPermitted("Only an admin moves minutes out of the public pool.", "The public pool is the programme's own.");
        return registeredBy == caller.KeyId
            ? null
            : new NotPermitted("This key may not move minutes out of that account.",
                $"Account {account} belongs to a person another platform registered; only that platform or an admin may debit it.");
    }

    public static Refusal? MayClose(Caller caller, Guid redemption, string? heldBy) =>
        IsTrusted(caller) || heldBy == caller.KeyId
            ? null
            : new NotPermitted("Only the key that placed a hold, or an admin, may settle or cancel it.",
                $"Redemption {redemption} was placed by another key.");

    public static Refusal? MayReverse(Caller caller, Guid record, string postedBy) =>
        caller.Role == Roles.Admin || postedBy == caller.KeyId
            ? null
            : new NotPermitted("Only the platform that posted a record, or an admin, may reverse it.",
                $"Service record {record} was posted by another platform key.");

    private static bool IsTrusted(Caller caller) => caller.Role is Roles.Admin or SystemKeyId;
}
