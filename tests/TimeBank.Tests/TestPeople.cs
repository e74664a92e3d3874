using System.Text.Json;
using Alba;
using NodaTime;

namespace TimeBank.Tests;

/// <summary>Builds valid PRC resident id numbers (GB 11643) and registers people through the API.</summary>
public static class TestPeople
{
    private static int _sequence = Random.Shared.Next(1, 900);

    public static string IdNumber(LocalDate birth, string region = "120101")
    {
        var serial = Interlocked.Increment(ref _sequence) % 1000;
        var body = $"{region}{birth:yyyyMMdd}{serial:D3}";
        return body + CheckCharacter(body);
    }

    public static char CheckCharacter(string first17)
    {
        int[] weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
        var sum = first17.Select((c, i) => (c - '0') * weights[i]).Sum();
        return "10X98765432"[sum % 11];
    }

    /// <summary>
    /// A random date in the given years. The test database outlives a run, so people registered with the
    /// default bodies must not run out of the 1000 serial numbers one birth date and region allow.
    /// </summary>
    public static LocalDate SomeBirthDate(int fromYear, int toYear)
    {
        var from = new LocalDate(fromYear, 1, 1);
        return from.PlusDays(Random.Shared.Next(Period.Between(from, new LocalDate(toYear, 12, 31), PeriodUnits.Days).Days + 1));
    }

    public static string Phone() => $"138{Random.Shared.Next(10000000, 99999999)}";

    public static object VolunteerBody(string? idNumber = null, LocalDate? birth = null) => new
    {
        fullName = "张晓明",
        idNumber = idNumber ?? IdNumber(birth ?? SomeBirthDate(1950, 1965)),
        phone = Phone(),
        programme = "senior",
        district = "和平区",
        street = "劝业场街道",
        community = "新津社区"
    };

    public static object ElderBody(string? idNumber = null) => new
    {
        fullName = "李秀英",
        idNumber = idNumber ?? IdNumber(SomeBirthDate(1930, 1945)),
        phone = Phone(),
        district = "和平区",
        street = "劝业场街道",
        community = "新津社区",
        categories = new[] { "living-alone" },
        emergencyContact = new { fullName = "李强", phone = Phone(), relation = "child" }
    };

    public static async Task<Guid> RegisterVolunteerAsync(this IAlbaHost host, string apiKey, string? idNumber = null)
        => await RegisterAsync(host, apiKey, "/api/volunteers", VolunteerBody(idNumber));

    public static async Task<Guid> RegisterElderAsync(this IAlbaHost host, string apiKey)
        => await RegisterAsync(host, apiKey, "/api/elders", ElderBody());

    /// <summary>Named apart from <c>CareRequests.RegisterElderAsync(key, district)</c>, which has the same shape.</summary>
    public static async Task<Guid> RegisterElderWithIdNumberAsync(this IAlbaHost host, string apiKey, string idNumber)
        => await RegisterAsync(host, apiKey, "/api/elders", ElderBody(idNumber));

    public static async Task<Guid> RegisterVolunteerWithAddressAsync(this IAlbaHost host, string apiKey, string address)
        => await RegisterAsync(host, apiKey, "/api/volunteers", new
        {
            fullName = "张晓明", idNumber = IdNumber(SomeBirthDate(1950, 1965)), phone = Phone(), programme = "senior",
            district = "和平区", street = "劝业场街道", community = "新津社区", address
        });

    public static async Task<Guid> RegisterElderWithAddressAsync(this IAlbaHost host, string apiKey, string address)
        => await RegisterAsync(host, apiKey, "/api/elders", new
        {
            fullName = "李秀英", idNumber = IdNumber(SomeBirthDate(1930, 1945)), phone = Phone(), district = "和平区", street = "劝业场街道",
            community = "新津社区", categories = new[] { "living-alone" }, emergencyContact = new { fullName = "李强", phone = Phone(), relation = "child" },
            address
        });

    private static async Task<Guid> RegisterAsync(IAlbaHost host, string apiKey, string url, object body)
    {
        var result = await host.Scenario(s =>
        {
            s.WithRequestHeader("X-Api-Key", apiKey);
            s.Post.Json(body).ToUrl(url);
            s.StatusCodeShouldBe(201);
        });
        using var json = JsonDocument.Parse(await result.ReadAsTextAsync());
        return json.RootElement.GetProperty("id").GetGuid();
    }
}
