namespace TimeBank.ServiceRecords;

/// <summary>
/// How many points a credited service earns (积分): <see cref="PointsPerHour"/>, or the rate of its service type,
/// times the minutes, rounded down to whole points per record.
/// </summary>
public sealed class PointsOptions
{
    public const string Section = "TimeBank:Points";
    public const int MaxPointsPerHour = 10_000;

    public int PointsPerHour { get; set; } = 10;

    /// <summary>Rates that differ from <see cref="PointsPerHour"/>, by service type code.</summary>
    public Dictionary<string, int> PerServiceType { get; set; } = new(StringComparer.Ordinal);

    public int RateFor(string serviceType) => PerServiceType.TryGetValue(serviceType, out var rate) ? rate : PointsPerHour;

    public int PointsFor(string serviceType, int minutes) => (int)((long)minutes * RateFor(serviceType) / 60);

    public IEnumerable<string> Problems()
    {
        if (PointsPerHour is < 0 or > MaxPointsPerHour)
            yield return $"{Section}:PointsPerHour must be between 0 and {MaxPointsPerHour}.";
        foreach (var (type, rate) in PerServiceType)
        {
            if (!ServiceTypes.IsKnown(type)) yield return $"{Section}:PerServiceType names an unknown service type '{type}'.";
            if (rate is < 0 or > MaxPointsPerHour) yield return $"{Section}:PerServiceType:{type} must be between 0 and {MaxPointsPerHour}.";
        }
    }
}
