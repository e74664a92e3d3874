using System.Text.Json;
using System.Text.RegularExpressions;

namespace TimeBank.People;

/// <summary>Checks shared by the registrations. Each adds at most one message per field, under the JSON name.</summary>
public static partial class PersonFields
{
    public const int MaxNameLength = 50;
    public const int MaxAddressPartLength = 100;

    [GeneratedRegex(@"^1[3-9]\d{9}$")]
    private static partial Regex Mobile();

    /// <summary>A fixed line: 7 or 8 digits, optionally after a 3- or 4-digit area code and a hyphen (022-12345678).</summary>
    [GeneratedRegex(@"^(0\d{2,3}-?)?\d{7,8}$")]
    private static partial Regex Landline();

    public static LocalDate Today(IClock clock, TimeBankOptions options) =>
        clock.GetCurrentInstant().InZone(DateTimeZoneProviders.Tzdb[options.DefaultTimeZone]).Date;

    public static bool IsPhone(string value) => Mobile().IsMatch(value) || Landline().IsMatch(value);

    public static void Name(Dictionary<string, string[]> errors, string field, string? value)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxNameLength)
            errors[field] = [$"A name of 1 to {MaxNameLength} characters is required."];
    }

    /// <summary>An optional phone may be absent or blank.</summary>
    public static void Phone(Dictionary<string, string[]> errors, string field, string? value, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value) && !required) return;
        if (!IsPhone(value?.Trim() ?? ""))
            errors[field] = ["A mainland mobile number (11 digits, 1[3-9]…) or a fixed line such as 022-12345678 is required."];
    }

    public const int MaxAddressLength = 200;

    /// <summary>The optional address line (门牌地址): kept only as a keyed hash, to find volunteers serving at their own address.</summary>
    public static void Address(Dictionary<string, string[]> errors, string? value)
    {
        if (value is not null && value.Trim().Length is 0 or > MaxAddressLength)
            errors["address"] = [$"address, when given, is 1 to {MaxAddressLength} characters."];
    }

    public static void AddressParts(Dictionary<string, string[]> errors, string? district, string? street, string? community)
    {
        AddressPart(errors, "district", "district (区)", district);
        AddressPart(errors, "street", "street or township (街道／乡镇)", street);
        AddressPart(errors, "community", "community or village (社区／村)", community);
    }

    private static void AddressPart(Dictionary<string, string[]> errors, string field, string what, string? value)
    {
        var trimmed = value?.Trim() ?? "";
        if (trimmed.Length is 0 or > MaxAddressPartLength)
            errors[field] = [$"The {what} is required, 1 to {MaxAddressPartLength} characters."];
    }

    /// <summary>Parses the number and checks its birth date against today; null when it was refused.</summary>
    public static ResidentIdNumber? IdNumber(Dictionary<string, string[]> errors, string? value, LocalDate today)
    {
        var idNumber = ResidentIdNumber.TryParse(value, out var error);
        if (idNumber is not null && idNumber.BirthDate > today) error = "The birth date in the number is in the future.";
        if (error is null) return idNumber;

        errors["idNumber"] = [error];
        return null;
    }

    public static T? OneOf<T>(Dictionary<string, string[]> errors, string field, string? value, bool required = true) where T : struct, Enum
    {
        if (value is null && !required) return null;
        if (TryParse<T>(value, out var parsed)) return parsed;
        errors[field] = [$"Must be one of: {string.Join(", ", Names<T>())}."];
        return null;
    }

    /// <summary>Enum values by their JSON (kebab-case) names, the way responses and stored documents spell them.</summary>
    public static bool TryParse<T>(string? value, out T parsed) where T : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<T>())
        {
            if (JsonName(candidate) == value)
            {
                parsed = candidate;
                return true;
            }
        }
        parsed = default;
        return false;
    }

    public static IEnumerable<string> Names<T>() where T : struct, Enum => Enum.GetValues<T>().Select(JsonName);

    public static string JsonName<T>(T value) where T : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());
}
