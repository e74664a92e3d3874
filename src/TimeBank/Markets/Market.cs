using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace TimeBank.Markets;

/// <summary>A love market (爱心超市) opens in a community; its id is its stream's id.</summary>
public sealed record MarketOpened(Guid MarketId, string Name, string District, string Street, string Community, Instant OpenedAt);

/// <summary>A market folded from its stream, inline.</summary>
public sealed record Market
{
    public Guid Id { get; init; }
    public string Name { get; init; } = "";
    public string District { get; init; } = "";
    public string Street { get; init; } = "";
    public string Community { get; init; } = "";
    public Instant OpenedAt { get; init; }
    public long Version { get; set; }

    public Market Apply(MarketOpened e) => this with
    {
        Id = e.MarketId,
        Name = e.Name,
        District = e.District,
        Street = e.Street,
        Community = e.Community,
        OpenedAt = e.OpenedAt
    };
}

public sealed record MarketView(Guid Id, string Name, string District, string Street, string Community, Instant OpenedAt)
{
    public static MarketView Of(Market m) => new(m.Id, m.Name, m.District, m.Street, m.Community, m.OpenedAt);
}

public static partial class Skus
{
    public const string Description = "1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit.";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")]
    private static partial Regex Pattern();

    public static bool IsValid(string? sku) => sku is not null && Pattern().IsMatch(sku);

    /// <summary>Each catalogue item is a stream of its own, with an id derived from its market and SKU.</summary>
    public static Guid StreamId(Guid marketId, string sku)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"timebank/market-item/v1:{marketId:N}:{sku}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}

/// <summary>Kiosk keys are scoped to one market; admin (and auditors where they may read) see every market.</summary>
public static class MarketAccess
{
    private const string NoMarket = "The key is not scoped to any market; issue a kiosk key with a marketId.";

    public static ProblemDetails? Refuse(Caller caller, Guid marketId) =>
        caller.Role == Roles.Kiosk && caller.MarketId != marketId
            ? Problems.Refusal(Problems.Types.Forbidden, StatusCodes.Status403Forbidden,
                "This kiosk key serves another market.",
                caller.MarketId is { } own
                    ? $"The key is scoped to market {own}; it may not act on market {marketId}."
                    : NoMarket)
            : null;

    /// <summary>A kiosk key from before every kiosk key named its market serves no counter, so it looks no member up either.</summary>
    public static ProblemDetails? RefuseUnscoped(Caller caller) =>
        caller is { Role: Roles.Kiosk, MarketId: null }
            ? Problems.Refusal(Problems.Types.Forbidden, StatusCodes.Status403Forbidden, "This kiosk key serves no market.", NoMarket)
            : null;
}

public sealed record StockShortage(string Sku, string Name, int Requested, int Available, int Shortfall);
