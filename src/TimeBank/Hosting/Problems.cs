namespace TimeBank.Hosting;

/// <summary>The stable problem types (RFC 9457) that clients can code against.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:timebank:problem:";

    public static class Types
    {
        public const string Validation = TypePrefix + "validation";
        public const string NotFound = TypePrefix + "not-found";
        public const string Unauthorized = TypePrefix + "unauthorized";
        public const string Forbidden = TypePrefix + "forbidden";
        public const string Conflict = TypePrefix + "concurrency-conflict";
        public const string IdempotencyMismatch = TypePrefix + "idempotency-key-reused";
        public const string DuplicatePerson = TypePrefix + "duplicate-person";
        public const string UnknownReference = TypePrefix + "unknown-reference";
        public const string OverlappingService = TypePrefix + "overlapping-service";
        public const string SelfService = TypePrefix + "self-service";
        public const string TooYoungToServe = TypePrefix + "too-young-to-serve";
        public const string AlreadyReversed = TypePrefix + "already-reversed";
        public const string InsufficientBalance = TypePrefix + "insufficient-balance";
        public const string InsufficientPoints = TypePrefix + "insufficient-points";
        public const string InsufficientStock = TypePrefix + "insufficient-stock";
        public const string MistypedMemberCode = TypePrefix + "mistyped-member-code";
        public const string RedemptionNotHeld = TypePrefix + "redemption-not-held";
        public const string NotYetChained = TypePrefix + "not-yet-chained";
        public const string ChainBroken = TypePrefix + "chain-broken";
        public const string Internal = TypePrefix + "internal";
        public const string Unavailable = TypePrefix + "unavailable";
        public const string TooManyRequests = TypePrefix + "too-many-requests";
        public const string SlotsTaken = TypePrefix + "slots-taken";
        public const string WindowOver = TypePrefix + "window-over";
        public const string WindowStarted = TypePrefix + "window-started";
        public const string AlreadyClaimed = TypePrefix + "already-claimed";
        public const string OverlappingClaim = TypePrefix + "overlapping-claim";
        public const string NotClaimed = TypePrefix + "not-claimed";
        public const string AlreadyRated = TypePrefix + "already-rated";
        public const string AlreadyResolved = TypePrefix + "already-resolved";
        public const string OutsideWindow = TypePrefix + "outside-window";
        public const string AlreadyClosed = TypePrefix + "already-closed";
        public const string TooManyPairings = TypePrefix + "too-many-pairings";
        public const string AlreadyPaired = TypePrefix + "already-paired";
        public const string AlreadyEnded = TypePrefix + "already-ended";
        public const string NotEligible = TypePrefix + "not-eligible";
        public const string MalformedRequest = TypePrefix + "malformed-request";
    }

    public static ProblemDetails Validation(IDictionary<string, string[]> errors) =>
        new HttpValidationProblemDetails(errors)
        {
            Type = Types.Validation,
            Title = "The request is invalid.",
            Status = StatusCodes.Status400BadRequest,
            Detail = "See errors for each invalid field. Nothing was written."
        };

    /// <summary>What a request validation returns: carry on when nothing is wrong, else the problem naming each bad field.</summary>
    public static ProblemDetails Validate(IDictionary<string, string[]> errors) =>
        errors.Count == 0 ? Wolverine.Http.WolverineContinue.NoProblems : Validation(errors);

    public static ProblemDetails Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });

    public static ProblemDetails NotFound(string what, object id) => new()
    {
        Type = Types.NotFound,
        Title = $"{what} not found.",
        Status = StatusCodes.Status404NotFound,
        Detail = $"No {what.ToLowerInvariant()} has id '{id}'."
    };

    public static ProblemDetails Refusal(string type, int status, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        var problem = new ProblemDetails { Type = type, Title = title, Status = status, Detail = detail };
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        return problem;
    }

    public static ProblemDetails ConcurrencyConflict() => Refusal(
        Types.Conflict, StatusCodes.Status409Conflict,
        "The account changed while the request was processed.",
        "Another request moved value on the same account at the same time. Retry the request with the same idempotency key.");

    /// <summary>The one place a domain refusal becomes a problem document and a status.</summary>
    public static ProblemDetails For(TimeBank.Refusal refusal) => refusal switch
    {
        TimeBank.NotFound r => NotFound(r.What, r.Id),
        UnknownReferences r => Refusal(Types.UnknownReference, StatusCodes.Status422UnprocessableEntity, r.Title, r.Detail,
            new Dictionary<string, object?> { ["errors"] = r.Fields }),
        NotEnoughMinutes r => Refusal(Types.InsufficientBalance, StatusCodes.Status409Conflict,
            "Not enough available minutes.",
            $"Account {r.Account} has {r.Available} available minutes; {r.Requested} were asked for, {r.Requested - r.Available} short.",
            new Dictionary<string, object?>
            {
                ["accountId"] = r.Account, ["requestedMinutes"] = r.Requested, ["availableMinutes"] = r.Available,
                ["shortfallMinutes"] = r.Requested - r.Available
            }),
        NotEnoughPoints r => Refusal(Types.InsufficientPoints, StatusCodes.Status409Conflict,
            "Not enough points.",
            $"Account {r.Account} has {r.Available} points; {r.Requested} were asked for, {r.Requested - r.Available} short.",
            PointsShortfall(r)),
        NotEnoughStock r => Refusal(Types.InsufficientStock, StatusCodes.Status409Conflict, r.Title,
            string.Join(" ", r.Shortages.Select(s => $"{s.Sku} ({s.Name}): {s.Requested} asked for, {s.Available} in stock, {s.Shortfall} short.")),
            new Dictionary<string, object?>(r.AlsoShortOfPoints is { } points ? PointsShortfall(points) : [])
            {
                ["shortItems"] = r.Shortages
            }),
        OverlappingService r => Refusal(Types.OverlappingService, StatusCodes.Status409Conflict,
            "The volunteer already has a credited service in that period.",
            $"The period overlaps credited record {r.OverlappedRecordId}.",
            new Dictionary<string, object?> { ["overlappingRecordId"] = r.OverlappedRecordId }),
        SelfService => Refusal(Types.SelfService, StatusCodes.Status422UnprocessableEntity,
            "A volunteer cannot bank time for serving themself.",
            "The volunteer and the elder are the same person."),
        TooYoungToServe r => Refusal(Types.TooYoungToServe, StatusCodes.Status422UnprocessableEntity,
            "The volunteer was too young to serve then.",
            $"Volunteer {r.VolunteerId} may be credited for services from {r.MayServeFrom:yyyy-MM-dd}, their tenth birthday.",
            new Dictionary<string, object?>
            {
                ["errors"] = new Dictionary<string, string[]> { ["startedAt"] = [$"Before the volunteer's tenth birthday ({r.MayServeFrom:yyyy-MM-dd})."] }
            }),
        AlreadyReversed r => Refusal(Types.AlreadyReversed, StatusCodes.Status409Conflict,
            "The service record is already reversed.",
            $"Service record {r.RecordId} was reversed at {r.ReversedAt}."),
        RedemptionNotHeld r => Refusal(Types.RedemptionNotHeld, StatusCodes.Status409Conflict,
            "The redemption is no longer held.",
            $"Redemption {r.RedemptionId} is {Kebab(r.Status)}; only a held redemption can be {Kebab(r.Wanted)}.",
            new Dictionary<string, object?> { ["redemptionStatus"] = Kebab(r.Status) }),
        NotPermitted r => Refusal(Types.Forbidden, StatusCodes.Status403Forbidden, r.Title, r.Detail),
        KeyReused r => Refusal(Types.IdempotencyMismatch, StatusCodes.Status409Conflict,
            "The idempotency key was already used with a different request.",
            $"Key '{r.Key}' was first used with another body. Use a new key for a new request."),
        AlreadyRegistered r => Refusal(Types.DuplicatePerson, StatusCodes.Status409Conflict,
            $"This person is already registered as {r.As}.",
            $"The identity number belongs to {r.As} {r.ExistingId}. Use that id; nothing was written.",
            new Dictionary<string, object?> { ["existingId"] = r.ExistingId }),
        SlotsTaken r => Refusal(Types.SlotsTaken, StatusCodes.Status409Conflict, "Every slot of this service request is claimed.",
            $"Service request {r.RequestId} needs {r.Slots} volunteers and has them all."),
        WindowOver r => Refusal(Types.WindowOver, StatusCodes.Status409Conflict, "The service request's window is over.",
            $"Service request {r.RequestId} ended at {r.EndedAt}."),
        WindowStarted r => Refusal(Types.WindowStarted, StatusCodes.Status409Conflict, "The service request's window has begun; the claim stands.",
            $"Service request {r.RequestId} started at {r.StartedAt}."),
        AlreadyClaimed r => Refusal(Types.AlreadyClaimed, StatusCodes.Status409Conflict, "The volunteer has claimed this request already.",
            $"Volunteer {r.VolunteerId} holds a slot of service request {r.RequestId}."),
        OverlappingClaim r => Refusal(Types.OverlappingClaim, StatusCodes.Status409Conflict, "The volunteer has claimed another request in the same time.",
            $"Service request {r.OtherRequestId} overlaps this window.", new Dictionary<string, object?> { ["overlappingRequestId"] = r.OtherRequestId }),
        FlagDecidedAlready r => Refusal(Types.AlreadyResolved, StatusCodes.Status409Conflict, "The flag is decided already.",
            $"Integrity flag {r.FlagId} was decided as {r.Decision}."),
        ComplaintResolvedAlready r => Refusal(Types.AlreadyResolved, StatusCodes.Status409Conflict, "The complaint is resolved already.",
            $"Complaint {r.ComplaintId} was resolved as {r.Outcome.ToLowerInvariant()}."),
        AlreadyRated r => Refusal(Types.AlreadyRated, StatusCodes.Status409Conflict, "This record has been rated by that kind of rater already.",
            $"Service record {r.RecordId} has a rating by the {r.RatedBy.ToLowerInvariant()}; each kind of rater rates a record once."),
        NotClaimed r => Refusal(Types.NotClaimed, StatusCodes.Status409Conflict, "Only a volunteer holding a claim completes the request.",
            $"Volunteer {r.VolunteerId} holds no claim on service request {r.RequestId}."),
        OutsideWindow r => Refusal(Types.OutsideWindow, StatusCodes.Status422UnprocessableEntity, "The service lies too far outside the request's window.",
            $"A completion of service request {r.RequestId} starts at or after {r.EarliestStart} and ends by {r.LatestEnd}.",
            new Dictionary<string, object?> { ["earliestStart"] = r.EarliestStart, ["latestEnd"] = r.LatestEnd }),
        AlertClosedAlready r => Refusal(Types.AlreadyClosed, StatusCodes.Status409Conflict, "The alert is closed already.",
            $"Alert {r.AlertId} was closed at {r.ClosedAt}; its handling is recorded."),
        TooManyPairings r => Refusal(Types.TooManyPairings, StatusCodes.Status409Conflict, "The volunteer holds as many pairings as allowed.",
            $"Volunteer {r.VolunteerId} has {r.Max} active pairings (TimeBank__Care__MaxActivePairings); end one first.",
            new Dictionary<string, object?> { ["maxActivePairings"] = r.Max }),
        AlreadyPaired r => Refusal(Types.AlreadyPaired, StatusCodes.Status409Conflict, "The volunteer and the elder are paired already.",
            $"Pairing {r.PairingId} is active.", new Dictionary<string, object?> { ["existingId"] = r.PairingId }),
        PairingEndedAlready r => Refusal(Types.AlreadyEnded, StatusCodes.Status409Conflict, "The pairing has ended already.",
            $"Pairing {r.PairingId} ended on {r.EndedOn:yyyy-MM-dd}."),
        NotEligible r => Refusal(Types.NotEligible, StatusCodes.Status422UnprocessableEntity, r.Title,
            string.Join(" ", r.Fields.SelectMany(f => f.Value)), new Dictionary<string, object?> { ["errors"] = r.Fields }),
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "A refusal without a problem type.")
    };

    private static Dictionary<string, object?> PointsShortfall(NotEnoughPoints r) => new()
    {
        ["accountId"] = r.Account, ["requestedPoints"] = r.Requested, ["availablePoints"] = r.Available,
        ["shortfallPoints"] = r.Requested - r.Available
    };

    private static string Kebab<TEnum>(TEnum value) where TEnum : struct, Enum =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>The extension member that names the request in the service's traces and logs.</summary>
    public const string TraceIdMember = "traceId";

    /// <summary>
    /// Every problem the service writes passes here: framework-made ones (unreadable bodies, unknown routes) get our
    /// stable types, each says which request it answers (its path and trace id, whichever part of the pipeline wrote it),
    /// and each is counted by type.
    /// </summary>
    public static void Normalize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        problem.Instance ??= context.HttpContext.Request.Path.Value;
        problem.Extensions.TryAdd(TraceIdMember, System.Diagnostics.Activity.Current?.Id ?? context.HttpContext.TraceIdentifier);
        if (UnreadableBody.Describe(problem) is { } field)
        {
            UnreadableBody.Log(context.HttpContext, field);
            problem.Title = "The request is invalid.";
            problem.Detail = "The body is not valid JSON for this request. See errors; nothing was written.";
            problem.Extensions.Remove("lineNumber");
            problem.Extensions.Remove("bytePositionInLine");
            problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [UnreadableBody.Message] };
        }
        if (problem.Type is null || !problem.Type.StartsWith(TypePrefix, StringComparison.Ordinal))
        {
            problem.Type = problem.Status switch
            {
                StatusCodes.Status400BadRequest => Types.Validation,
                StatusCodes.Status401Unauthorized => Types.Unauthorized,
                StatusCodes.Status403Forbidden => Types.Forbidden,
                StatusCodes.Status404NotFound => Types.NotFound,
                StatusCodes.Status409Conflict => Types.Conflict,
                _ => TypePrefix + "http-" + problem.Status
            };
        }
        Telemetry.Refused(problem.Type);
    }

    /// <summary>Writes a problem with the right content type and status.</summary>
    public static IResult ToResult(this ProblemDetails problem) =>
        Results.Problem(problem);
}
