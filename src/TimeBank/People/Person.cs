namespace TimeBank.People;

/// <summary>What the ledger needs to know of a registered person.</summary>
public interface IPerson
{
    Guid Id { get; }

    /// <summary>Keyed hash of the identity-card number: equal for the same person, useless to a reader.</summary>
    string IdNumberHash { get; }
}

public sealed record Volunteer(Guid Id, string IdNumberHash) : IPerson;

public sealed record Elder(Guid Id, string IdNumberHash) : IPerson;
