using Marten.Pagination;

namespace TimeBank.Hosting;

/// <summary>One page of a list, newest or first by the list's own order, with how many there are in all.</summary>
public sealed record Page<T>(int PageNumber, int PageSize, long TotalItems, long TotalPages, IReadOnlyList<T> Items)
{
    public static Page<T> Of<TSource>(IPagedList<TSource> page, Func<TSource, T> view) =>
        new((int)page.PageNumber, (int)page.PageSize, page.TotalItemCount, page.PageCount, page.Select(view).ToList());
}

/// <summary>The page and pageSize query parameters every list takes.</summary>
public static class Paging
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 200;

    public const int MaxPage = 1_000_000;

    /// <summary>Adds a message per bad parameter to <paramref name="errors"/>; returns the page and size to read.</summary>
    public static (int Page, int PageSize) Read(int? page, int? pageSize, IDictionary<string, string[]> errors, int maxPageSize = MaxPageSize)
    {
        if (page is < 1 or > MaxPage) errors["page"] = [$"page is a whole number from 1 to {MaxPage}."];
        if (pageSize is < 1 || pageSize > maxPageSize) errors["pageSize"] = [$"pageSize is a whole number from 1 to {maxPageSize}."];
        return (page ?? 1, pageSize ?? DefaultPageSize);
    }
}
