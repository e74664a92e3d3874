namespace TimeBank.Ledger;

public static class AccountIds
{
    public const string Description = "A person's id (their time account) or 'public-pool'.";

    public static IResult? TryParse(string value, out Guid account) =>
        SystemAccounts.TryParse(value, out account)
            ? null
            : Problems.NotFound("Account", value).ToResult();
}
