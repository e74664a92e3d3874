using System.Text;
using Microsoft.Extensions.Options;
using MiniExcelLibs;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.ServiceRecords;

namespace TimeBank.Organisations.PracticeRecords;

/// <summary>One student's credited service in the period, by service type (综合素质评价, 实践学分).</summary>
public sealed record PracticeRecord(Guid VolunteerId, string FullName, string MaskedIdNumber, IReadOnlyDictionary<string, int> MinutesByType, int TotalMinutes);

public static class PracticeSheet
{
    public const string NameColumn = "姓名";
    public const string IdColumn = "居民身份证号码";
    public const string TotalColumn = "合计（小时）";

    /// <summary>Each member's credited minutes in the period by service type, members without service included, by name.</summary>
    public static IReadOnlyList<PracticeRecord> Of(IEnumerable<(Guid Id, string FullName, string MaskedIdNumber)> members, IEnumerable<ServiceRecord> records)
    {
        var byVolunteer = records.ToLookup(r => r.VolunteerId);
        return members.Select(m =>
            {
                var minutes = byVolunteer[m.Id].GroupBy(r => r.ServiceType).ToDictionary(g => g.Key, g => g.Sum(r => r.CreditedMinutes));
                return new PracticeRecord(m.Id, m.FullName, m.MaskedIdNumber, minutes, minutes.Values.Sum());
            })
            .OrderBy(r => r.FullName, StringComparer.Ordinal).ThenBy(r => r.VolunteerId)
            .ToList();
    }

    /// <summary>The columns: name, masked id number, one per service type served (by its Chinese name), the total.</summary>
    public static IReadOnlyList<(string Code, string Header)> Columns(IReadOnlyList<PracticeRecord> rows) =>
        ServiceTypes.All.Where(t => rows.Any(r => r.MinutesByType.ContainsKey(t.Code))).Select(t => (t.Code, $"{t.NameZh}（小时）")).ToList();

    public static IReadOnlyList<Dictionary<string, object>> Table(IReadOnlyList<PracticeRecord> rows)
    {
        var columns = Columns(rows);
        return rows.Select(r =>
        {
            var row = new Dictionary<string, object> { [NameColumn] = r.FullName, [IdColumn] = r.MaskedIdNumber };
            foreach (var (code, header) in columns) row[header] = Minutes.InHours(r.MinutesByType.GetValueOrDefault(code));
            row[TotalColumn] = Minutes.InHours(r.TotalMinutes);
            return row;
        }).ToList();
    }

    /// <summary>RFC 4180 with a BOM (spreadsheets read it as UTF-8); a cell that would start a formula is quoted with an apostrophe.</summary>
    public static string Csv(IReadOnlyList<PracticeRecord> rows)
    {
        var columns = Columns(rows);
        static string Cell(string value)
        {
            if (value.Length > 0 && "=+-@\t\r".Contains(value[0])) value = "'" + value;
            return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"")}\"" : value;
        }
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', new[] { NameColumn, IdColumn }.Concat(columns.Select(c => c.Header)).Append(TotalColumn).Select(Cell)));
        foreach (var r in rows)
        {
            csv.AppendLine(string.Join(',', new[] { r.FullName, r.MaskedIdNumber }.Concat(columns.Select(c => Minutes.InHoursText(r.MinutesByType.GetValueOrDefault(c.Code))))
                .Append(Minutes.InHoursText(r.TotalMinutes)).Select(Cell)));
        }
        return csv.ToString();
    }
}

public static class ListPracticeRecordsEndpoint
{
    /// <summary>
    /// Each member's (student's) credited service hours in the period by service type, for 综合素质评价 and 实践学分: a CSV
    /// (UTF-8) or an XLSX sheet. Admins, and the school's own key (role school, naming this organisation).
    /// </summary>
    /// <param name="from">First day (yyyy-MM-dd), local.</param>
    /// <param name="to">Last day (yyyy-MM-dd), local; at most three years after from.</param>
    /// <param name="format">csv (default) or xlsx.</param>
    [WolverineGet("/api/organisations/{id}/practice-records", OperationId = "ListPracticeRecords")]
    [Authorize(Roles = Roles.Admin + "," + Roles.School)]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    public static async Task<IResult> Get(Guid id, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? format, IQuerySession session,
        PersonalData personalData, IOptions<TimeBankOptions> options, HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        static LocalDate? Day(string? text) =>
            text is not null && NodaTime.Text.LocalDatePattern.Iso.Parse(text) is { Success: true, Value: { Year: >= 2000 and <= 2200 } day } ? day : null;
        var (first, last) = (Day(from), Day(to));
        if (first is null) errors["from"] = ["from (yyyy-MM-dd) is required."];
        if (last is null || (first is { } f && (last < f || last > f.PlusYears(3)))) errors["to"] = ["to (yyyy-MM-dd) is on or after from, within three years."];
        if (format is not (null or "csv" or "xlsx")) errors["format"] = ["format is csv or xlsx."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (caller.Role == Roles.School && caller.OrganisationId != id)
            return Problems.For(new NotPermitted("This key serves another school.", $"A school key reads its own organisation's practice records, not {id}.")).ToResult();

        var organisation = await session.LoadAsync<Organisation>(id, context.RequestAborted);
        if (organisation is null) return Problems.NotFound("Organisation", id).ToResult();
        var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
        var (start, end) = LocalDays.UnixMillis(first!.Value, last!.Value, zone);
        var memberIds = organisation.Members.Select(m => m.VolunteerId).ToArray();
        var batch = session.CreateBatchQuery();
        var volunteers = batch.LoadMany<Volunteer>().ById(memberIds);
        var records = batch.Query<ServiceRecord>().Where(r => r.VolunteerId.IsOneOf(memberIds) && r.Status == ServiceRecordStatus.Credited
                                                              && r.StartsAtUnixMs >= start && r.StartsAtUnixMs < end).ToList();
        await batch.Execute(context.RequestAborted);
        var rows = PracticeSheet.Of((await volunteers).Select(v => (v.Id, v.FullName,
            Masking.IdNumber(personalData.Reveal(v.ProtectedIdNumber, PersonalData.Field(v.Id, ProtectedField.IdNumber))))), await records);

        var name = $"practice-records-{first:yyyyMMdd}-{last:yyyyMMdd}";
        if (format == "xlsx")
        {
            var stream = new MemoryStream();
            await stream.SaveAsAsync(PracticeSheet.Table(rows), sheetName: "实践记录", cancellationToken: context.RequestAborted);
            return Results.File(stream.ToArray(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"{name}.xlsx");
        }
        return Results.File(Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(PracticeSheet.Csv(rows))).ToArray(), "text/csv; charset=utf-8", $"{name}.csv");
    }
}
