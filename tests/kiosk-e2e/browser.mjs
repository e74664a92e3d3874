// What the page tests share: reading their settings from the environment, and running in Debian's headless Chromium
// (never a downloaded browser) with a fresh profile. A test's result is printed as one JSON line; any failure exits 1.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

export const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

export async function withChromium(name, options, run) {
  const profile = await mkdtemp(join(tmpdir(), `${name}-e2e-`));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      timeout: 60_000,
      locale: "zh-CN",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
      ...options,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    console.log(JSON.stringify(await run(page)));
  } catch (error) {
    console.error(`${name} e2e: ${error.stack || error}`);
    process.exitCode = 1;
  } finally {
    await context?.close().catch(() => {});
    await rm(profile, { recursive: true, force: true });
  }
}
