using System.Security.Claims;

namespace TimeBank.People;

/// <summary>The protected fields of a person; each ciphertext is bound to its person and field name.</summary>
public static class ProtectedField
{
    public const string IdNumber = "idNumber";
    public const string Phone = "phone";
    public const string GuardianPhone = "guardian.phone";
    public const string EmergencyContactPhone = "emergencyContact.phone";

    public static string Protect(this PersonalData personalData, Guid personId, string field, string value) =>
        personalData.Protect(value, PersonalData.Field(personId, field));
}

/// <summary>Reveals protected fields to a caller: in full to admin, masked to every other role.</summary>
public sealed class Disclosure(PersonalData personalData, bool inFull)
{
    public static Disclosure For(ClaimsPrincipal caller, PersonalData personalData) =>
        new(personalData, caller.IsInRole(Roles.Admin));

    public string IdNumber(Guid personId, string protectedValue)
    {
        var value = personalData.Reveal(protectedValue, PersonalData.Field(personId, ProtectedField.IdNumber));
        return inFull ? value : Masking.IdNumber(value);
    }

    public string Phone(Guid personId, string field, string protectedValue)
    {
        var value = personalData.Reveal(protectedValue, PersonalData.Field(personId, field));
        return inFull ? value : Masking.Phone(value);
    }
}
