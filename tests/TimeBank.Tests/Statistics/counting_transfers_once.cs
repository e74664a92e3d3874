using System.Text.Json;
using NodaTime;
using Npgsql;
using Shouldly;
using TimeBank.Hosting;
using TimeBank.Statistics;
using TimeBank.Tests.Auditing;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;

namespace TimeBank.Tests.Statistics;

/// <summary>
/// The statistics count a transfer once, from its sent event. A database whose figures an earlier version kept, counting
/// each of a transfer's two events, is carried on from where it stopped with the same figures, though the two events of
/// a transfer can fall either side of that point.
/// </summary>
public sealed class counting_transfers_once(Xunit.Abstractions.ITestOutputHelper output)
{
    private const string Street = "劝业场街道";

    private sealed record Half(long Sequence, Guid Transfer, bool Received, Guid From, Guid To, int Minutes, DateTimeOffset TransferredAt);

    private sealed record Volunteer(Guid Id, Area Area, int BirthYear);

    [Fact]
    public void the_switch_owes_the_receiver_a_half_received_after_it_and_takes_back_one_sent_after_it()
    {
        var transfer = new TimeBank.Ledger.TransferSent(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), 20, "赠与", Instant.FromUtc(2026, 11, 20, 2, 0));
        TransferCounting.ReceiverSideOwed(new TransferCounting.UnpairedHalf(Received: true, transfer)).ShouldBe(1);
        TransferCounting.ReceiverSideOwed(new TransferCounting.UnpairedHalf(Received: false, transfer)).ShouldBe(-1);
    }

    [Fact]
    public async Task a_database_counted_by_both_events_carries_on_from_after_either_half_of_a_transfer_with_the_same_figures()
    {
        var log = ServiceProcess.LogTo(output);
        await using var first = await ServiceProcess.StartAsync(log, ownDatabase: true);
        var district = CareRequests.NewDistrict();
        var (older, younger) = (await RegisterAsync(first, district, 1962, "新津社区"), await RegisterAsync(first, district, 1975, "昆明路社区"));
        var elder = (await first.PostAsync("/api/elders", CareRequests.ElderBody(district))).GetProperty("id").GetGuid();
        var yesterday = LocalDateTime.FromDateTime(DateTime.UtcNow.AddHours(8)).PlusDays(-1).Date.At(new LocalTime(8, 0));
        await first.PostAsync("/api/service-records", LedgerScenarios.ServiceBody(older.Id, elder, yesterday, 120));
        await first.PostAsync("/api/service-records", LedgerScenarios.ServiceBody(younger.Id, elder, yesterday.PlusHours(3), 60));
        var earlier = await TransferAsync(first, older, younger, 20);
        var later = await TransferAsync(first, younger, older, 7);
        var connection = ServiceProcess.ConnectionTo(first.Database!).ConnectionString;
        var halves = await HalvesAsync(connection);
        var figures = await FiguresAsync(first, district, foldedThrough: halves.Max(h => h.Sequence));
        await first.CrashAsync();

        // The later transfer's first half, then the earlier one's: the two go opposite ways between the same two accounts,
        // whose streams are written in the order of their ids, so one switch comes after a sent half, the other after a
        // received one.
        var volunteers = new[] { older, younger }.ToDictionary(v => v.Id);
        var switchedAfterReceived = new List<bool>();
        foreach (var transfer in new[] { later, earlier })
        {
            var switchPoint = halves.Where(h => h.Transfer == transfer).MinBy(h => h.Sequence)!;
            switchedAfterReceived.Add(switchPoint.Received);
            var stored = await StoredFiguresAsync(connection, district);
            await AsAnEarlierVersionLeftItAsync(connection, switchPoint.Sequence, halves, volunteers);
            (await StoredFiguresAsync(connection, district)).ShouldNotBe(stored, "the earlier version had not counted the halves after the switch");

            await using var node = await ServiceProcess.StartAsync(log, ownDatabase: true, route: b =>
            {
                b.Database = first.Database;
                return b;
            });
            (await FiguresAsync(node, district, foldedThrough: halves.Max(h => h.Sequence))).ShouldBe(figures);
            await using var database = new NpgsqlConnection(connection);
            await database.OpenAsync();
            (await database.ScalarAsync<long>($"select (data ->> 'countedOnceAfter')::bigint from {Storage.Schema}.mt_doc_transfercounting"))
                .ShouldBe(switchPoint.Sequence);
            await node.CrashAsync();
        }
        switchedAfterReceived.ShouldBe([true, false], ignoreOrder: true);
    }

    private static async Task<Volunteer> RegisterAsync(ServiceProcess service, string district, int birthYear, string community)
    {
        var birth = new LocalDate(birthYear, 4, 1);
        var created = await service.PostAsync("/api/volunteers", CareRequests.VolunteerBody(district, birth, Street, community));
        return new Volunteer(created.GetProperty("id").GetGuid(), new Area(district, Street, community), birthYear);
    }

    private static async Task<Guid> TransferAsync(ServiceProcess service, Volunteer from, Volunteer to, int minutes) =>
        (await service.PostAsync("/api/transfers", new { from = from.Id, to = to.Id, minutes, reason = "赠与" }, Guid.NewGuid().ToString()))
        .GetProperty("id").GetGuid();

    /// <summary>The district's liability by due year and minutes transferred, once the statistics have folded <paramref name="foldedThrough"/>.</summary>
    private static async Task<string> FiguresAsync(ServiceProcess service, string district, long foldedThrough)
    {
        var query = $"?district={Uri.EscapeDataString(district)}";
        async Task<(string Figures, long AsOf)> Read()
        {
            var monthly = await service.GetAsync("/api/statistics/monthly" + query);
            var liability = await service.GetAsync("/api/statistics/liability" + query);
            var years = liability.GetProperty("byDueYear").EnumerateArray().Select(y => $"{y.GetProperty("dueYear").GetInt32()}:{y.GetProperty("minutes").GetInt64()}");
            return ($"{string.Join(' ', years)} transferred {monthly.GetProperty("total").GetProperty("minutesTransferred").GetInt64()}",
                monthly.GetProperty("asOfSequence").GetInt64());
        }
        var read = await Polling.Eventually(Read, r => r.AsOf >= foldedThrough);
        read.AsOf.ShouldBeGreaterThanOrEqualTo(foldedThrough, $"the statistics did not catch up: {read}");
        return read.Figures;
    }

    /// <summary>The district's liability buckets and cells as stored.</summary>
    private static async Task<string> StoredFiguresAsync(string connection, string district)
    {
        await using var database = new NpgsqlConnection(connection);
        await database.OpenAsync();
        return await database.ScalarAsync<string>(
            $"""
             select (select string_agg(id || '=' || (data ->> 'minutes'), ' ' order by id) from {Storage.Schema}.mt_doc_liabilitybucket where data ->> 'district' = $1)
                 || ' ' || (select string_agg(id || '=' || (data ->> 'minutesTransferred'), ' ' order by id) from {Storage.Schema}.mt_doc_monthlycell where data ->> 'district' = $1)
             """, district);
    }

    private static async Task<IReadOnlyList<Half>> HalvesAsync(string connection)
    {
        await using var database = new NpgsqlConnection(connection);
        await database.OpenAsync();
        var json = await database.ScalarAsync<string>(
            $"""
             select json_agg(json_build_object('sequence', seq_id, 'transfer', data ->> 'transferId', 'received', type = 'transfer_received',
                 'from', data ->> 'from', 'to', data ->> 'to', 'minutes', (data ->> 'minutes')::int, 'transferredAt', data ->> 'transferredAt')
                 order by seq_id)::text
             from {Storage.Schema}.mt_events where type in ('transfer_sent', 'transfer_received')
             """);
        return JsonSerializer.Deserialize<List<Half>>(json, JsonSerializerOptions.Web)!;
    }

    /// <summary>
    /// Rewinds the statistics to how an earlier version, which counted the sender's side from the sent event and the
    /// receiver's from the received one, left them with its progress at <paramref name="switchPoint"/>.
    /// </summary>
    private static async Task AsAnEarlierVersionLeftItAsync(string connection, long switchPoint, IEnumerable<Half> halves, IReadOnlyDictionary<Guid, Volunteer> volunteers)
    {
        await using var database = new NpgsqlConnection(connection);
        await database.OpenAsync();
        foreach (var half in halves.Where(h => h.Sequence > switchPoint))
        {
            var month = StatisticsFold.MonthOf(Instant.FromDateTimeOffset(half.TransferredAt), CareRequests.Shanghai);
            var (holder, bucketMinutes, transferred) = half.Received ? (volunteers[half.To], -half.Minutes, 0) : (volunteers[half.From], half.Minutes, -half.Minutes);
            await database.ExecuteAsync(
                $"update {Storage.Schema}.mt_doc_liabilitybucket set data = jsonb_set(data, '{{minutes}}', to_jsonb((data ->> 'minutes')::bigint + $2)) where id = $1",
                LiabilityBucket.IdFor(holder.Area, holder.BirthYear + 60), (long)bucketMinutes);
            await database.ExecuteAsync(
                $"update {Storage.Schema}.mt_doc_monthlycell set data = jsonb_set(data, '{{minutesTransferred}}', to_jsonb((data ->> 'minutesTransferred')::bigint + $2)) where id = $1",
                MonthlyCell.IdFor(month, holder.Area, "senior", ""), (long)transferred);
        }
        await database.ExecuteAsync($"update {Storage.Schema}.mt_event_progression set last_seq_id = $1 where name = $2", switchPoint, $"{LedgerFolds.SubscriptionName}:All");
        await database.ExecuteAsync($"delete from {Storage.Schema}.mt_doc_transfercounting");
    }
}
