using System.Security.Cryptography;

namespace TimeBank.People;

/// <summary>
/// Member codes printed on cards (会员码): seven characters from an alphabet without look-alikes (no 0/O, 1/I/L)
/// and a check character. The alphabet has 31 characters, a prime, and the weights 8..1 are distinct, so the
/// weighted sum modulo 31 catches every single mistyped character and every swap of two characters.
/// </summary>
public static class MemberCodes
{
    public const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    public const int Length = 8;
    private const int Radix = 31;

    public sealed record Reading(string? Code, string? Problem)
    {
        public bool IsValid => Code is not null;
    }

    public static string New()
    {
        Span<char> code = stackalloc char[Length];
        for (var i = 0; i < Length - 1; i++) code[i] = Alphabet[RandomNumberGenerator.GetInt32(Radix)];
        code[Length - 1] = CheckCharacter(code[..(Length - 1)]);
        return new string(code);
    }

    public static char CheckCharacter(ReadOnlySpan<char> first7)
    {
        var sum = 0;
        for (var i = 0; i < Length - 1; i++) sum += (Length - i) * Alphabet.IndexOf(first7[i]);
        return Alphabet[(Radix - sum % Radix) % Radix];
    }

    /// <summary>Reads a typed or scanned code: case, spaces and hyphens do not matter. Says what is wrong with a mistyped one.</summary>
    public static Reading Read(string? typed)
    {
        var code = new string((typed ?? "").Where(c => c is not (' ' or '-')).ToArray()).ToUpperInvariant();
        if (code.Length != Length) return new(null, $"A member code has {Length} characters; '{code}' has {code.Length}.");

        var foreign = code.Select((c, i) => (c, i)).Where(x => !Alphabet.Contains(x.c)).ToList();
        if (foreign.Count > 0)
        {
            var where = string.Join(", ", foreign.Select(x => $"'{x.c}' at position {x.i + 1}"));
            return new(null, $"Member codes use only {Alphabet} (no 0, O, 1, I or L); the code has {where}.");
        }

        return code[Length - 1] == CheckCharacter(code.AsSpan(0, Length - 1))
            ? new(code, null)
            : new(null, $"The check character of '{code}' (position {Length}) does not match the other seven: the code was mistyped.");
    }
}

public static class MemberProblems
{
    public static Microsoft.AspNetCore.Mvc.ProblemDetails Mistyped(string typed, string problem, int status) => Hosting.Problems.Refusal(
        Hosting.Problems.Types.MistypedMemberCode, status,
        "The member code was mistyped.", problem,
        new Dictionary<string, object?> { ["memberCode"] = typed, ["errors"] = new Dictionary<string, string[]> { ["memberCode"] = [problem] } });

    public static Microsoft.AspNetCore.Mvc.ProblemDetails Unknown(string code, int status) => Hosting.Problems.Refusal(
        status == StatusCodes.Status404NotFound ? Hosting.Problems.Types.NotFound : Hosting.Problems.Types.UnknownReference, status,
        "No member has this code.", $"The code {code} is well formed but belongs to no member: check the card.",
        new Dictionary<string, object?> { ["memberCode"] = code, ["errors"] = new Dictionary<string, string[]> { ["memberCode"] = ["Unknown member code."] } });
}
