// Drives the kiosk page in headless Chromium (Debian's package, never a downloaded browser):
// enter the kiosk key, try a mistyped member code, look the member up, redeem items, read the receipt.
// Input from the environment; prints one JSON line with what the page showed. Exits 1 on any failure.
//
//   KIOSK_URL       the service, e.g. http://127.0.0.1:5123
//   KIOSK_KEY       a kiosk key scoped to a market
//   MEMBER_CODE     the member's code (typed as a counter might: lower case, with a hyphen)
//   MISTYPED_CODE   the same code with one character wrong
//   ORDER           JSON: [{"sku": "RICE", "quantity": 2}, ...]
//   CHROMIUM        browser executable (default /usr/bin/chromium)
//   SCREENSHOT      optional: PNGs of the receipt (this path), the cart (…-cart.png) and the mistyped code (…-typo.png)
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const base = env("KIOSK_URL");
const order = JSON.parse(env("ORDER"));
const profile = await mkdtemp(join(tmpdir(), "kiosk-e2e-"));
const timeout = 15_000;
let context;
try {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    timeout: 60_000,
    viewport: { width: 1024, height: 1366 },
    locale: "zh-CN",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  const failures = [];
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => failures.push(`request failed: ${r.url()}`));

  const response = await page.goto(`${base}/kiosk`);
  if (!response.ok()) throw new Error(`/kiosk answered ${response.status()}`);
  await page.locator("html[lang='zh-CN']").waitFor({ state: "attached" });

  await page.fill("#key-input", env("KIOSK_KEY"));
  await page.click("#key-form button[type=submit]");
  await page.locator("#lookup").waitFor({ state: "visible" });
  const market = await page.textContent("#market-name");
  const memberRowBeforeLookup = await page.locator("#member").isVisible();

  await page.fill("#member-code", env("MISTYPED_CODE"));
  await page.press("#member-code", "Enter");
  await page.locator("#message").waitFor({ state: "visible" });
  const mistyped = await page.textContent("#message");
  const memberRowAfterTypo = await page.locator("#member").isVisible();
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, "-typo.png"), fullPage: true });

  const code = env("MEMBER_CODE").toLowerCase();
  await page.fill("#member-code", `${code.slice(0, 4)}-${code.slice(4)}`);
  await page.press("#member-code", "Enter");
  await page.locator("#shop").waitFor({ state: "visible" });
  const member = { name: await page.textContent("#member-name"), points: Number(await page.textContent("#member-points")) };

  for (const line of order) {
    for (let i = 0; i < line.quantity; i++) await page.click(`li[data-sku="${line.sku}"] .plus`);
  }
  const total = Number(await page.textContent("#cart-total"));
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT.replace(/\.png$/, "-cart.png"), fullPage: true });
  await page.click("#confirm");
  await page.locator("#receipt").waitFor({ state: "visible" });

  const receipt = {
    orderId: (await page.textContent("#receipt-order")).trim(),
    spent: Number(await page.textContent("#receipt-spent")),
    balance: Number(await page.textContent("#receipt-balance")),
    lines: await page.$$eval("#receipt-lines tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent))),
  };
  if (process.env.SCREENSHOT) await page.screenshot({ path: process.env.SCREENSHOT, fullPage: true });
  if (failures.length) throw new Error(failures.join("; "));

  console.log(JSON.stringify({ market, memberRowBeforeLookup, mistyped, memberRowAfterTypo, member, total, receipt }));
} catch (error) {
  console.error(`kiosk e2e: ${error.stack || error}`);
  process.exitCode = 1;
} finally {
  await context?.close().catch(() => {});
  await rm(profile, { recursive: true, force: true });
}
