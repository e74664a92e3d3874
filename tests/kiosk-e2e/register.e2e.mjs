// Opens an elder's visit register (/api/elders/{id}/register) in headless Chromium with a key, screenshots its first
// A4 page and prints it to PDF as staff would for the archives. Prints one JSON line; exits 1 on any failure.
//
//   REGISTER_URL  the register's address, e.g. http://127.0.0.1:5123/api/elders/…/register?year=2026
//   API_KEY       a key that may read the elder's care data
//   CHROMIUM      browser executable (default /usr/bin/chromium)
//   SCREENSHOT    the PNG of page 1;  PDF  the printed file
import { env, withChromium } from "./browser.mjs";

// An A4 sheet at 96 dpi.
await withChromium("register", { viewport: { width: 794, height: 1123 }, extraHTTPHeaders: { "X-Api-Key": env("API_KEY") } }, async (page) => {
  const response = await page.goto(env("REGISTER_URL"));
  if (!response.ok()) throw new Error(`the register answered ${response.status()}`);
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: env("SCREENSHOT"), clip: { x: 0, y: 0, width: 794, height: 1123 } });
  await page.pdf({ path: env("PDF"), format: "A4", printBackground: true, preferCSSPageSize: true });
  // A field cut off at the page's right edge would be wider than the page.
  const overflowing = await page.evaluate(() =>
    [...document.querySelectorAll("td, th")].filter((cell) => cell.scrollWidth > cell.clientWidth + 1).map((cell) => cell.textContent.trim()));
  return { title: await page.title(), overflowing, pageWidth: await page.evaluate(() => document.documentElement.scrollWidth) };
});
