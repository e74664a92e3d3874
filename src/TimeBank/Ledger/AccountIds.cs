namespace TimeBank.Ledger;

public static class AccountIds
{
    public const string Description = "A person's id (their time account) or 'public-pool'.";

    /// <summary>The account a request field names, or null with the field added to <paramref name="errors"/>.</summary>
    public static Guid? Check(IDictionary<string, string[]> errors, string field, string? value)
    {
        if (SystemAccounts.TryParse(value, out var account)) return account;
        errors[field] = [Description];
        return null;
    }

    public static IResult? TryParse(string value, out Guid account) =>
        SystemAccounts.TryParse(value, out account)
            ? null
            : Problems.NotFound("Account", value).ToResult();
}
