using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using MiniExcelLibs;
using TimeBank.Auditing.Chain;
using TimeBank.Auditing.Digests;
using TimeBank.Complaints;
using TimeBank.Integrity;

namespace TimeBank.Statistics.Reporting;

public sealed record CommunityYear([property: Required] string District, [property: Required] string Street, [property: Required] string Community,
    [property: Required] Figures Figures);

/// <param name="VolunteersByStarLevel">Volunteers by the highest star level they have reached (1 to 5).</param>
public sealed record RecognitionCounts([property: Required] IReadOnlyDictionary<int, int> VolunteersByStarLevel, [property: Required] int CertificatesIssued);

public sealed record OutcomeCount([property: Required] string Name, [property: Required] int Count);

/// <param name="ComplaintsFiled">Complaints filed in the year about the report's districts (the district of the volunteer, record or organisation complained of), by status and outcome.</param>
/// <param name="FlagsRaised">Integrity flags raised in the year, by rule and by decision.</param>
public sealed record Oversight([property: Required] int ComplaintsFiled, [property: Required] IReadOnlyList<OutcomeCount> ComplaintsByOutcome,
    [property: Required] int FlagsRaised, [property: Required] IReadOnlyList<OutcomeCount> FlagsByRule, [property: Required] IReadOnlyList<OutcomeCount> FlagsByDecision);

/// <param name="First">The digest of the year's first chained day: its Merkle root and chain head tie the report to the ledger.</param>
/// <param name="Last">The digest of its last chained day (closed: false while the day is still open).</param>
public sealed record AuditAnchors(DigestView? First, DigestView? Last);

/// <summary>The yearly report for the bureau (seed 001 三.(一)): the year's figures, months, communities, targets, recognition, oversight and audit anchors.</summary>
/// <param name="District">The district asked for, if any.</param>
/// <param name="Districts">The districts every figure keeps to: the one asked for, else those a coordinator's key serves; null for every district.</param>
public sealed record AnnualReport(
    [property: Required] int Year,
    string? District,
    IReadOnlyList<string>? Districts,
    [property: Required] Instant GeneratedAt,
    [property: Required] Figures Total,
    [property: Required] IReadOnlyList<MonthFigures> Months,
    [property: Required] IReadOnlyList<CommunityYear> Communities,
    [property: Required] IReadOnlyList<TargetProgress> Targets,
    [property: Required] RecognitionCounts Recognition,
    [property: Required] Oversight Oversight,
    [property: Required] AuditAnchors Audit,
    [property: Required] long AsOfSequence,
    [property: Required] double LagSeconds);

public static class AnnualReportEndpoint
{
    /// <summary>
    /// The annual report for the bureau (seed 001 三.(一), due by the end of January): the year's figures and months, the
    /// community table, targets, recognition counts, complaints and integrity outcomes, and the year's first and last audit
    /// digests (Merkle roots and chain heads) tying it to the ledger. format: json (default), xlsx (a sheet per table) or
    /// html (a printable page in Chinese; print it to PDF in the browser).
    /// </summary>
    [WolverineGet("/api/reports/annual", OperationId = "ReadAnnualReport")]
    [Authorize(Roles = Roles.StatisticsReaders)]
    [ProducesResponseType<AnnualReport>(StatusCodes.Status200OK)]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/html", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")]
    public static async Task<IResult> Get([FromQuery] int? year, [FromQuery] string? district, [FromQuery] string? format, IQuerySession session,
        IDocumentStore store, IClock clock, IOptions<TimeBankOptions> options, IOptions<StatisticsOptions> statistics, IOptions<Care.CareOptions> care,
        HttpContext context)
    {
        var errors = new Dictionary<string, string[]>();
        var today = People.PersonFields.Today(clock, options.Value);
        var wanted = year ?? today.Year - 1;
        if (wanted is < 2000 or > 2200) errors["year"] = ["year is a calendar year from 2000 to 2200."];
        var area = StatisticsReading.Text(errors, "district", district);
        if (format is not (null or "json" or "xlsx" or "html")) errors["format"] = ["format is json, xlsx or html."];
        if (errors.Count > 0) return Problems.Validation(errors).ToResult();
        var caller = context.Caller();
        if (Scopes.MayReadDistrict(caller, area) is { } refusal) return Problems.For(refusal).ToResult();

        var report = await BuildAsync(session, store, caller, wanted, area, today, statistics.Value, care.Value.Zone, clock.GetCurrentInstant(), context.RequestAborted);
        return format switch
        {
            "xlsx" => Results.File(await AnnualReportFiles.XlsxAsync(report, context.RequestAborted), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                $"annual-report-{wanted}.xlsx"),
            "html" => Results.Content(AnnualReportFiles.Html(report), "text/html; charset=utf-8"),
            _ => Results.Ok(report)
        };
    }

    public static async Task<AnnualReport> BuildAsync(IQuerySession session, IDocumentStore store, Caller caller, int year, string? district, LocalDate today,
        StatisticsOptions options, DateTimeZone zone, Instant now, CancellationToken cancellation)
    {
        // The year's cells are read once, for the months and for the communities.
        var months = Enumerable.Range(1, 12).Select(m => $"{year:D4}-{m:D2}").ToArray();
        var folded = await StatisticsReading.CellsWithPeopleAsync(session, store, caller, months, district, null, null, null, null, cancellation);
        var monthly = await StatisticsReading.MonthlyAsync(session, caller, months, folded, new Care.CareArea(district, null, null), zone, cancellation);
        var communities = folded.Cells.GroupBy(c => (c.District, c.Street, c.Community))
            .Select(g => new CommunityYear(g.Key.District, g.Key.Street, g.Key.Community, Figures.Of(g.ToList())))
            .OrderByDescending(c => c.Figures.MinutesCredited).ThenBy(c => c.District).ThenBy(c => c.Street).ThenBy(c => c.Community).ToList();
        var targets = await StatisticsReading.TargetsAsync(session, caller, year, district, today, options, cancellation);

        var (from, to) = (new LocalDate(year, 1, 1).AtStartOfDayInZone(zone).ToInstant(), new LocalDate(year + 1, 1, 1).AtStartOfDayInZone(zone).ToInstant());
        var (fromMs, toMs) = (from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds());
        // The area of the ledger figures above: the district asked for, else the districts a coordinator's key serves, else all.
        string[]? districts = district is not null ? [district] : Scopes.DistrictsOf(caller);
        var levels = await AreaCounts.VolunteersByStarLevelAsync(session, districts, cancellation);
        var certificates = await AreaCounts.CertificatesIssuedAsync(session, districts, from, to, cancellation);
        var complaints = await AreaCounts.ComplaintsFiledAsync(session, districts, from, to, cancellation);
        var flagQuery = session.Query<IntegrityFlag>().Where(f => f.FlaggedAtUnixMs >= fromMs && f.FlaggedAtUnixMs < toMs);
        if (districts is not null) flagQuery = flagQuery.Where(f => f.District.IsOneOf(districts));
        var flags = await flagQuery.ToListAsync(cancellation);
        static string Kebab<T>(T value) where T : struct, Enum => People.PersonFields.JsonName(value);
        var oversight = new Oversight(complaints.Count,
            complaints.GroupBy(c => c.Outcome is { } o ? Kebab(o) : Kebab(c.Status)).Select(g => new OutcomeCount(g.Key, g.Count())).OrderBy(o => o.Name).ToList(),
            flags.Count, flags.GroupBy(f => f.Rule).Select(g => new OutcomeCount(g.Key, g.Count())).OrderBy(o => o.Name).ToList(),
            flags.GroupBy(f => Kebab(f.Status)).Select(g => new OutcomeCount(g.Key, g.Count())).OrderBy(o => o.Name).ToList());

        await using var connection = store.Storage.Database.CreateConnection();
        await connection.OpenAsync(cancellation);
        var days = await ChainStore.LoadDigestsAsync(connection, new LocalDate(year, 1, 1), new LocalDate(year, 12, 31), 366, cancellation);
        var audit = days.Count == 0
            ? new AuditAnchors(null, null)
            : new AuditAnchors(await DayDigests.ViewAsync(connection, days[0], cancellation), await DayDigests.ViewAsync(connection, days[^1], cancellation));

        return new AnnualReport(year, district, districts, now, monthly.Total, monthly.Months, communities, targets, new RecognitionCounts(levels, certificates), oversight,
            audit, monthly.AsOfSequence, monthly.LagSeconds);
    }
}

public static class AnnualReportFiles
{
    private static double Hours(long minutes) => Ledger.Minutes.InHours(minutes, 1);

    public static async Task<byte[]> XlsxAsync(AnnualReport r, CancellationToken cancellation)
    {
        var sheets = new Dictionary<string, object>
        {
            ["概况"] = new[]
            {
                Row(("项目", "年份"), ("数值", r.Year)), Row(("项目", "区"), ("数值", Area(r) ?? "全部")),
                Row(("项目", "注册志愿者"), ("数值", r.Total.VolunteersRegistered)), Row(("项目", "活跃志愿者"), ("数值", r.Total.ActiveVolunteers)),
                Row(("项目", "服务老人"), ("数值", r.Total.EldersServed)), Row(("项目", "服务记录"), ("数值", r.Total.Records)),
                Row(("项目", "服务时长（小时）"), ("数值", Hours(r.Total.MinutesCredited - r.Total.MinutesReversed))),
                Row(("项目", "兑换时长（小时）"), ("数值", Hours(r.Total.MinutesRedeemed))), Row(("项目", "积分获得"), ("数值", r.Total.PointsEarned)),
                Row(("项目", "积分兑换"), ("数值", r.Total.PointsSpent)), Row(("项目", "平均评分"), ("数值", r.Total.AverageRating ?? 0)),
                Row(("项目", "以老助老占比"), ("数值", r.Total.LowAgeSeniorShare ?? 0)), Row(("项目", "数据截至事件序号"), ("数值", r.AsOfSequence))
            },
            ["月度"] = r.Months.Select(m => Row(("月份", m.Month), ("服务时长（小时）", Hours(m.Figures.MinutesCredited - m.Figures.MinutesReversed)),
                ("活跃志愿者", m.Figures.ActiveVolunteers), ("服务老人", m.Figures.EldersServed), ("服务记录", m.Figures.Records),
                ("兑换时长（小时）", Hours(m.Figures.MinutesRedeemed)), ("月探访率", m.Coverage?.VisitRate ?? 0))).ToArray(),
            ["社区"] = r.Communities.Select(c => Row(("区", c.District), ("街道", c.Street), ("社区", c.Community),
                ("服务时长（小时）", Hours(c.Figures.MinutesCredited - c.Figures.MinutesReversed)), ("活跃志愿者", c.Figures.ActiveVolunteers),
                ("服务老人", c.Figures.EldersServed), ("服务记录", c.Figures.Records))).ToArray(),
            ["目标"] = r.Targets.Select(t => Row(("指标", t.Name), ("实际", t.Actual), ("目标", t.Target), ("完成率", t.Progress))).ToArray(),
            ["表彰"] = r.Recognition.VolunteersByStarLevel.Select(l => Row(("星级", $"{l.Key} 星"), ("志愿者", l.Value)))
                .Append(Row(("星级", "证明开具"), ("志愿者", r.Recognition.CertificatesIssued))).ToArray(),
            ["投诉与诚信"] = r.Oversight.ComplaintsByOutcome.Select(o => Row(("类别", "投诉"), ("结果", o.Name), ("数量", o.Count)))
                .Concat(r.Oversight.FlagsByDecision.Select(o => Row(("类别", "诚信核查"), ("结果", o.Name), ("数量", o.Count)))).ToArray(),
            ["审计"] = new[] { ("年度首日", r.Audit.First), ("年度末日", r.Audit.Last) }.Where(a => a.Item2 is not null)
                .Select(a => Row(("锚点", a.Item1), ("日期", a.Item2!.Day.ToString("yyyy-MM-dd", null)), ("Merkle 根", a.Item2.MerkleRoot),
                    ("链头", a.Item2.ChainHead), ("已封账", a.Item2.Closed))).ToArray()
        };
        using var stream = new MemoryStream();
        await stream.SaveAsAsync(sheets, cancellationToken: cancellation);
        return stream.ToArray();
    }

    private static Dictionary<string, object> Row(params (string Column, object Value)[] cells) => cells.ToDictionary(c => c.Column, c => c.Value);

    private static string? Area(AnnualReport r) => r.Districts is { } districts ? string.Join("、", districts) : null;

    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    public static string Html(AnnualReport r)
    {
        var html = new StringBuilder();
        var total = r.Total;
        html.Append($$"""
            <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{r.Year}} 年度时间银行志愿服务工作报告{{(Area(r) is { } area ? " · " + E(area) : "")}}</title>
            <style>
              @page { size: A4; margin: 16mm; }
              body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; color: #000; margin: 0; }
              @media screen { body { max-width: 180mm; margin: 8mm auto; } }
              h1 { text-align: center; font-size: 18pt; } h2 { font-size: 13pt; margin: 6mm 0 2mm; border-bottom: 1pt solid #000; }
              table { width: 100%; border-collapse: collapse; margin-bottom: 3mm; } tr { break-inside: avoid; }
              th, td { border: 0.6pt solid #000; padding: 1.2mm 1.6mm; text-align: left; word-break: break-all; }
              td.num { text-align: right; } .mono { font-family: monospace; font-size: 8pt; }
              svg { width: 100%; height: auto; }
            </style></head><body>
            <h1>{{r.Year}} 年度时间银行志愿服务工作报告</h1>
            <p style="text-align:center">{{E(Area(r) ?? "全部地区")}} · 生成于 {{r.GeneratedAt.InUtc().Date:yyyy-MM-dd}} · 数据截至事件 #{{r.AsOfSequence}}</p>
            <h2>一、年度概况</h2>
            <table>
              <tr><th>注册志愿者</th><td class="num">{{total.VolunteersRegistered}}</td><th>活跃志愿者</th><td class="num">{{total.ActiveVolunteers}}</td></tr>
              <tr><th>服务老人</th><td class="num">{{total.EldersServed}}</td><th>服务记录</th><td class="num">{{total.Records}}</td></tr>
              <tr><th>服务时长（小时）</th><td class="num">{{Hours(total.MinutesCredited - total.MinutesReversed)}}</td><th>撤销时长（小时）</th><td class="num">{{Hours(total.MinutesReversed)}}</td></tr>
              <tr><th>兑换时长（小时）</th><td class="num">{{Hours(total.MinutesRedeemed)}}</td><th>平均评分</th><td class="num">{{total.AverageRating?.ToString("0.00") ?? "—"}}</td></tr>
              <tr><th>积分获得 / 兑换</th><td class="num">{{total.PointsEarned}} / {{total.PointsSpent}}</td><th>以老助老占比</th><td class="num">{{(total.LowAgeSeniorShare is { } s ? $"{s:P1}" : "—")}}</td></tr>
            </table>
            <h2>二、月度服务时长</h2>
            {{MonthlyChart(r.Months)}}
            <table><tr><th>月份</th><th>服务时长（小时）</th><th>活跃志愿者</th><th>服务老人</th><th>月探访率</th></tr>
            """);
        foreach (var m in r.Months)
        {
            html.Append($"<tr><td>{m.Month}</td><td class=\"num\">{Hours(m.Figures.MinutesCredited - m.Figures.MinutesReversed)}</td><td class=\"num\">{m.Figures.ActiveVolunteers}</td>" +
                        $"<td class=\"num\">{m.Figures.EldersServed}</td><td class=\"num\">{(m.Coverage is { } c ? $"{c.VisitRate:P0}" : "—")}</td></tr>");
        }
        html.Append("</table><h2>三、社区情况</h2><table><tr><th>区</th><th>街道</th><th>社区</th><th>服务时长（小时）</th><th>活跃志愿者</th><th>服务老人</th></tr>");
        foreach (var c in r.Communities)
        {
            html.Append($"<tr><td>{E(c.District)}</td><td>{E(c.Street)}</td><td>{E(c.Community)}</td><td class=\"num\">{Hours(c.Figures.MinutesCredited - c.Figures.MinutesReversed)}</td>" +
                        $"<td class=\"num\">{c.Figures.ActiveVolunteers}</td><td class=\"num\">{c.Figures.EldersServed}</td></tr>");
        }
        html.Append("</table><h2>四、目标完成情况</h2><table><tr><th>指标</th><th>实际</th><th>目标</th><th>完成率</th></tr>");
        foreach (var t in r.Targets)
            html.Append($"<tr><td>{(t.Name == "volunteers" ? "注册志愿者（人）" : "年度服务时长（小时）")}</td><td class=\"num\">{t.Actual}</td><td class=\"num\">{t.Target}</td><td class=\"num\">{t.Progress:P1}</td></tr>");
        html.Append("</table><h2>五、表彰激励</h2><table><tr><th>星级志愿者</th><th>人数</th></tr>");
        foreach (var (level, count) in r.Recognition.VolunteersByStarLevel) html.Append($"<tr><td>{level} 星</td><td class=\"num\">{count}</td></tr>");
        html.Append($"<tr><td>开具志愿服务证明</td><td class=\"num\">{r.Recognition.CertificatesIssued}</td></tr></table>");
        html.Append($"<h2>六、投诉与诚信核查</h2><table><tr><th>投诉受理</th><td class=\"num\">{r.Oversight.ComplaintsFiled}</td><th>诚信核查标记</th><td class=\"num\">{r.Oversight.FlagsRaised}</td></tr>");
        foreach (var o in r.Oversight.ComplaintsByOutcome) html.Append($"<tr><td>投诉：{E(o.Name)}</td><td class=\"num\">{o.Count}</td><td></td><td></td></tr>");
        foreach (var o in r.Oversight.FlagsByDecision) html.Append($"<tr><td></td><td></td><td>核查：{E(o.Name)}</td><td class=\"num\">{o.Count}</td></tr>");
        html.Append("</table><h2>七、账本审计锚点</h2><table><tr><th>日期</th><th>事件范围</th><th>Merkle 根 / 链头</th></tr>");
        foreach (var d in new[] { r.Audit.First, r.Audit.Last }.OfType<DigestView>().DistinctBy(d => d.Day))
        {
            html.Append($"<tr><td>{d.Day:yyyy-MM-dd}{(d.Closed ? "" : "（未封账）")}</td><td>#{d.FirstSequence}–#{d.LastSequence}</td>" +
                        $"<td class=\"mono\">{d.MerkleRoot}<br>{d.ChainHead}</td></tr>");
        }
        html.Append("</table><p>本报告数据来自时间银行账本事件，可用上列锚点核验（GET /api/audit/digests）。</p></body></html>");
        return html.ToString();
    }

    private static string MonthlyChart(IReadOnlyList<MonthFigures> months)
    {
        var values = months.Select(m => Hours(m.Figures.MinutesCredited - m.Figures.MinutesReversed)).ToList();
        var max = Math.Max(1, values.Max());
        var bars = new StringBuilder("<svg viewBox=\"0 0 600 160\" role=\"img\">");
        for (var i = 0; i < values.Count; i++)
        {
            var h = 120 * values[i] / max;
            bars.Append($"<rect x=\"{20 + i * 48}\" y=\"{130 - h:0.#}\" width=\"30\" height=\"{h:0.#}\" fill=\"#3b7dd8\"><title>{months[i].Month}：{values[i]}</title></rect>");
            bars.Append($"<text x=\"{35 + i * 48}\" y=\"150\" font-size=\"10\" text-anchor=\"middle\">{i + 1}月</text>");
        }
        return bars.Append("</svg>").ToString();
    }
}
