namespace TimeBank.Auditing.Verifying;

public static class VerifyChainEndpoint
{
    /// <summary>
    /// Recomputes the hash chain from the stored events (sequences from..to, inclusive; default: all chained
    /// events) and compares it with the stored chain and daily digests. Reports verified, or the first sequence
    /// whose stored data no longer matches, with the expected (chained) and actual (recomputed) hashes.
    /// </summary>
    [WolverineGet("/api/audit/verify", OperationId = "VerifyChain")]
    [Authorize(Roles = Roles.LedgerReaders)]
    [ProducesResponseType<VerificationReport>(StatusCodes.Status200OK)]
    public static async Task<IResult> Get([FromQuery] long? from, [FromQuery] long? to, IDocumentStore store, CancellationToken cancellation)
    {
        var errors = new Dictionary<string, string[]>();
        if (from is < 1) errors["from"] = ["from is a sequence number, 1 or more."];
        if (to is < 1) errors["to"] = ["to is a sequence number, 1 or more."];
        if (from > to) errors["to"] = ["to must not be before from."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();

        return Results.Ok(await new ChainVerifier(store).VerifyAsync(from, to, null, cancellation));
    }
}
