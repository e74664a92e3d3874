using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using QRCoder;
using TimeBank.Ledger;
using TimeBank.People;
using TimeBank.People.Granting;
using TimeBank.ServiceRecords;

namespace TimeBank.Recognition.Certificates;

public sealed record HoursOfType([property: Required] string ServiceType, [property: Required] string Name, [property: Required] int Minutes);

/// <summary>
/// A service certificate (志愿服务证明) as issued: the volunteer's full name (it is their own document) and masked id
/// number, the period's credited minutes by service type, the records they come from, the star level then, and who
/// issued it. verificationCode is what the QR code carries to the public check.
/// </summary>
public sealed record CertificateIssued(Guid CertificateId, string Number, string VerificationCode, Guid VolunteerId, string FullName, string MaskedIdNumber,
    LocalDate From, LocalDate To, string Purpose, IReadOnlyList<HoursOfType> Hours, int TotalMinutes, IReadOnlyList<Guid> RecordIds, int StarLevel,
    string IssuingBody, string IssuedBy, Instant IssuedAt);

public sealed record Certificate
{
    public Guid Id { get; init; }
    public string Number { get; init; } = "";
    public string VerificationCode { get; init; } = "";
    public Guid VolunteerId { get; init; }
    public string FullName { get; init; } = "";
    public string MaskedIdNumber { get; init; } = "";
    public LocalDate From { get; init; }
    public LocalDate To { get; init; }
    public string Purpose { get; init; } = "";
    public IReadOnlyList<HoursOfType> Hours { get; init; } = [];
    public int TotalMinutes { get; init; }
    public IReadOnlyList<Guid> RecordIds { get; init; } = [];
    public int StarLevel { get; init; }
    public string IssuingBody { get; init; } = "";
    public string IssuedBy { get; init; } = "";
    public Instant IssuedAt { get; init; }
    public long Version { get; set; }

    public Certificate Apply(CertificateIssued e) => this with
    {
        Id = e.CertificateId, Number = e.Number, VerificationCode = e.VerificationCode, VolunteerId = e.VolunteerId, FullName = e.FullName,
        MaskedIdNumber = e.MaskedIdNumber, From = e.From, To = e.To, Purpose = e.Purpose, Hours = e.Hours, TotalMinutes = e.TotalMinutes,
        RecordIds = e.RecordIds, StarLevel = e.StarLevel, IssuingBody = e.IssuingBody, IssuedBy = e.IssuedBy, IssuedAt = e.IssuedAt
    };
}

/// <param name="Number">The certificate's number (证明编号), e.g. ZM20261124-3F9A1C.</param>
/// <param name="VerifyUrl">Where anyone checks it without a key (the QR code's target), on this service.</param>
public sealed record CertificateView([property: Required] Guid Id, [property: Required] string Number, [property: Required] Guid VolunteerId,
    [property: Required] string FullName, [property: Required] string MaskedIdNumber, [property: Required] LocalDate From, [property: Required] LocalDate To,
    [property: Required] string Purpose, [property: Required] IReadOnlyList<HoursOfType> Hours, [property: Required] int TotalMinutes,
    [property: Required] int StarLevel, [property: Required] string IssuingBody, [property: Required] Instant IssuedAt, [property: Required] string VerifyUrl)
{
    public static CertificateView Of(Certificate c, string verifyUrl) => new(c.Id, c.Number, c.VolunteerId, c.FullName, c.MaskedIdNumber, c.From, c.To, c.Purpose,
        c.Hours, c.TotalMinutes, c.StarLevel, c.IssuingBody, c.IssuedAt, verifyUrl);
}

/// <param name="From">First day, local (yyyy-MM-dd).</param>
/// <param name="To">Last day, local, not in the future.</param>
/// <param name="Purpose">What it is for (综合素质评价, 实践学分, 评优, …).</param>
public sealed record IssueCertificateRequest([property: Required] LocalDate? From, [property: Required] LocalDate? To, [property: Required] string? Purpose);

public sealed record IssueCertificate(Guid VolunteerId, LocalDate From, LocalDate To, string Purpose) : IKeyedCommand;

public static class Certificates
{
    public static string VerifyPath(string code) => $"/verify/{code}";

    public static string VerifyUrl(HttpRequest request, string code) => $"{request.Scheme}://{request.Host}{VerifyPath(code)}";

    /// <summary>ZM, the issuing date in the programme's zone, and six characters of the id: ZM20261124-3F9A1C.</summary>
    public static string NumberOf(Guid id, LocalDate issuedOn) => $"ZM{issuedOn:yyyyMMdd}-{id.ToString("N")[^6..].ToUpperInvariant()}";

    /// <summary>Sixteen characters no one can guess: the QR code's key to the public check.</summary>
    public static string NewVerificationCode() => RandomNumberGenerator.GetString("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", 16);

    /// <summary>Credited minutes of the records by service type, largest first.</summary>
    public static IReadOnlyList<HoursOfType> HoursOf(IEnumerable<ServiceRecord> records) => records
        .GroupBy(r => r.ServiceType)
        .Select(g => new HoursOfType(g.Key, ServiceTypes.All.FirstOrDefault(t => t.Code == g.Key)?.NameZh ?? g.Key, g.Sum(r => r.CreditedMinutes)))
        .OrderByDescending(h => h.Minutes).ThenBy(h => h.ServiceType)
        .ToList();

    public static string QrSvg(string url)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(url, QRCodeGenerator.ECCLevel.M);
        return new SvgQRCode(data).GetGraphic(4);
    }
}

public static class IssueCertificateEndpoint
{
    public static ProblemDetails Validate(IssueCertificateRequest request, HttpContext context, IClock clock, IOptions<TimeBankOptions> options)
    {
        var errors = new Dictionary<string, string[]>();
        Idempotency.CheckKey(context, errors);
        var today = PersonFields.Today(clock, options.Value);
        if (request.From is not { Year: >= 2000 } from) errors["from"] = ["The first day (yyyy-MM-dd, from 2000) is required."];
        if (request.To is not { } to || to > today) errors["to"] = ["The last day (yyyy-MM-dd), not in the future, is required."];
        else if (request.From is { } f && (to < f || Period.Between(f, to, PeriodUnits.Years).Years >= 20)) errors["to"] = ["to is on or after from, within twenty years."];
        if (string.IsNullOrWhiteSpace(request.Purpose) || request.Purpose.Trim().Length > 100) errors["purpose"] = ["What the certificate is for, 1 to 100 characters."];
        return Problems.Validate(errors);
    }

    /// <summary>
    /// Issues a service certificate (志愿服务证明) for the volunteer's credited service in the period: an event, so it is in
    /// the hash chain. Admins, and platforms for the volunteers they act for. Idempotent on the Idempotency-Key header.
    /// </summary>
    [WolverinePost("/api/volunteers/{id}/certificates", OperationId = "IssueCertificate")]
    [Authorize(Roles = Roles.Writers)]
    [ProducesResponseType<CertificateView>(StatusCodes.Status201Created)]
    [ProducesResponseType<CertificateView>(StatusCodes.Status200OK)]
    [Refuses(StatusCodes.Status409Conflict)]
    public static async Task<IResult> Post(Guid id, IssueCertificateRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        IMessageBus bus, HttpContext context)
    {
        var command = new IssueCertificate(id, request.From!.Value, request.To!.Value, request.Purpose!.Trim());
        return (await bus.InvokeForRequestAsync(command, context)).ToResult<CertificateView>(c => $"/api/certificates/{c.Number}");
    }
}

public static class IssueCertificateHandler
{
    public static async Task<Outcome> Handle(IssueCertificate command, IDocumentSession session, IClock clock, Envelope envelope, PersonalData personalData,
        IOptions<TimeBankOptions> options, IOptions<RecognitionOptions> recognition, CancellationToken cancellation)
    {
        var caller = Scopes.CallerOf(envelope);
        var zone = DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone];
        var (from, to) = LocalDays.UnixMillis(command.From, command.To, zone);
        // The account's served minutes and its records come from statements of their own: held, they agree.
        await StreamLocks.ShareAsync(session, command.VolunteerId, cancellation);
        var batch = session.CreateBatchQuery();
        var volunteer = batch.Load<Volunteer>(command.VolunteerId);
        var grant = batch.Load<AccessGrant>(AccessGrant.IdFor(command.VolunteerId, caller.KeyId));
        var account = batch.Load<Account>(command.VolunteerId);
        var records = batch.Query<ServiceRecord>().Where(r => r.VolunteerId == command.VolunteerId && r.Status == ServiceRecordStatus.Credited
                                                              && r.StartsAtUnixMs >= from && r.StartsAtUnixMs < to).ToList();
        await batch.Execute(cancellation);

        var id = Guid.CreateVersion7();
        var now = clock.GetCurrentInstant();
        var found = await volunteer;
        var decision = Decide(command, id, found, (await grant)?.Active == true, await records, (await account)?.ServedMinutes ?? 0,
            found is null ? "" : Masking.IdNumber(personalData.Reveal(found.ProtectedIdNumber, PersonalData.Field(found.Id, ProtectedField.IdNumber))),
            recognition.Value, caller, now, now.InZone(zone).Date);
        if (decision.Refusal is { } refusal) return refusal;
        session.Events.StartStream<Certificate>(id, decision.Events);
        var certificate = new Certificate().Apply(decision.Events);
        return Outcome.New(CertificateView.Of(certificate, Certificates.VerifyPath(certificate.VerificationCode)));
    }

    public static Decision<CertificateIssued> Decide(IssueCertificate command, Guid id, Volunteer? volunteer, bool granted, IReadOnlyList<ServiceRecord> records,
        int servedMinutes, string maskedIdNumber, RecognitionOptions recognition, Caller caller, Instant now, LocalDate today)
    {
        if (volunteer is null) return new NotFound("Volunteer", command.VolunteerId.ToString());
        if (Scopes.MayActFor(caller, volunteer.Id, new PersonScope(volunteer.RegisteredBy, granted)) is { } refusal) return refusal;
        var hours = Certificates.HoursOf(records);
        return new CertificateIssued(id, Certificates.NumberOf(id, today), Certificates.NewVerificationCode(), volunteer.Id, volunteer.FullName, maskedIdNumber,
            command.From, command.To, command.Purpose, hours, hours.Sum(h => h.Minutes), records.Select(r => r.Id).Order().ToList(),
            StarLevel.Of(servedMinutes, recognition.Thresholds).Level, recognition.IssuingBody, caller.KeyId, now);
    }
}

public static class PrintCertificateEndpoint
{
    /// <summary>
    /// The certificate as a printable A4 page in Chinese with its QR code (print it to PDF in the browser). Admins, auditors,
    /// and platforms for the volunteers they act for.
    /// </summary>
    [WolverineGet("/api/certificates/{number}", OperationId = "PrintCertificate")]
    [Authorize(Roles = Roles.PeopleReaders)]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/html")]
    public static async Task<IResult> Get(string number, IQuerySession session, IOptions<TimeBankOptions> options, HttpContext context)
    {
        var certificate = await session.Query<Certificate>().FirstOrDefaultAsync(c => c.Number == number, context.RequestAborted);
        if (certificate is null) return Problems.NotFound("Certificate", number).ToResult();
        var caller = context.Caller();
        if (await PersonScope.ForRead(session, caller, certificate.VolunteerId, context.RequestAborted).RefusedAsync(caller, certificate.VolunteerId) is { } refused)
            return refused;
        return Results.Content(CertificatePage.Printable(certificate, Certificates.VerifyUrl(context.Request, certificate.VerificationCode),
            DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone]), "text/html; charset=utf-8");
    }
}

public static class VerifyCertificateEndpoint
{
    /// <summary>Anyone checks a certificate by the code its QR carries: its facts (the name masked) and whether any record in it was reversed since.</summary>
    [WolverineGet("/verify/{code}", OperationId = "VerifyCertificate")]
    [AllowAnonymous]
    [ProducesResponseType(typeof(string), StatusCodes.Status200OK, "text/html")]
    public static async Task<IResult> Get(string code, IQuerySession session, IOptions<TimeBankOptions> options, HttpContext context)
    {
        var certificate = code.Length == 16 ? await session.Query<Certificate>().FirstOrDefaultAsync(c => c.VerificationCode == code, context.RequestAborted) : null;
        if (certificate is null) return Results.Content(CertificatePage.Unknown(), "text/html; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
        var ids = certificate.RecordIds.ToArray();
        var reversed = await session.Query<ServiceRecord>().Where(r => r.Id.IsOneOf(ids) && r.Status == ServiceRecordStatus.Reversed)
            .Select(r => r.CreditedMinutes).ToListAsync(context.RequestAborted);
        return Results.Content(CertificatePage.Verification(certificate, reversed.Count, reversed.Sum(),
            DateTimeZoneProviders.Tzdb[options.Value.DefaultTimeZone]), "text/html; charset=utf-8");
    }
}

public static class CertificatePage
{
    private static string E(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Date(LocalDate d) => $"{d.Year} 年 {d.Month} 月 {d.Day} 日";

    private const string Style = """
        <style>
          @page { size: A4; margin: 20mm; }
          body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; color: #000; font-size: 12pt; margin: 0; }
          @media screen { body { max-width: 170mm; margin: 10mm auto; } }
          h1 { text-align: center; font-size: 22pt; letter-spacing: 6px; margin: 0 0 4mm; }
          .number { text-align: right; font-size: 10pt; }
          table { width: 100%; border-collapse: collapse; margin: 4mm 0; }
          th, td { border: 0.6pt solid #000; padding: 2mm; text-align: left; }
          .seal { margin-top: 10mm; text-align: right; line-height: 1.8; }
          .qr { float: left; width: 32mm; }
          .qr svg { width: 32mm; height: 32mm; }
          .ok { color: #0a6b2d; font-weight: bold; } .warn { color: #a40000; font-weight: bold; }
        </style>
        """;

    /// <summary>One row per service type: its name and hours.</summary>
    private static string HoursRows(Certificate c) => string.Concat(c.Hours.Select(h => $"<tr><td>{E(h.Name)}</td><td>{Minutes.InHoursText(h.Minutes)}</td></tr>"));

    public static string Printable(Certificate c, string verifyUrl, DateTimeZone zone)
    {
        return $"""
            <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>志愿服务证明 {E(c.Number)}</title>{Style}</head><body>
            <div class="number">证明编号：{E(c.Number)}</div>
            <h1>志愿服务证明</h1>
            <p>兹证明 <strong>{E(c.FullName)}</strong>（居民身份证号码 {E(c.MaskedIdNumber)}）于 {Date(c.From)} 至 {Date(c.To)} 期间参加为老志愿服务，
            经时间银行记录的服务时长共计 <strong>{Minutes.InHoursText(c.TotalMinutes)} 小时</strong>，当前星级 {c.StarLevel} 星。</p>
            <table><tr><th>服务类型</th><th>时长（小时）</th></tr>{HoursRows(c)}<tr><th>合计</th><th>{Minutes.InHoursText(c.TotalMinutes)}</th></tr></table>
            <p>用途：{E(c.Purpose)}</p>
            <div class="qr">{Certificates.QrSvg(verifyUrl)}</div>
            <p style="font-size:9pt">扫码或访问 {E(verifyUrl)} 核验本证明。</p>
            <div class="seal">{E(c.IssuingBody)}（盖章）<br>{Date(c.IssuedAt.InZone(zone).Date)}</div>
            </body></html>
            """;
    }

    public static string Verification(Certificate c, int reversedRecords, int reversedMinutes, DateTimeZone zone)
    {
        var status = reversedRecords == 0
            ? "<p class=\"ok\">本证明真实有效，所列服务记录均未被撤销。</p>"
            : $"<p class=\"warn\">注意：本证明所含服务记录中有 {reversedRecords} 条（{Minutes.InHoursText(reversedMinutes)} 小时）已于开具后被撤销。</p>";
        return $"""
            <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>志愿服务证明核验 {E(c.Number)}</title>{Style}</head><body>
            <h1>证明核验</h1>
            {status}
            <table>
              <tr><th>证明编号</th><td>{E(c.Number)}</td></tr>
              <tr><th>志愿者</th><td>{E(Masking.Name(c.FullName))}（{E(c.MaskedIdNumber)}）</td></tr>
              <tr><th>服务期间</th><td>{Date(c.From)} 至 {Date(c.To)}</td></tr>
              <tr><th>服务时长</th><td>{Minutes.InHoursText(c.TotalMinutes)} 小时</td></tr>
              <tr><th>星级</th><td>{c.StarLevel} 星</td></tr>
              <tr><th>出具单位</th><td>{E(c.IssuingBody)}</td></tr>
              <tr><th>开具时间</th><td>{Date(c.IssuedAt.InZone(zone).Date)}</td></tr>
            </table>
            <table><tr><th>服务类型</th><th>时长（小时）</th></tr>{HoursRows(c)}</table>
            </body></html>
            """;
    }

    public static string Unknown() => $"""
        <!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>证明核验</title>{Style}</head><body>
        <h1>证明核验</h1><p class="warn">未找到该证明：核验码不存在。请核对证明上的二维码或链接。</p></body></html>
        """;
}
