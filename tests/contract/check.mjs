// The contract check: fetch the service's OpenAPI document, lint it with Redocly (recommended rules plus the
// RFC 7807/9457 problem rule), generate a TypeScript client with openapi-typescript, type-check the happy path
// with strict tsc, then run it against the service. Prints one JSON line; exits 1 on any failure.
//
//   CONTRACT_URL   the service, e.g. http://127.0.0.1:5123
//   PLATFORM_KEY   a platform API key (for the happy path)
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";

const here = new URL(".", import.meta.url).pathname;
const run = (step, file, args, options = {}) => {
  try {
    return execFileSync(process.execPath, [file, ...args], { cwd: here, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], ...options });
  } catch (error) {
    throw new Error(`${step} failed:\n${error.stdout ?? ""}${error.stderr ?? ""}`);
  }
};

try {
  const response = await fetch(`${process.env.CONTRACT_URL}/swagger/v1/swagger.json`);
  if (!response.ok) throw new Error(`the OpenAPI document answered ${response.status}`);
  rmSync(`${here}generated`, { recursive: true, force: true });
  rmSync(`${here}build`, { recursive: true, force: true });
  mkdirSync(`${here}generated`);
  writeFileSync(`${here}generated/openapi.json`, await response.text());

  let lint;
  try {
    lint = JSON.parse(run("lint", "node_modules/@redocly/cli/bin/cli.js", ["lint", "generated/openapi.json", "--config", "redocly.yaml", "--format=json"]));
  } catch (error) {
    const text = String(error.message);
    lint = JSON.parse(text.slice(text.indexOf("{")));
  }
  const problems = lint.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location?.[0]?.pointer}: ${p.message}`);

  run("openapi-typescript", "node_modules/openapi-typescript/bin/cli.js", ["generated/openapi.json", "-o", "generated/timebank.ts"]);
  run("tsc --noEmit", "node_modules/typescript/bin/tsc", ["--noEmit", "-p", "tsconfig.json"]);
  run("tsc", "node_modules/typescript/bin/tsc", ["-p", "tsconfig.json"]);
  const happyPath = JSON.parse(run("happy path", "build/happy-path.js", []).trim().split("\n").at(-1));

  console.log(JSON.stringify({ lint: { errors: lint.totals.errors, warnings: lint.totals.warnings, problems }, typeChecked: true, happyPath }));
} catch (error) {
  console.error(`contract check: ${error.stack || error}`);
  process.exitCode = 1;
}
