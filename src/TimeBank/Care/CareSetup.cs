using JasperFx.Events.Projections;
using TimeBank.Care.Alerts;
using TimeBank.Care.Actions;
using TimeBank.Care.Coverage;
using TimeBank.Care.Files;
using TimeBank.Care.Pairing;
using TimeBank.Care.Visits;
using TimeBank.People;
using TimeBank.People.Granting;

namespace TimeBank.Care;

public sealed class CareOptions
{
    public const string Section = "TimeBank:Care";

    /// <summary>The zone whose calendar months and quarters the visit rules count in.</summary>
    public string TimeZone { get; set; } = "Asia/Shanghai";

    /// <summary>How often an elder's care file must be reviewed (每半年动态更新).</summary>
    public int ReviewEveryMonths { get; set; } = 6;

    /// <summary>How many active pairings one volunteer may hold.</summary>
    public int MaxActivePairings { get; set; } = 5;

    public DateTimeZone Zone => DateTimeZoneProviders.Tzdb[TimeZone];

    public IEnumerable<string> Problems() => Settings.Found(
        Settings.Zone($"{Section}:TimeZone", TimeZone),
        Settings.Between($"{Section}:ReviewEveryMonths", ReviewEveryMonths, 1, 60),
        Settings.Between($"{Section}:MaxActivePairings", MaxActivePairings, 1, 100));
}

public sealed class NotificationOptions
{
    public const string Section = "TimeBank:Notifications";

    /// <summary>Where alert notifications are POSTed as JSON; none: alerts wait in the open list for staff to phone.</summary>
    public string? WebhookUrl { get; set; }

    /// <summary>Seconds between attempts, comma-separated; after the last the notification goes to the dead-letter queue.</summary>
    public string RetryDelaysSeconds { get; set; } = "5,30,120,600,1800";

    /// <summary>Wolverine keeps at most 25 attempts; more delays than that are cut.</summary>
    public IReadOnlyList<TimeSpan> RetryDelays =>
        Settings.CommaSeparated(RetryDelaysSeconds).Select(Seconds).OfType<double>().Select(TimeSpan.FromSeconds).Take(24).ToList();

    public const int LongestRetryDelaySeconds = 86_400;

    private static double? Seconds(string entry) =>
        double.TryParse(entry, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            ? seconds
            : null;

    public IEnumerable<string> Problems()
    {
        if (WebhookUrl is not null && !(Uri.TryCreate(WebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            yield return $"{Section}:WebhookUrl must be an absolute http or https address (is '{WebhookUrl}').";
        foreach (var delay in Settings.CommaSeparated(RetryDelaysSeconds))
        {
            if (Seconds(delay) is not { } seconds || seconds is < 0 or > LongestRetryDelaySeconds)
                yield return $"{Section}:RetryDelaysSeconds must list seconds from 0 to {LongestRetryDelaySeconds}, comma-separated (has '{delay}').";
        }
    }
}

public static class CareSetup
{
    public static IServiceCollection AddCare(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<CareOptions>(configuration.GetSection(CareOptions.Section));
        services.Configure<NotificationOptions>(configuration.GetSection(NotificationOptions.Section));
        services.AddHttpClient(AlertNotificationHandler.ClientName, client => client.Timeout = TimeSpan.FromSeconds(10));
        return services;
    }

    public static StoreOptions AddCare(this StoreOptions opts)
    {
        opts.InlineSnapshot<CareFile>().Duplicate(f => f.District).Duplicate(f => f.ElderId);
        opts.InlineSnapshot<CareVisit>().Duplicate(v => v.ElderId);
        opts.InlineSnapshot<CareAction>().Duplicate(a => a.ElderId);
        opts.InlineSnapshot<CareAlert>().Duplicate(a => a.District);
        opts.InlineSnapshot<PairingRoster>();
        opts.Projections.Add<PairingProjection>(ProjectionLifecycle.Inline);
        opts.Schema.For<Pairing.Pairing>().Duplicate(p => p.VolunteerId).Duplicate(p => p.ElderId);
        opts.InlineSnapshot<HeightenedPeriod>();
        opts.Projections.Add<CareMonthProjection>(ProjectionLifecycle.Async);
        opts.Projections.Add<ElderCareSummaryProjection>(ProjectionLifecycle.Async);
        opts.Schema.For<CareMonth>().Duplicate(m => m.Month);
        return opts;
    }
}

/// <summary>
/// Who may touch an elder's care: an admin anyone's; an auditor reads everyone's; a care worker the elders of the
/// districts its key serves; a platform the elders it registered or that granted it access.
/// </summary>
public static class CareAccess
{
    public static Refusal? MayCareFor(Caller caller, Elder elder, bool granted) => caller.Role switch
    {
        Roles.Admin or Roles.Auditor or Scopes.SystemKeyId => null,
        Roles.CareWorker when caller.ServesDistrict(elder.District) => null,
        Roles.CareWorker => new NotPermitted("This key does not serve that elder's district.",
            $"Elder {elder.Id} lives in {elder.District}; this care-worker key serves {string.Join(", ", caller.Districts)}."),
        Roles.Platform when elder.RegisteredBy == caller.KeyId || granted => null,
        _ => new NotPermitted("This key may not act for that elder.",
            $"Elder {elder.Id} was registered by another platform and has not granted this key access (POST /api/people/{elder.Id}/grants).")
    };

    /// <summary>The elder and whether the caller holds a grant for them, in one round trip.</summary>
    public static async Task<(Elder? Elder, bool Granted)> ReadElderAsync(IQuerySession session, Guid elderId, Caller caller, CancellationToken cancellation = default)
    {
        var batch = session.CreateBatchQuery();
        var elder = batch.Load<Elder>(elderId);
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(elderId, caller.KeyId));
        await batch.Execute(cancellation);
        return (await elder, (await grant)?.Active == true);
    }

    /// <summary>The elder if the caller may care for them; else the answer to give.</summary>
    public static async Task<(Elder? Elder, IResult? Refused)> ElderForAsync(IQuerySession session, Guid elderId, Caller caller, CancellationToken cancellation)
    {
        var (elder, granted) = await ReadElderAsync(session, elderId, caller, cancellation);
        if (elder is null) return (null, Problems.NotFound("Elder", elderId).ToResult());
        return MayCareFor(caller, elder, granted) is { } refusal ? (null, Problems.For(refusal).ToResult()) : (elder, null);
    }
}

/// <summary>An elder's care history (visits, actions), one page at a time, for callers who may see the elder.</summary>
public static class ElderHistory
{
    public static async Task<IResult> PageAsync<TDoc, TView>(Guid elderId, int? page, int? pageSize, IQuerySession session, HttpContext context,
        Func<IQuerySession, IQueryable<TDoc>> newestFirst, Func<TDoc, TView> view)
    {
        var errors = new Dictionary<string, string[]>();
        var (number, size) = Paging.Read(page, pageSize, errors);
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var (_, refused) = await CareAccess.ElderForAsync(session, elderId, context.Caller(), context.RequestAborted);
        if (refused is not null) return refused;
        var found = await Marten.Pagination.PagedListQueryableExtensions.ToPagedListAsync(newestFirst(session), number, size, context.RequestAborted);
        return Results.Ok(Page<TView>.Of(found, view));
    }
}

/// <summary>The area filters the care lists take, checked once.</summary>
public sealed record CareArea(string? District, string? Street, string? Community)
{
    public static CareArea Read(string? district, string? street, string? community, IDictionary<string, string[]> errors)
    {
        string? Part(string name, string? value)
        {
            if (value is null) return null;
            var trimmed = value.Trim();
            if (trimmed.Length is 0 or > PersonFields.MaxAddressPartLength) errors[name] = [$"{name}, when given, is 1 to {PersonFields.MaxAddressPartLength} characters."];
            return trimmed;
        }
        return new CareArea(Part("district", district), Part("street", street), Part("community", community));
    }

    /// <summary>Elders of the area that the caller may see: a district-scoped key's districts, a platform's own elders.</summary>
    public IQueryable<Elder> Elders(IQuerySession session, Caller caller)
    {
        var query = session.Query<Elder>().AsQueryable();
        if (District is { } d) query = query.Where(e => e.District == d);
        if (Street is { } s) query = query.Where(e => e.Street == s);
        if (Community is { } c) query = query.Where(e => e.Community == c);
        if (Scopes.DistrictsOf(caller) is { } districts) query = query.Where(e => e.District.IsOneOf(districts));
        if (caller.Role == Roles.Platform)
        {
            var key = caller.KeyId;
            query = query.Where(e => e.RegisteredBy == key);
        }
        return query;
    }

    public bool Holds(string district, string street, string community, Caller caller) =>
        (District is null || District == district) && (Street is null || Street == street) && (Community is null || Community == community)
        && (caller.Role != Roles.CareWorker || caller.ServesDistrict(district));
}
