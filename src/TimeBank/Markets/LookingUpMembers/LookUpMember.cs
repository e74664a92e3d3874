using TimeBank.Ledger;
using TimeBank.People;

namespace TimeBank.Markets.LookingUpMembers;

/// <summary>What a love-market counter sees of a member: the name masked (张*明), points to spend and available minutes.</summary>
public sealed record KioskMember(Guid PersonId, string MemberCode, string DisplayName, int PointsBalance, int AvailableMinutes);

public static class LookUpMemberEndpoint
{
    /// <summary>
    /// Looks a member up by the code on their card, typed or scanned (case, spaces and hyphens do not matter).
    /// A code whose check character does not match is a 404 of type mistyped-member-code that says so; a
    /// well-formed code of no member is a 404 not-found.
    /// </summary>
    [WolverineGet("/api/kiosk/members/{code}", OperationId = "LookUpMember")]
    [Authorize(Roles = Roles.MarketStaff)]
    [ProducesResponseType<KioskMember>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get(string code, MemberDirectory members, MultiplexedReads reads, HttpContext context)
    {
        if (MarketAccess.RefuseUnscoped(context.Caller()) is { } unscoped) return unscoped.ToResult();
        var reading = MemberCodes.Read(code);
        if (reading.Code is not { } valid) return MemberProblems.Mistyped(code, reading.Problem!, StatusCodes.Status404NotFound).ToResult();

        var card = await members.FindAsync(valid, context.RequestAborted);
        if (card is null) return MemberProblems.Unknown(valid, StatusCodes.Status404NotFound).ToResult();

        var account = await reads.LoadAsync<Account>(card.PersonId, context.RequestAborted);
        return Results.Ok(new KioskMember(card.PersonId, card.Id, card.DisplayName, account?.PointsBalance ?? 0, account?.AvailableMinutes ?? 0));
    }
}
