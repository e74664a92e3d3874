// Drives the coordinator dashboard (/dashboard) in headless Chromium: enter a key, let it load for a district, read the
// figures it shows, and screenshot it at desktop and tablet sizes. Prints one JSON line; exits 1 on any failure.
//
//   DASHBOARD_URL  e.g. http://127.0.0.1:5123/dashboard/?district=和平区
//   API_KEY        a coordinator (or admin, auditor) key
//   CHROMIUM       browser executable (default /usr/bin/chromium)
//   SCREENSHOT     PNG path of the desktop view; the tablet view goes beside it as …-tablet.png
import { env, withChromium } from "./browser.mjs";

await withChromium("dashboard", { viewport: { width: 1280, height: 900 } }, async (page) => {
  page.setDefaultTimeout(30_000);
  const failures = [];
  const external = [];
  page.on("pageerror", (e) => failures.push(`page error: ${e.message}`));
  page.on("request", (r) => { if (!r.url().startsWith(new URL(env("DASHBOARD_URL")).origin)) external.push(r.url()); });

  const response = await page.goto(env("DASHBOARD_URL"));
  if (!response.ok()) throw new Error(`/dashboard answered ${response.status()}`);
  await page.fill("#key-input", env("API_KEY"));
  await page.click("#key-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("已更新") || document.getElementById("status").textContent === "加载失败");
  const status = await page.textContent("#status");
  if (!status.startsWith("已更新")) throw new Error(`the dashboard did not load: ${await page.textContent("#message")}`);

  const sumOf = (chart, series) => page.$$eval(`#${chart} rect[data-series="${series}"]`, (rects) =>
    Math.round(rects.reduce((sum, r) => sum + Number(r.dataset.value), 0) * 10) / 10);
  const shown = {
    status,
    volunteersTarget: Number(await page.getAttribute("#target-volunteers", "data-actual")),
    hoursTarget: Number(await page.getAttribute("#target-service-hours", "data-actual")),
    yearHours: Number(await page.textContent("#year-hours")),
    yearActive: Number(await page.textContent("#year-active")),
    yearElders: Number(await page.textContent("#year-elders")),
    lowAgeShare: await page.textContent("#low-age-share"),
    hoursBySeries: { youth: await sumOf("hours-chart", "youth"), senior: await sumOf("hours-chart", "senior"), general: await sumOf("hours-chart", "general") },
    communities: await page.$$eval("#communities tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent))),
    bankedHours: Number(await page.textContent("#banked-hours")),
    liabilityBars: await page.$$eval("#liability-chart rect", (rects) => rects.map((r) => [r.dataset.label, Number(r.dataset.value)])),
    ticks: {
      hours: await page.$$eval("#hours-chart text.tick", (texts) => texts.map((t) => t.textContent)),
      people: await page.$$eval("#people-chart text.tick", (texts) => texts.map((t) => t.textContent)),
      liability: await page.$$eval("#liability-chart text.tick", (texts) => texts.map((t) => t.textContent)),
    },
    external,
  };
  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });
  await page.setViewportSize({ width: 820, height: 1180 });
  await page.screenshot({ path: env("SCREENSHOT").replace(/\.png$/, "-tablet.png"), fullPage: true });
  shown.tabletOverflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  if (failures.length) throw new Error(failures.join("; "));
  return shown;
});
