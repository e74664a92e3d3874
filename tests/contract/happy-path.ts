// A volunteer platform's first day, written against the client that openapi-typescript generates from the
// service's own OpenAPI document: no casts, no hand-written types. Strict tsc must accept it; then it runs.
//
//   CONTRACT_URL   the service, e.g. http://127.0.0.1:5123
//   PLATFORM_KEY   a platform API key
import createClient from "openapi-fetch";
import type { paths } from "./generated/timebank.js";

declare const process: { env: Record<string, string | undefined>; exitCode?: number };

const baseUrl = process.env["CONTRACT_URL"] ?? "";
const key = process.env["PLATFORM_KEY"] ?? "";
const client = createClient<paths>({ baseUrl, headers: { "X-Api-Key": key } });

/** An 18-character resident identity number (GB 11643): region, birth date, serial, check character. */
function idNumber(birth: string): string {
  const body = `120101${birth.replaceAll("-", "")}${String(Math.floor(Math.random() * 1000)).padStart(3, "0")}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...body].reduce((total, digit, i) => total + Number(digit) * (weights[i] ?? 0), 0);
  return body + "10X98765432"[sum % 11];
}

function must<T>(step: string, result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) throw new Error(`${step}: ${result.response.status} ${JSON.stringify(result.error)}`);
  return result.data;
}

const volunteer = must("register a volunteer", await client.POST("/api/volunteers", {
  body: {
    fullName: "张晓明", idNumber: idNumber("1960-03-15"), phone: "13812345678", programme: "senior",
    district: "和平区", street: "劝业场街道", community: "新津社区",
  },
}));

const elder = must("register an elder", await client.POST("/api/elders", {
  body: {
    fullName: "李秀英", idNumber: idNumber("1938-07-02"), district: "和平区", street: "劝业场街道", community: "新津社区",
    categories: ["living-alone", "empty-nest"],
    emergencyContact: { fullName: "李强", phone: "13987654321", relation: "child" },
  },
}));

const yesterday = new Date(Date.now() - 24 * 3600 * 1000).toISOString().slice(0, 10);
const deposit = must("record a service", await client.POST("/api/service-records", {
  body: {
    platformRecordId: `visit-${volunteer.id}`, volunteerId: volunteer.id, elderId: elder.id, serviceType: "home-visit",
    startedAt: `${yesterday}T09:00:00`, endedAt: `${yesterday}T11:00:00`, timeZone: "Asia/Shanghai", note: "陪老人聊天",
  },
}));

const account = must("read the account", await client.GET("/api/accounts/{id}", { params: { path: { id: volunteer.accountId } } }));

const transferKey = crypto.randomUUID();
const transfer = must("transfer", await client.POST("/api/transfers", {
  params: { header: { "Idempotency-Key": transferKey } },
  body: { from: volunteer.accountId, to: elder.accountId, minutes: 30, reason: "赠与母亲" },
}));
const retried = must("retry the transfer", await client.POST("/api/transfers", {
  params: { header: { "Idempotency-Key": transferKey } },
  body: { from: volunteer.accountId, to: elder.accountId, minutes: 30, reason: "赠与母亲" },
}));

const hold = must("hold minutes", await client.POST("/api/redemptions", {
  params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  body: { accountId: volunteer.accountId, minutes: 60, serviceType: "bathing", description: "每周助浴一次" },
}));
const settled = must("settle", await client.POST("/api/redemptions/{id}/settle", { params: { path: { id: hold.id } } }));
const after = must("read the account again", await client.GET("/api/accounts/{id}", { params: { path: { id: volunteer.accountId } } }));

const refused = await client.POST("/api/transfers", {
  params: { header: { "Idempotency-Key": crypto.randomUUID() } },
  body: { from: volunteer.accountId, to: elder.accountId, minutes: 1_000, reason: "太多" },
});
const shortfall = refused.error?.type;

console.log(JSON.stringify({
  memberCode: volunteer.memberCode,
  credited: deposit.creditedMinutes,
  balanceAfterDeposit: account.balanceMinutes,
  transferred: transfer.minutes,
  retryGotSameTransfer: retried.id === transfer.id,
  holdStatus: hold.status,
  settledStatus: settled.status,
  balance: after.balanceMinutes,
  available: after.availableMinutes,
  refusal: shortfall,
}));
