// 爱心超市柜台页面: only the public TimeBank API, the kiosk key kept in this browser session.
"use strict";

const KEY = "timebank.kioskKey";
const $ = (id) => document.getElementById(id);
const state = { market: null, member: null, items: [], cart: new Map(), orderKey: null };

function show(id, visible) { $(id).hidden = !visible; }

function say(text, ok = false) {
  const message = $("message");
  message.textContent = text || "";
  message.classList.toggle("ok", ok);
  message.hidden = !text;
}

function newKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return "kiosk-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

async function api(method, path, body, headers = {}) {
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: { "X-Api-Key": sessionStorage.getItem(KEY) || "", ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new ApiError(0, { title: "网络连接失败" });
  }
  const text = await response.text();
  const json = text ? JSON.parse(text) : null;
  if (!response.ok) throw new ApiError(response.status, json);
  return json;
}

/** Plain words for what went wrong, from the problem's stable type. */
function explain(error) {
  const p = error.problem || {};
  const type = (p.type || "").replace("urn:timebank:problem:", "");
  switch (type) {
    case "mistyped-member-code": return "会员码输入有误：校验位不符，请核对会员卡后重新输入。";
    case "not-found": return p.memberCode ? "没有找到这个会员码对应的会员，请核对会员卡。" : "没有找到：" + (p.detail || "");
    case "insufficient-points":
      return `积分不足：本次需要 ${p.requestedPoints} 积分，会员只有 ${p.availablePoints} 积分，还差 ${p.shortfallPoints} 积分。`;
    case "insufficient-stock":
      return "库存不足：" + (p.shortItems || []).map((i) => `${i.name} 只剩 ${i.available} 件（要 ${i.requested} 件）`).join("；") + "。";
    case "unauthorized": return "柜台密钥无效，请重新输入。";
    case "forbidden": return "此密钥不能用于本超市，请联系管理员。";
    case "validation": return "输入有误：" + Object.values(p.errors || {}).flat().join("；");
    case "unknown-reference": return "有商品已下架或会员不存在，请刷新后重试。";
    case "concurrency-conflict": return "系统繁忙，请再点一次确认（不会重复扣分）。";
  }
  return error.status === 0 ? "网络连接失败，请检查网络后重试。" : "出错了：" + error.message;
}

async function start() {
  say("");
  if (!sessionStorage.getItem(KEY)) return showSetup();
  try {
    const key = await api("GET", "/api/api-keys/current");
    if (!key.marketId) {
      sessionStorage.removeItem(KEY);
      return showSetup("这个密钥不是某个超市的柜台密钥，请使用柜台密钥。");
    }
    state.market = await api("GET", `/api/markets/${key.marketId}`);
    $("market-name").textContent = state.market.name;
    show("setup", false);
    show("change-key", true);
    show("lookup", true);
    $("member-code").focus();
  } catch (error) {
    if (error.status === 401) sessionStorage.removeItem(KEY);
    showSetup(explain(error));
  }
}

function showSetup(problem) {
  ["lookup", "shop", "receipt", "change-key"].forEach((id) => show(id, false));
  show("setup", true);
  if (problem) say(problem);
  $("key-input").focus();
}

async function lookUp(code) {
  say("");
  show("receipt", false);
  try {
    const [member, items] = await Promise.all([
      api("GET", `/api/kiosk/members/${encodeURIComponent(code)}`),
      api("GET", `/api/markets/${state.market.id}/items`),
    ]);
    state.member = member;
    state.items = items;
    state.cart.clear();
    state.orderKey = null;
    $("member-name").textContent = member.displayName;
    $("member-points").textContent = member.pointsBalance;
    $("member-minutes").textContent = member.availableMinutes;
    show("member", true);
    renderItems();
    show("shop", true);
  } catch (error) {
    state.member = null;
    show("member", false);
    show("shop", false);
    say(explain(error));
    $("member-code").select();
  }
}

function renderItems() {
  const list = $("items");
  list.replaceChildren();
  for (const item of state.items) {
    const li = document.createElement("li");
    li.className = "item" + (item.stock === 0 ? " out" : "");
    li.dataset.sku = item.sku;
    const qty = state.cart.get(item.sku) || 0;
    li.innerHTML = `
      <span class="name"></span>
      <span class="price">${item.pointsPrice} 积分 / <span class="unit"></span></span>
      <span class="stock">库存 ${item.stock}</span>
      <div class="qty">
        <button type="button" class="minus" aria-label="减少">−</button>
        <output>${qty}</output>
        <button type="button" class="plus" aria-label="增加">＋</button>
      </div>`;
    li.querySelector(".name").textContent = item.name;
    li.querySelector(".unit").textContent = item.unit;
    li.querySelector(".minus").disabled = qty === 0;
    li.querySelector(".plus").disabled = qty >= item.stock;
    li.querySelector(".minus").addEventListener("click", () => change(item, -1));
    li.querySelector(".plus").addEventListener("click", () => change(item, +1));
    list.append(li);
  }
  renderTotal();
}

function change(item, delta) {
  const qty = Math.max(0, Math.min(item.stock, (state.cart.get(item.sku) || 0) + delta));
  if (qty === 0) state.cart.delete(item.sku); else state.cart.set(item.sku, qty);
  state.orderKey = null; // a different cart is a different order
  renderItems();
}

function total() {
  let sum = 0;
  for (const [sku, qty] of state.cart) sum += qty * state.items.find((i) => i.sku === sku).pointsPrice;
  return sum;
}

function renderTotal() {
  const sum = total();
  const after = (state.member?.pointsBalance ?? 0) - sum;
  $("cart-total").textContent = sum;
  $("cart-after").textContent = after;
  const short = after < 0;
  $("cart-warning").textContent = short ? `积分不足，还差 ${-after} 积分` : "";
  show("cart-warning", short);
  $("confirm").disabled = state.cart.size === 0 || short;
}

async function confirmOrder() {
  if (state.cart.size === 0) return;
  state.orderKey ??= newKey();
  $("confirm").disabled = true;
  say("");
  try {
    const lines = [...state.cart].map(([sku, quantity]) => ({ sku, quantity }));
    const receipt = await api("POST", `/api/markets/${state.market.id}/orders`, { memberCode: state.member.memberCode, lines },
      { "Idempotency-Key": state.orderKey });
    showReceipt(receipt);
  } catch (error) {
    say(explain(error));
    if (error.problem?.type?.endsWith("insufficient-stock") || error.problem?.type?.endsWith("insufficient-points")) {
      await refresh();
    } else {
      renderTotal();
    }
  }
}

async function refresh() {
  try {
    const [member, items] = await Promise.all([
      api("GET", `/api/kiosk/members/${state.member.memberCode}`),
      api("GET", `/api/markets/${state.market.id}/items`),
    ]);
    state.member = member;
    state.items = items;
    state.orderKey = null;
    $("member-points").textContent = member.pointsBalance;
    renderItems();
  } catch (error) {
    say(explain(error));
  }
}

function showReceipt(receipt) {
  $("receipt-order").textContent = receipt.orderId;
  $("receipt-time").textContent = new Date(receipt.placedAt).toLocaleString("zh-CN", { hour12: false });
  const body = $("receipt-lines");
  body.replaceChildren();
  for (const line of receipt.lines) {
    const tr = document.createElement("tr");
    for (const text of [line.name, `${line.quantity} ${line.unit}`, line.unitPrice, line.points]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    body.append(tr);
  }
  $("receipt-spent").textContent = receipt.pointsSpent;
  $("receipt-balance").textContent = receipt.pointsBalance;
  state.member.pointsBalance = receipt.pointsBalance;
  $("member-points").textContent = receipt.pointsBalance;
  state.cart.clear();
  state.orderKey = null;
  show("shop", false);
  show("receipt", true);
  say("兑换成功，请将商品交给会员。", true);
}

function nextMember() {
  state.member = null;
  state.cart.clear();
  state.orderKey = null;
  ["member", "shop", "receipt"].forEach((id) => show(id, false));
  say("");
  $("member-code").value = "";
  $("member-code").focus();
}

$("key-form").addEventListener("submit", (e) => {
  e.preventDefault();
  sessionStorage.setItem(KEY, $("key-input").value.trim());
  $("key-input").value = "";
  start();
});
$("member-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const code = $("member-code").value.trim();
  if (code) lookUp(code);
});
$("confirm").addEventListener("click", confirmOrder);
$("next-member").addEventListener("click", nextMember);
$("receipt-done").addEventListener("click", nextMember);
$("change-key").addEventListener("click", () => {
  sessionStorage.removeItem(KEY);
  nextMember();
  showSetup();
});

start();
