// Opens an elder's visit register (/api/elders/{id}/register) in headless Chromium with a key, screenshots its first
// A4 page and prints it to PDF as staff would for the archives. Prints one JSON line; exits 1 on any failure.
//
//   REGISTER_URL  the register's address, e.g. http://127.0.0.1:5123/api/elders/…/register?year=2026
//   API_KEY       a key that may read the elder's care data
//   CHROMIUM      browser executable (default /usr/bin/chromium)
//   SCREENSHOT    the PNG of page 1;  PDF  the printed file
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const profile = await mkdtemp(join(tmpdir(), "register-e2e-"));
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    timeout: 60_000,
    // An A4 sheet at 96 dpi.
    viewport: { width: 794, height: 1123 },
    locale: "zh-CN",
    extraHTTPHeaders: { "X-Api-Key": env("API_KEY") },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const response = await page.goto(env("REGISTER_URL"));
  if (!response.ok()) throw new Error(`the register answered ${response.status()}`);
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: env("SCREENSHOT"), clip: { x: 0, y: 0, width: 794, height: 1123 } });
  await page.pdf({ path: env("PDF"), format: "A4", printBackground: true, preferCSSPageSize: true });
  // A field cut off at the page's right edge would be wider than the page.
  const overflowing = await page.evaluate(() =>
    [...document.querySelectorAll("td, th")].filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent.trim()));
  const title = await page.title();
  console.log(JSON.stringify({ title, overflowing, pageWidth: await page.evaluate(() => document.documentElement.scrollWidth) }));
} catch (e) {
  console.error(e);
  process.exitCode = 1;
} finally {
  await context?.close();
  await rm(profile, { recursive: true, force: true });
}
