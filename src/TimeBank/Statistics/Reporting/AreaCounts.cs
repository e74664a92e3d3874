using TimeBank.Complaints;
using TimeBank.Organisations;
using TimeBank.Recognition;
using TimeBank.Recognition.Certificates;
using TimeBank.ServiceRecords;

namespace TimeBank.Statistics.Reporting;

/// <summary>
/// The annual report's recognition and oversight counts for an area. Star levels and certificates carry no district of
/// their own: they count in their volunteer's district. A complaint counts in the district of the volunteer it names, of
/// the volunteer who served the record it names, or of the organisation it names. Districts null counts every district.
/// </summary>
public static class AreaCounts
{
    public static async Task<IReadOnlyDictionary<int, int>> VolunteersByStarLevelAsync(IQuerySession session, string[]? districts,
        CancellationToken cancellation)
    {
        var store = session.DocumentStore;
        var (inArea, area) = InDistricts("v.data->>'district'", districts);
        var rows = await session.AdvancedSql.QueryAsync<LevelCount>($"""
            select jsonb_build_object('level', level, 'volunteers', volunteers) from (
              select (r.data->>'highestLevel')::int as level, count(*)::int as volunteers
              from {store.TableOf<VolunteerRecognition>()} r
              left join {store.TableOf<People.Volunteer>()} v on v.id = (r.data->>'volunteerId')::uuid
              where (r.data->>'highestLevel')::int > 0{inArea}
              group by 1) levels
            order by level
            """, cancellation, area);
        return rows.ToDictionary(r => r.Level, r => r.Volunteers);
    }

    public static async Task<int> CertificatesIssuedAsync(IQuerySession session, string[]? districts, Instant from, Instant to,
        CancellationToken cancellation)
    {
        var store = session.DocumentStore;
        var (inArea, area) = InDistricts("v.data->>'district'", districts);
        var counts = await session.AdvancedSql.QueryAsync<int>($"""
            select count(*)::int from {store.TableOf<Certificate>()} c
            left join {store.TableOf<People.Volunteer>()} v on v.id = (c.data->>'volunteerId')::uuid
            where (c.data->>'issuedAt')::timestamptz >= to_timestamp(?::bigint / 1000.0)
              and (c.data->>'issuedAt')::timestamptz < to_timestamp(?::bigint / 1000.0){inArea}
            """, cancellation, [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), .. area]);
        return counts.Single();
    }

    /// <summary>The status and outcome of each complaint filed from <paramref name="from"/> until <paramref name="to"/>.</summary>
    public static async Task<IReadOnlyList<ComplaintStanding>> ComplaintsFiledAsync(IQuerySession session, string[]? districts, Instant from, Instant to,
        CancellationToken cancellation)
    {
        var store = session.DocumentStore;
        var (inArea, area) = InDistricts("coalesce(v.data->>'district', o.data->>'district')", districts);
        return await session.AdvancedSql.QueryAsync<ComplaintStanding>($"""
            select jsonb_build_object('status', c.data->'status', 'outcome', c.data->'outcome') from {store.TableOf<Complaint>()} c
            left join {store.TableOf<ServiceRecord>()} s on s.id = (c.data->'about'->>'serviceRecordId')::uuid
            left join {store.TableOf<People.Volunteer>()} v on v.id = coalesce((c.data->'about'->>'volunteerId')::uuid, (s.data->>'volunteerId')::uuid)
            left join {store.TableOf<Organisation>()} o on o.id = (c.data->'about'->>'organisationId')::uuid
            where (c.data->>'filedAtUnixMs')::bigint >= ? and (c.data->>'filedAtUnixMs')::bigint < ?{inArea}
            """, cancellation, [from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), .. area]);
    }

    private static (string Condition, object[] Parameters) InDistricts(string districtOfRow, string[]? districts) =>
        districts is null ? ("", []) : ($" and {districtOfRow} = any(?)", [districts]);

    public sealed record ComplaintStanding(ComplaintStatus Status, ComplaintOutcome? Outcome);

    private sealed record LevelCount(int Level, int Volunteers);
}
