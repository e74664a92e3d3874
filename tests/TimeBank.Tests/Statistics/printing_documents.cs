using System.Diagnostics;
using System.Text.Json;
using NodaTime;
using Shouldly;
using TimeBank.Recognition.Certificates;
using TimeBank.Tests.Care;
using TimeBank.Tests.Ledger;
using Xunit.Abstractions;

namespace TimeBank.Tests.Statistics;

/// <summary>The certificate and the annual report as people print them: headless Chromium prints each to an A4 PDF with its Chinese text.</summary>
public sealed class printing_documents(AppFixture fixture, ITestOutputHelper output) : ApiTest(fixture)
{
    private async Task<string> PrintAsync(ServiceProcess service, string path, string key, string name)
    {
        var chromium = Environment.GetEnvironmentVariable("CHROMIUM") ?? "/usr/bin/chromium";
        File.Exists(chromium).ShouldBeTrue($"{chromium} is missing: run the suite with ops/test, which installs Debian's chromium.");
        var pdf = Path.Combine(Path.GetTempPath(), $"{name}.pdf");
        var shown = await ServiceProcess.RunNodeAsync(ServiceProcess.RepoFolder("tests", "kiosk-e2e"), "register.e2e.mjs", new Dictionary<string, string>
        {
            ["REGISTER_URL"] = $"{service.Url}{path}",
            ["API_KEY"] = key,
            ["CHROMIUM"] = chromium,
            ["SCREENSHOT"] = Path.Combine(Path.GetTempPath(), $"{name}.png"),
            ["PDF"] = pdf
        }, ServiceProcess.LogTo(output));
        shown.GetProperty("overflowing").EnumerateArray().ShouldBeEmpty($"no field of the {name} is cut off");
        var start = new ProcessStartInfo("pdftotext", [pdf, "-"]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var text = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
    }

    [Fact]
    public async Task the_certificate_and_the_annual_report_print_to_pdf_in_chinese()
    {
        var (volunteer, _) = await Fixture.VolunteerWithBalance(5 * 60);
        var today = Fixture.LocalNow().Date;
        var certificate = await (await Host.PostAsync(Keys.Platform, $"/api/volunteers/{volunteer}/certificates",
            new { from = today.PlusDays(-40).ToString("yyyy-MM-dd", null), to = today.ToString("yyyy-MM-dd", null), purpose = "实践学分" }, 201,
            Guid.NewGuid().ToString())).Body<CertificateView>();

        await using var service = await ServiceProcess.StartAsync(ServiceProcess.LogTo(output));
        var printed = await PrintAsync(service, $"/api/certificates/{certificate.Number}", Keys.Platform, "certificate");
        foreach (var text in new[] { "志愿服务证明", certificate.Number, "张晓明", "5小时", "实践学分", "核验本证明" }) printed.ShouldContain(text);

        var report = await PrintAsync(service, $"/api/reports/annual?year={today.Year}&format=html", Keys.Auditor, "annual-report");
        foreach (var text in new[] { $"{today.Year}年度时间银行志愿服务工作报告", "一、年度概况", "七、账本审计锚点" }) report.ShouldContain(text);
    }
}
