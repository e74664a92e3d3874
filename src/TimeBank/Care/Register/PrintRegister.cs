using System.Net;
using System.Text;
using Microsoft.Extensions.Options;
using TimeBank.Care.Actions;
using TimeBank.Care.Files;
using TimeBank.Care.Visits;
using TimeBank.People;

namespace TimeBank.Care.Register;

/// <summary>What the annex 4 form of one elder and year is filled from.</summary>
public sealed record RegisterContent(Elder Elder, string? Phone, CareFileView? File, IReadOnlyList<CareVisit> Visits, IReadOnlyList<CareAction> Actions, int Year,
    LocalDate PrintedOn);

public static class PrintRegisterEndpoint
{
    /// <summary>
    /// The visit register (探访关爱服务台账, seed 004 annex 4) of one elder for one year, filled from the events: the care
    /// file (parts 一 to 四), every visit of the year with its findings (五) and every care action (六). A printable A4 page
    /// in Simplified Chinese for the district and street archives (此表一式两份); personal numbers masked for all but admin.
    /// </summary>
    /// <param name="year">The calendar year, in the programme's zone (default this year).</param>
    [WolverineGet("/api/elders/{id}/register", OperationId = "PrintCareRegister")]
    [Authorize(Roles = Roles.CareReaders)]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/html")]
    public static async Task<IResult> Get(Guid id, [FromQuery] int? year, IQuerySession session, PersonalData personalData, IClock clock,
        IOptions<CareOptions> options, HttpContext context)
    {
        var zone = options.Value.Zone;
        var today = clock.GetCurrentInstant().InZone(zone).Date;
        if (year is { } y && (y < 2000 || y > 2200)) return Problems.Validation("year", "year is a calendar year from 2000 to 2200.").ToResult();
        var wanted = year ?? today.Year;
        var caller = context.Caller();
        var (elder, refused) = await CareAccess.ElderForAsync(session, id, caller, context.RequestAborted);
        if (refused is not null) return refused;

        var (from, to) = LocalDays.UnixMillis(new LocalDate(wanted, 1, 1), new LocalDate(wanted, 12, 31), zone);
        var batch = session.CreateBatchQuery();
        var file = batch.Load<CareFile>(CareFile.IdFor(id));
        var visits = batch.Query<CareVisit>().Where(v => v.ElderId == id && v.VisitedAtUnixMs >= from && v.VisitedAtUnixMs < to).OrderBy(v => v.VisitedAtUnixMs).ToList();
        var actions = batch.Query<CareAction>().Where(a => a.ElderId == id && a.PerformedAtUnixMs >= from && a.PerformedAtUnixMs < to).OrderBy(a => a.PerformedAtUnixMs)
            .ToList();
        await batch.Execute(context.RequestAborted);

        var inFull = caller.Role == Roles.Admin;
        var disclosure = new Disclosure(personalData, inFull);
        var content = new RegisterContent(elder!, elder!.ProtectedPhone is { } p ? disclosure.Phone(elder.Id, ProtectedField.Phone, p) : null,
            await file is { File: not null } f ? CareFileView.Of(f, personalData, inFull, options.Value.ReviewEveryMonths) : null, await visits, await actions, wanted,
            today);
        return Results.Content(CareRegisterPage.Render(content), "text/html; charset=utf-8");
    }
}

/// <summary>Annex 4 as HTML for A4: the form's own headings, rows and check boxes, filled in.</summary>
public static class CareRegisterPage
{
    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    // Short choices stay on one line; a long one (a named illness) wraps rather than run past the page.
    private static string Box(bool ticked, string label) =>
        $"<span class=\"{(label.Length > 12 ? "box long" : "box")}\">{(ticked ? "☑" : "□")} {E(label)}</span>";

    private static string Choice<T>(T value, params (T Value, string Label)[] options) where T : struct, Enum =>
        string.Join(" ", options.Select(o => Box(EqualityComparer<T>.Default.Equals(o.Value, value), o.Label)));

    private static string YesNo(bool yes) => Box(yes, "是") + " " + Box(!yes, "否");

    private static string Trend(Trend t) => Choice(t, (Visits.Trend.Unchanged, "无变化"), (Visits.Trend.Better, "较好"), (Visits.Trend.Worse, "较差"));

    private static string Safety(Safety s) => Choice(s, (Visits.Safety.Safe, "安全"), (Visits.Safety.FairlySafe, "较安全"), (Visits.Safety.Unsafe, "不安全"));

    private static string Date(LocalDate d) => $"{d.Year} 年 {d.Month} 月 {d.Day} 日";

    private static readonly (SupportKind Kind, string Label)[] SupportKinds =
    [
        (SupportKind.PartyOrGovernmentBody, "党政机关、群团组织"), (SupportKind.StreetOrResidentsCommittee, "街道（乡镇）、居（村）民委员会"),
        (SupportKind.Enterprise, "企业"), (SupportKind.SocialOrganisation, "社会组织"), (SupportKind.SocialWorker, "专业社会工作者"),
        (SupportKind.Volunteer, "志愿者"), (SupportKind.Other, "其他")
    ];

    private static string ActionKind(CareActionKind kind) => kind switch
    {
        CareActionKind.PolicyAdvice => "政策宣讲",
        CareActionKind.Referral => "需求转介",
        CareActionKind.Rescue => "必要救援",
        CareActionKind.SafetyReminder => "安全提醒",
        _ => "社区帮扶"
    };

    private static string SatisfactionText(Satisfaction? s) => s switch
    {
        Satisfaction.Satisfied => "满意",
        Satisfaction.FairlySatisfied => "基本满意",
        Satisfaction.Dissatisfied => "不满意",
        _ => ""
    };

    public static string Render(RegisterContent c)
    {
        var elder = c.Elder;
        var file = c.File;
        var categories = elder.Categories;
        var contact = file?.EmergencyContacts.FirstOrDefault();
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="zh-CN"><head><meta charset="utf-8"><title>特殊困难老年人探访关爱服务台账 · {{E(elder.FullName)}} · {{c.Year}}</title>
            <style>
              @page { size: A4; margin: 14mm 12mm; }
              body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", "Source Han Serif SC", serif; font-size: 10.5pt; color: #000; margin: 0; }
              h1 { text-align: center; font-size: 17pt; margin: 0 0 2mm; letter-spacing: 1px; }
              .meta { text-align: center; margin-bottom: 4mm; }
              table { width: 100%; border-collapse: collapse; table-layout: fixed; margin-bottom: 3mm; }
              th, td { border: 0.6pt solid #000; padding: 1.4mm 1.6mm; vertical-align: top; word-break: break-all; overflow-wrap: anywhere; }
              tr, .visit, .action { break-inside: avoid; page-break-inside: avoid; }
              th.part { background: #eee; text-align: left; font-size: 11pt; }
              .label { width: 22%; background: #fafafa; }
              .box { white-space: nowrap; margin-right: 2mm; }
              .box.long { white-space: normal; }
              .sign { height: 12mm; }
              .note { margin-top: 4mm; font-size: 9.5pt; }
              .empty { color: #555; }
              @media screen { body { max-width: 186mm; margin: 8mm auto; } }
            </style></head><body>
            <h1>特殊困难老年人探访关爱服务台账</h1>
            <div class="meta">{{c.Year}} 年度 · 打印日期 {{Date(c.PrintedOn)}}</div>
            <table>
              <colgroup><col style="width:30%"><col style="width:20%"><col style="width:30%"><col style="width:20%"></colgroup>
              <tr><th class="part" colspan="4">一、探访对象基本情况</th></tr>
              <tr><td class="label">家庭住址</td><td colspan="3">{{E(elder.District)}} {{E(elder.Street)}} {{E(elder.Community)}}</td></tr>
              <tr><td class="label">是否居住在户籍所在地</td><td colspan="3">{{(file is null ? "<span class=\"empty\">未建档</span>" : YesNo(file.LivesAtRegisteredAddress))}}</td></tr>
              <tr><td class="label">被探访人姓名</td><td>{{E(elder.FullName)}}</td><td class="label">联系电话</td><td>{{E(c.Phone)}}</td></tr>
              <tr><td class="label">紧急联系人</td><td>{{E(contact?.FullName ?? elder.EmergencyContact.FullName)}}</td><td class="label">联系电话</td><td>{{E(contact?.Phone ?? "")}}</td></tr>
              <tr><td class="label">是否残疾</td><td>{{YesNo(file?.DisabilityCertificate is not null || categories.Contains(ElderCategory.SeverelyDisabled))}}</td>
                  <td class="label">残疾人证号</td><td>{{E(file?.DisabilityCertificate is { } cert ? $"{cert.Number}（{cert.Grade} 级）" : "")}}</td></tr>
              <tr><td class="label">是否独居、空巢</td><td>{{YesNo(categories.Contains(ElderCategory.LivingAlone) || categories.Contains(ElderCategory.EmptyNest))}}</td>
                  <td class="label">是否留守</td><td>{{YesNo(categories.Contains(ElderCategory.LeftBehind))}}</td></tr>
              <tr><td class="label">是否失能</td><td>{{YesNo(file?.Impaired ?? categories.Contains(ElderCategory.Disabled))}}</td>
                  <td class="label">是否计划生育特殊家庭老年人</td><td>{{YesNo(categories.Contains(ElderCategory.BereavedSingleChildFamily))}}</td></tr>
            </table>
            <table>
              <colgroup><col style="width:8%"><col style="width:12%"><col style="width:7%"><col style="width:24%"><col style="width:13%"><col style="width:14%"><col style="width:22%"></colgroup>
              <tr><th class="part" colspan="7">二、家庭基本情况</th></tr>
              <tr><th>序号</th><th>姓名</th><th>性别</th><th>居民身份证号码</th><th>与户主关系</th><th>健康状况</th><th>是否为低保对象/特困人员</th></tr>
            """);
        var members = file?.HouseholdMembers ?? [];
        if (members.Count == 0) html.Append("<tr><td colspan=\"7\" class=\"empty\">（未登记）</td></tr>");
        for (var i = 0; i < members.Count; i++)
        {
            var m = members[i];
            var flags = string.Join("、", new[] { m.MinimumLivingAllowance ? "低保对象" : null, m.ExtremePoverty ? "特困人员" : null }.Where(x => x is not null));
            html.Append($"<tr><td>{(i == 0 ? "户主" : (i + 1).ToString())}</td><td>{E(m.FullName)}</td><td>{(m.Sex == Sex.Male ? "男" : "女")}</td><td>{E(m.IdNumber)}</td>" +
                        $"<td>{E(m.RelationToHead)}</td><td>{E(m.Health)}</td><td>{(flags.Length == 0 ? "否" : flags)}</td></tr>");
        }
        var living = file?.LivingConditions;
        html.Append($$"""
            </table>
            <table>
              <tr><th class="part" colspan="2">三、家庭生活条件</th></tr>
              <tr><td class="label">饮水是否安全</td><td>{{(living is null ? "" : YesNo(living.WaterSafe))}}</td></tr>
              <tr><td class="label">生活用电是否安全</td><td>{{(living is null ? "" : YesNo(living.ElectricitySafe))}}</td></tr>
              <tr><td class="label">住房是否安全</td><td>{{(living is null ? "" : YesNo(living.HousingSafe))}}</td></tr>
              <tr><td class="label">家庭每月收入（元）</td><td>{{living?.MonthlyIncomeYuan}}</td></tr>
              <tr><td class="label">家庭每月领取养老保险、社会救助和社会福利补贴等情况（元）</td><td>{{living?.MonthlyBenefitsYuan}}</td></tr>
            </table>
            <table>
              <tr><th class="part" colspan="2">四、已享受帮扶情况</th></tr>
            """);
        var support = file?.Support ?? [];
        html.Append($"<tr><td class=\"label\">帮扶单位（组织）</td><td>{string.Join(" ", SupportKinds.Select(k => Box(support.Any(s => s.Kind == k.Kind), k.Label)))}</td></tr>");
        html.Append($"<tr><td class=\"label\">帮扶责任人</td><td>{E(string.Join("、", support.Select(s => s.ResponsiblePerson).Distinct()))}</td></tr>");
        html.Append($"<tr><td class=\"label\">帮扶措施</td><td>{string.Join("<br>", support.Select(s => E(s.Measures)))}</td></tr></table>");

        html.Append("<table><tr><th class=\"part\" colspan=\"3\">五、探访情况</th></tr>");
        if (c.Visits.Count == 0) html.Append($"<tr><td colspan=\"3\" class=\"empty\">{c.Year} 年尚无探访记录</td></tr>");
        html.Append("</table>");
        for (var i = 0; i < c.Visits.Count; i++)
        {
            var v = c.Visits[i];
            var f = v.Findings!;
            var household = f.HouseholdChange.Kind switch
            {
                HouseholdChangeKind.Increased => Box(false, "无变化") + Box(true, $"增加 {f.HouseholdChange.Count} 人") + Box(false, "减少 人"),
                HouseholdChangeKind.Decreased => Box(false, "无变化") + Box(false, "增加 人") + Box(true, $"减少 {f.HouseholdChange.Count} 人"),
                _ => Box(true, "无变化") + Box(false, "增加 人") + Box(false, "减少 人")
            };
            var illness = Choice(f.Illness, (IllnessTrend.Unchanged, "无变化"), (IllnessTrend.Serious, $"严重 疾病名称：{f.IllnessName}"), (IllnessTrend.Improved, "转好"));
            html.Append($$"""
                <table class="visit">
                  <tr><td class="label">第 {{i + 1}} 次开展探访<br>{{Date(v.VisitedAtLocal.Date)}}</td><td class="label">探访方式</td>
                      <td>{{Choice(v.Mode, (VisitMode.Phone, "电话问候"), (VisitMode.Home, "上门探访"), (VisitMode.Video, "互联网音（视）频探访"), (VisitMode.Other, "其他"))}}</td></tr>
                  <tr><td class="label">家庭状况</td><td class="label">家庭人口</td><td>{{household}}</td></tr>
                  <tr><td class="label" rowspan="3">健康状况</td><td class="label">表达能力</td><td>{{Trend(f.Expression)}}</td></tr>
                  <tr><td class="label">行动能力</td><td>{{Trend(f.Mobility)}}</td></tr>
                  <tr><td class="label">疾病状况</td><td>{{illness}}</td></tr>
                  <tr><td class="label">精神状态</td><td class="label">情绪状态</td><td>{{Trend(f.Mood)}}</td></tr>
                  <tr><td class="label" rowspan="4">安全情况</td><td class="label">燃气安全</td><td>{{Safety(f.GasSafety)}}</td></tr>
                  <tr><td class="label">水暖安全</td><td>{{Safety(f.WaterHeatingSafety)}}</td></tr>
                  <tr><td class="label">用电安全</td><td>{{Safety(f.ElectricitySafety)}}</td></tr>
                  <tr><td class="label">消防安全</td><td>{{Safety(f.FireSafety)}}</td></tr>
                  <tr><td class="label" rowspan="2">卫生状况</td><td class="label">个人卫生</td><td>{{Trend(f.PersonalHygiene)}}</td></tr>
                  <tr><td class="label">家庭卫生</td><td>{{Trend(f.HomeHygiene)}}</td></tr>
                  <tr><td class="label">居住环境</td><td class="label">室内环境</td><td>{{Trend(f.IndoorEnvironment)}}</td></tr>
                  <tr><td class="label" colspan="2">老年人服务需求</td><td>{{E(v.Needs)}}</td></tr>
                  <tr><td class="label" colspan="2">实施关爱服务建议</td><td>{{E(v.Suggestions)}}{{(v.Emergency is { } em ? $"<br>紧急情况：{E(em.Description)}{(em.CalledEmergencyNumber ? "（已拨打紧急求助电话）" : "")}" : "")}}</td></tr>
                  <tr><td class="label" colspan="2">探访人员（签字）</td><td class="sign">{{E(v.Visitor.Name)}}</td></tr>
                  <tr><td class="label" colspan="2">被探访人（签字）</td><td class="sign"></td></tr>
                  <tr><td class="label" colspan="2">信息录入人（签字）</td><td class="sign">{{Date(v.RecordedAt.InUtc().Date)}}</td></tr>
                </table>
                """);
        }

        html.Append("<table><tr><th class=\"part\" colspan=\"2\">六、关爱服务情况</th></tr>");
        if (c.Actions.Count == 0) html.Append($"<tr><td colspan=\"2\" class=\"empty\">{c.Year} 年尚无关爱服务记录</td></tr>");
        for (var i = 0; i < c.Actions.Count; i++)
        {
            var a = c.Actions[i];
            html.Append($"<tr class=\"action\"><td class=\"label\">第 {i + 1} 次开展关爱<br>{Date(a.PerformedAtLocal.Date)}</td><td>关爱服务情况：{ActionKind(a.Kind)}。{E(a.Description)}" +
                        $"<br>服务人员签字（盖章）：{E(a.PerformedBy)}　{Date(a.PerformedAtLocal.Date)}<br>老年人服务满意度评价：{SatisfactionText(a.Satisfaction)}</td></tr>");
        }
        html.Append("""
            </table>
            <p class="note">备注：此表一式两份，可复印，区级民政部门、街道（乡镇）各存档一份。</p>
            </body></html>
            """);
        return html.ToString();
    }
}
