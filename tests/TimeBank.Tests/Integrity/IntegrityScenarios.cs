using System.Text.Json;
using Alba;
using TimeBank.Integrity;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Integrity;

public static class IntegrityScenarios
{
    /// <summary>The flags of a record once the review has reached it (it runs off the write path).</summary>
    public static Task<List<FlagView>> FlagsOf(this AppFixture fixture, Guid record, int atLeast = 1) => Polling.Eventually(async () =>
    {
        var page = await fixture.Host.GetAsync<JsonElement>(fixture.Keys.Auditor, "/api/integrity/flags?pageSize=200");
        var all = new List<FlagView>();
        for (var p = 1; p <= page.GetProperty("totalPages").GetInt32(); p++)
        {
            all.AddRange((await fixture.Host.GetAsync<JsonElement>(fixture.Keys.Auditor, $"/api/integrity/flags?pageSize=200&page={p}"))
                .GetProperty("items").EnumerateArray().Select(i => i.Deserialize<FlagView>(LedgerScenarios.Json)!));
        }
        return all.Where(f => f.ServiceRecordId == record).ToList();
    }, mine => mine.Count >= atLeast, seconds: 30);
}
