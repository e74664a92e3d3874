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
import { env, withChromium } from "./browser.mjs";

const base = env("KIOSK_URL");
const order = JSON.parse(env("ORDER"));
const timeout = 15_000;

await withChromium("kiosk", { viewport: { width: 1024, height: 1366 } }, async (page) => {
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

  return { market, memberRowBeforeLookup, mistyped, memberRowAfterTypo, member, total, receipt };
});
