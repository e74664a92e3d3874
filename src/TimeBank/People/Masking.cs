namespace TimeBank.People;

/// <summary>How personal numbers are shown to roles that do not need them in full (ledger principle 9).</summary>
public static class Masking
{
    /// <summary>Region code and the last four: 120101********1234.</summary>
    public static string IdNumber(string value) => Mask(value, keepStart: 6, keepEnd: 4);

    /// <summary>Carrier prefix and the last four: 138****5678.</summary>
    public static string Phone(string value) => Mask(value, keepStart: 3, keepEnd: 4);

    /// <summary>The family name and the last character, for kiosk screens: 张*明, 欧**明, 张*.</summary>
    public static string Name(string value)
    {
        var letters = System.Globalization.StringInfo.GetTextElementEnumerator(value.Trim());
        var elements = new List<string>();
        while (letters.MoveNext()) elements.Add((string)letters.Current);
        return elements.Count switch
        {
            0 => "",
            1 => "*",
            2 => elements[0] + "*",
            _ => elements[0] + new string('*', elements.Count - 2) + elements[^1]
        };
    }

    public static string Mask(string value, int keepStart, int keepEnd) =>
        value.Length <= keepStart + keepEnd
            ? new string('*', value.Length)
            : string.Concat(value.AsSpan(0, keepStart), new string('*', value.Length - keepStart - keepEnd), value.AsSpan(value.Length - keepEnd));
}
