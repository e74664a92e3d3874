using System.ComponentModel.DataAnnotations;
using JasperFx.Events.Projections;
using Marten.Events.Projections;
using TimeBank.People;
using TimeBank.People.Granting;

namespace TimeBank.ServiceRecords.Rating;

/// <summary>Who rates a service (服务评价): the elder served, their family, or the coordinating organisation.</summary>
public enum RaterKind { Elder, Family, Coordinator }

/// <summary>A service rated once by one kind of rater. Its stream is named by the record and the rater kind.</summary>
/// <param name="OrganisationId">The organisation the volunteer served for, when the record completed a claim made for one.</param>
public sealed record ServiceRated(Guid RecordId, Guid VolunteerId, Guid ElderId, int Stars, string? Comment, RaterKind RatedBy, string RaterKeyId,
    Instant RatedAt, Guid? OrganisationId = null);

/// <param name="Stars">1 (poor) to 5 (excellent).</param>
/// <param name="RatedBy">elder, family or coordinator; each rates a record once.</param>
public sealed record RateServiceRequest([property: Required] int? Stars, string? Comment, [property: Required] [property: OneOf<RaterKind>] string? RatedBy);

public sealed record RateService(Guid RecordId, int Stars, string? Comment, RaterKind RatedBy);

public sealed record RatingView([property: Required] Guid ServiceRecordId, [property: Required] Guid VolunteerId, [property: Required] int Stars,
    string? Comment, [property: Required] RaterKind RatedBy, [property: Required] Instant RatedAt)
{
    public static RatingView Of(ServiceRated e) => new(e.RecordId, e.VolunteerId, e.Stars, e.Comment, e.RatedBy, e.RatedAt);
}

/// <summary>How a volunteer's (or, as <see cref="OrganisationRatingProjection"/> keeps it, an organisation's) services were rated, inline from every rating.</summary>
public sealed record VolunteerRating
{
    public Guid Id { get; init; }
    public int Count { get; init; }
    public int TotalStars { get; init; }
}

/// <param name="Count">Ratings received.</param>
/// <param name="Average">Mean stars, to two decimals; null before the first rating.</param>
public sealed record RatingSummary([property: Required] int Count, decimal? Average)
{
    public static readonly RatingSummary None = new(0, null);

    public static RatingSummary Of(VolunteerRating? rating) => Of(rating?.Count ?? 0, rating?.TotalStars ?? 0);

    public static RatingSummary Of(OrganisationRating? rating) => Of(rating?.Count ?? 0, rating?.TotalStars ?? 0);

    private static RatingSummary Of(int count, int totalStars) =>
        count > 0 ? new RatingSummary(count, Math.Round((decimal)totalStars / count, 2, MidpointRounding.AwayFromZero)) : None;
}

public sealed class VolunteerRatingProjection : ScreenedMultiStreamProjection<VolunteerRating>
{
    public VolunteerRatingProjection() => Identity<ServiceRated>(e => e.VolunteerId);

    public VolunteerRating Create(ServiceRated e) => new() { Id = e.VolunteerId, Count = 1, TotalStars = e.Stars };

    public VolunteerRating Apply(ServiceRated e, VolunteerRating r) => r with { Count = r.Count + 1, TotalStars = r.TotalStars + e.Stars };
}

/// <summary>The same sums for the organisation a rated service was claimed for.</summary>
public sealed record OrganisationRating
{
    public Guid Id { get; init; }
    public int Count { get; init; }
    public int TotalStars { get; init; }
}

public sealed class OrganisationRatingProjection : ScreenedMultiStreamProjection<OrganisationRating>
{
    public OrganisationRatingProjection() => Identities<ServiceRated>(e => e.OrganisationId is { } organisation ? [organisation] : []);

    public OrganisationRating Create(ServiceRated e) => new() { Id = e.OrganisationId!.Value, Count = 1, TotalStars = e.Stars };

    public OrganisationRating Apply(ServiceRated e, OrganisationRating r) => r with { Count = r.Count + 1, TotalStars = r.TotalStars + e.Stars };
}

public static class RatingsSetup
{
    public static StoreOptions AddRatings(this StoreOptions opts)
    {
        opts.Projections.Add<VolunteerRatingProjection>(ProjectionLifecycle.Inline);
        opts.Projections.Add<OrganisationRatingProjection>(ProjectionLifecycle.Inline);
        return opts;
    }
}

public static class RateServiceEndpoint
{
    public const int MaxComment = 500;

    public static ProblemDetails Validate(RateServiceRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Stars is not (>= 1 and <= 5)) errors["stars"] = ["stars is 1 to 5."];
        if (request.Comment is { Length: > MaxComment }) errors["comment"] = [$"The comment may hold at most {MaxComment} characters."];
        PersonFields.OneOf<RaterKind>(errors, "ratedBy", request.RatedBy);
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Rates a credited service (服务评价), once per record and kind of rater (a second rating by the same kind is a 409).
    /// By the platform that posted the record or one acting for the elder served, or an admin.
    /// </summary>
    [WolverinePost("/api/service-records/{id}/rating", OperationId = "RateService")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<RatingView>(StatusCodes.Status201Created)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, RateServiceRequest request, IMessageBus bus, HttpContext context)
    {
        PersonFields.TryParse<RaterKind>(request.RatedBy, out var kind);
        var comment = string.IsNullOrWhiteSpace(request.Comment) ? null : request.Comment.Trim();
        return (await bus.InvokeForRequestAsync(new RateService(id, request.Stars!.Value, comment, kind), context)).ToResult<RatingView>();
    }
}

public static class RateServiceHandler
{
    public static async Task<Outcome> Handle(RateService command, IDocumentSession session, IClock clock, Envelope envelope,
        CancellationToken cancellation)
    {
        var caller = Scopes.CallerOf(envelope);
        // Whose record it is never changes. A rating folds into its volunteer's and organisation's sums, which Marten reads
        // and writes back, so ratings of one volunteer take turns on the volunteer's account stream; that also makes a
        // reversal of the record wait for the rating, or show in the status read after the turn was taken.
        var known = await session.LoadAsync<ServiceRecord>(command.RecordId, cancellation);
        if (known is null) return new NotFound("Service record", command.RecordId.ToString());
        await StreamLocks.TakeAsync(session, known.VolunteerId, cancellation);
        var batch = session.CreateBatchQuery();
        var current = batch.Load<ServiceRecord>(command.RecordId);
        var elder = PersonScope.ReadAsync(batch, known.ElderId, caller.KeyId);
        var request = known.RequestId is { } requestId ? batch.Load<ServiceRequests.ServiceRequest>(requestId) : Task.FromResult<ServiceRequests.ServiceRequest?>(null);
        var streamId = StreamIdOf(command.RecordId, command.RatedBy);
        var earlier = batch.Events.FetchStreamState(streamId);
        await batch.Execute(cancellation);
        var record = (await current)!;

        var organisation = (await request)?.Claims.FirstOrDefault(c => c.VolunteerId == record.VolunteerId)?.OrganisationId;
        var decision = Decide(command, caller, record, await elder, await earlier is not null, clock.GetCurrentInstant(), organisation);
        if (decision.Refusal is { } refusal) return refusal;
        // Always after the volunteer's turn, so two ratings never wait for each other's in the opposite order.
        if (organisation is { } organisationId) await StreamLocks.TakeAsync(session, organisationId, cancellation);
        // A new stream: the same record and rater kind rated at once on two nodes collide on its id, and one is refused.
        session.Events.StartStream<RatingStream>(streamId, decision.Events);
        return Outcome.New(RatingView.Of(decision.Events));
    }

    public static Guid StreamIdOf(Guid record, RaterKind kind) => NameBasedIds.For($"service-rating:{record:N}:{kind}");

    /// <summary>The rating, unless that kind of rater rated the record already, it was reversed, or the caller neither posted it nor acts for the elder.</summary>
    public static Decision<ServiceRated> Decide(RateService command, Caller caller, ServiceRecord record, PersonScope elder, bool alreadyRated, Instant now,
        Guid? organisation = null)
    {
        if (record.PlatformKeyId != caller.KeyId && Scopes.MayActFor(caller, record.ElderId, elder) is { } notPermitted) return notPermitted;
        if (alreadyRated) return new AlreadyRated(record.Id, command.RatedBy.ToString());
        if (record.Status == ServiceRecordStatus.Reversed) return new AlreadyReversed(record.Id, record.ReversedAt);
        return new ServiceRated(record.Id, record.VolunteerId, record.ElderId, command.Stars, command.Comment, command.RatedBy, caller.KeyId, now, organisation);
    }
}

/// <summary>The stream type of ratings: one event, so the stream exists or not.</summary>
public sealed record RatingStream
{
    public Guid Id { get; init; }
}
