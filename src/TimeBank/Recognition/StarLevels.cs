using System.ComponentModel.DataAnnotations;
using System.Globalization;
using JasperFx.Events;
using JasperFx.Events.Projections;
using Microsoft.Extensions.Options;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;

namespace TimeBank.Recognition;

public sealed class RecognitionOptions
{
    public const string Section = "TimeBank:Recognition";

    private const string DefaultStarHours = "100,300,600,1000,1500";
    private string _starHours = DefaultStarHours;

    /// <summary>Lifetime service hours (net of reversals) for each star, comma-separated (星级志愿者).</summary>
    public string StarHours
    {
        get => _starHours;
        set
        {
            _starHours = value;
            Thresholds = Parse(value);
        }
    }

    /// <summary>The body named on service certificates (证明出具单位).</summary>
    public string IssuingBody { get; set; } = "时间银行志愿服务管理中心";

    /// <summary><see cref="StarHours"/> read once, lowest first.</summary>
    public IReadOnlyList<int> Thresholds { get; private set; } = Parse(DefaultStarHours);

    public const int Stars = 5;
    public const int MaxStarHours = 100_000;
    public const int MaxIssuingBody = 100;

    // Lenient, so that binding never throws: Problems() refuses at start what is not a whole number (read as -1).
    private static IReadOnlyList<int> Parse(string? hours) => Entries(hours).Order().ToList();

    private static List<int> Entries(string? hours) => Settings.CommaSeparated(hours)
        .Select(h => int.TryParse(h, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1).ToList();

    public IEnumerable<string> Problems()
    {
        var hours = Entries(StarHours);
        if (hours.Count is < 1 or > Stars || hours.Any(h => h is < 1 or > MaxStarHours) || !hours.Zip(hours.Skip(1)).All(p => p.First < p.Second))
            yield return $"{Section}:StarHours must list 1 to {Stars} rising whole numbers of hours from 1 to {MaxStarHours}, comma-separated (is '{StarHours}').";
        if (string.IsNullOrWhiteSpace(IssuingBody) || IssuingBody.Length > MaxIssuingBody)
            yield return $"{Section}:IssuingBody must name the issuing body in 1 to {MaxIssuingBody} characters.";
    }
}

/// <param name="Level">Stars reached, 0 to 5.</param>
/// <param name="ServedHours">Lifetime credited service in whole hours, net of reversals.</param>
/// <param name="HoursToNext">Hours still to serve for the next star; null at the top.</param>
public sealed record StarLevel([property: Required] int Level, [property: Required] int ServedHours, int? HoursToNext)
{
    public static StarLevel Of(int servedMinutes, IReadOnlyList<int> thresholds)
    {
        var level = thresholds.Count(h => servedMinutes >= h * 60);
        int? toNext = level < thresholds.Count ? (int)Math.Ceiling((thresholds[level] * 60 - servedMinutes) / 60.0) : null;
        return new StarLevel(level, servedMinutes / 60, toNext);
    }
}

/// <summary>A volunteer reached a star level (星级志愿者).</summary>
public sealed record StarLevelReached(Guid VolunteerId, int Level, int ServedMinutes, Instant ReachedAt);

/// <summary>The levels a volunteer has reached, folded inline from a stream of their own.</summary>
public sealed record VolunteerRecognition
{
    public Guid Id { get; init; }
    public Guid VolunteerId { get; init; }
    public int HighestLevel { get; init; }
    public long Version { get; set; }

    public VolunteerRecognition Apply(StarLevelReached e) => this with { Id = IdFor(e.VolunteerId), VolunteerId = e.VolunteerId, HighestLevel = Math.Max(HighestLevel, e.Level) };

    public static Guid IdFor(Guid volunteerId) => NameBasedIds.For($"recognition:{volunteerId:N}");

    /// <summary>The levels <paramref name="now"/> adds to those reached before; none when it adds none.</summary>
    public static IEnumerable<int> NewLevels(int highestBefore, StarLevel now) => Enumerable.Range(highestBefore + 1, Math.Max(0, now.Level - highestBefore));
}

/// <summary>
/// Watches credited service off the write path (a <see cref="LedgerFolds"/> fold) and records each star level a volunteer
/// reaches as an event (so it is in the hash chain); a level reached stays reached, as a certificate would.
/// </summary>
public sealed class RecognitionFold(RecognitionOptions options) : ILedgerFold
{
    public IReadOnlyCollection<Type> EventTypes { get; } = [typeof(ServiceRecorded)];

    public string Name => "star-levels";

    public string FormerShard => "Recognition:All";

    public async Task FoldAsync(long foldedThrough, IReadOnlyList<IEvent> events, IDocumentOperations operations, KnownPeople people, CancellationToken cancellationToken)
    {
        if (events.Count == 0) return;
        var volunteers = events.Select(e => e.Data).OfType<ServiceRecorded>().Select(e => e.VolunteerId).Distinct().ToArray();
        await using var session = operations.DocumentStore.LightweightSession();
        var batch = session.CreateBatchQuery();
        var accounts = batch.Query<Account>().Where(a => a.Id.IsOneOf(volunteers)).Select(a => new Served(a.Id, a.ServedMinutes)).ToList();
        var recognitions = batch.LoadMany<VolunteerRecognition>().ById(volunteers.Select(VolunteerRecognition.IdFor).ToArray());
        await batch.Execute(cancellationToken);
        var reached = (await recognitions).ToDictionary(r => r.VolunteerId, r => r.HighestLevel);
        var at = Instant.FromDateTimeOffset(events[^1].Timestamp);
        foreach (var account in await accounts)
        {
            var levels = VolunteerRecognition.NewLevels(reached.GetValueOrDefault(account.Id), StarLevel.Of(account.ServedMinutes, options.Thresholds))
                .Select(level => (object)new StarLevelReached(account.Id, level, account.ServedMinutes, at)).ToArray();
            if (levels.Length > 0) session.Events.Append(VolunteerRecognition.IdFor(account.Id), levels);
        }
        await session.SaveChangesAsync(cancellationToken);
    }

    private sealed record Served(Guid Id, int ServedMinutes);
}

public static class RecognitionSetup
{
    public static IServiceCollection AddRecognition(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(RecognitionOptions.Section).Get<RecognitionOptions>() ?? new RecognitionOptions();
        services.AddSingleton(Options.Create(options));
        services.ConfigureMarten(opts =>
        {
            opts.InlineSnapshot<VolunteerRecognition>();
            opts.InlineSnapshot<Certificates.Certificate>().UniqueIndex(c => c.Number).UniqueIndex(c => c.VerificationCode);
        });
        return services.AddLedgerFold(new RecognitionFold(options));
    }
}
