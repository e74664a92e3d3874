"use strict";
// The coordinator dashboard: the public API read with the key entered here, drawn as plain SVG (nothing loaded from
// elsewhere at run time).
(() => {
  const keyName = "timebank-dashboard-key";
  const $ = (id) => document.getElementById(id);
  const svgNs = "http://www.w3.org/2000/svg";
  const programmes = [["youth", "var(--youth)"], ["senior", "var(--senior)"], ["general", "var(--general)"]];

  const show = (id, visible) => { $(id).hidden = !visible; };
  const message = (text) => { $("message").textContent = text || ""; show("message", !!text); };
  const hours = (minutes) => Math.round(minutes / 6) / 10;
  const percent = (share) => share == null ? "—" : `${Math.round(share * 1000) / 10}%`;

  async function api(path) {
    const response = await fetch(path, { headers: { "X-Api-Key": sessionStorage.getItem(keyName) || "" } });
    if (response.status === 401) throw new Error("密钥无效或已过期，请重新输入。");
    if (response.status === 403) throw new Error("此密钥无权查看所选范围（协调员只能查看其负责的区）。");
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.title || `服务返回 ${response.status}`);
    }
    return response.json();
  }

  function query(params) {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value) search.set(name, value);
    const text = search.toString();
    return text ? `?${text}` : "";
  }

  function element(name, attributes = {}, parent = null) {
    const node = document.createElementNS(svgNs, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
    if (parent) parent.appendChild(node);
    return node;
  }

  // An axis from 0 in at most five steps of 1, 2 or 5 times a power of ten (of at least 1 for counts), up to the largest value.
  function axis(largest, counts) {
    const rough = Math.max(1, largest) / 5;
    const power = Math.pow(10, Math.floor(Math.log10(rough)));
    const step = Math.max(counts ? 1 : 0, [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= rough));
    const steps = Math.ceil(Math.max(1, largest) / step - 1e-9);
    return { step, steps, top: step * steps };
  }

  // Bars per label, the series side by side or stacked; each bar carries its value for a reader and a test.
  function bars(container, labels, series, stacked, counts = false) {
    container.textContent = "";
    const width = 800, height = 230, left = 48, bottom = 28, top = 10;
    const totals = labels.map((_, i) => stacked ? series.reduce((sum, s) => sum + s.values[i], 0) : Math.max(0, ...series.map((s) => s.values[i])));
    const scale = axis(Math.max(0, ...totals), counts);
    const svg = element("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" }, container);
    const plot = height - bottom - top;
    for (let t = 0; t <= scale.steps; t++) {
      const y = top + plot - (plot * t) / scale.steps;
      element("line", { x1: left, x2: width, y1: y, y2: y, stroke: "#e3e8ee" }, svg);
      element("text", { x: left - 6, y: y + 4, "text-anchor": "end", class: "tick" }, svg).textContent =
        Number((scale.step * t).toPrecision(12)).toLocaleString("zh-CN");
    }
    const slot = (width - left) / Math.max(1, labels.length);
    labels.forEach((label, i) => {
      let base = 0;
      series.forEach((s, k) => {
        const value = s.values[i];
        const barWidth = stacked ? slot * 0.6 : (slot * 0.7) / series.length;
        const x = left + slot * i + slot * (stacked ? 0.2 : 0.15) + (stacked ? 0 : k * barWidth);
        const h = (plot * value) / scale.top;
        const y = top + plot - (stacked ? base + h : h);
        const rect = element("rect", { x, y, width: Math.max(1, barWidth - 1), height: Math.max(0, h), fill: s.color, "data-series": s.name, "data-label": label, "data-value": value }, svg);
        element("title", {}, rect).textContent = `${label} ${s.title}：${value}`;
        if (stacked) base += h;
      });
      element("text", { x: left + slot * i + slot / 2, y: height - 8, "text-anchor": "middle" }, svg).textContent = label;
    });
  }

  function target(id, progress) {
    const box = $(id);
    box.querySelector(".actual").textContent = progress.actual.toLocaleString("zh-CN");
    box.querySelector(".goal").textContent = progress.target.toLocaleString("zh-CN");
    box.querySelector(".meter span").style.width = `${Math.min(100, progress.progress * 100)}%`;
    box.querySelector(".note").textContent =
      `完成 ${percent(progress.progress)}，按时间进度应达 ${percent(progress.expected)}${progress.progress >= progress.expected ? "，进度正常" : "，进度落后"}`;
    box.dataset.actual = progress.actual;
  }

  async function load() {
    message("");
    $("status").textContent = "正在加载…";
    const year = $("year").value, month = $("month").value;
    const area = { district: $("district").value.trim(), street: $("street").value.trim(), community: $("community").value.trim() };
    const range = { from: `${year}-01`, to: `${year}-12`, ...area };
    try {
      const [targets, total, liability, coverage, unmet, ...byProgramme] = await Promise.all([
        api(`/api/statistics/targets${query({ year, district: area.district })}`),
        api(`/api/statistics/monthly${query(range)}`),
        api(`/api/statistics/liability${query({ district: area.district })}`),
        api(`/api/care/coverage${query({ month, ...area })}`),
        api(`/api/service-requests/unmet${query({ month, district: area.district })}`),
        ...programmes.map(([programme]) => api(`/api/statistics/monthly${query({ ...range, programme })}`))
      ]);

      target("target-volunteers", targets.targets.find((t) => t.name === "volunteers"));
      target("target-service-hours", targets.targets.find((t) => t.name === "service-hours"));

      const labels = total.months.map((m) => `${Number(m.month.slice(5))}月`);
      bars($("hours-chart"), labels, programmes.map(([programme, color], k) => ({
        name: programme, title: programme, color,
        values: byProgramme[k].months.map((m) => hours(m.figures.minutesCredited - m.figures.minutesReversed))
      })), true);
      bars($("people-chart"), labels, [
        { name: "active", title: "活跃志愿者", color: "var(--active)", values: total.months.map((m) => m.figures.activeVolunteers) },
        { name: "elders", title: "服务老人", color: "var(--elders)", values: total.months.map((m) => m.figures.eldersServed) }
      ], false, true);
      $("year-active").textContent = total.total.activeVolunteers;
      $("year-elders").textContent = total.total.eldersServed;
      $("year-hours").textContent = hours(total.total.minutesCredited - total.total.minutesReversed);
      $("low-age-share").textContent = percent(total.total.lowAgeSeniorShare);

      $("month-label").textContent = month;
      const shortage = new Map(unmet.communities.map((c) => [`${c.district}|${c.street}|${c.community}`, c.slotsUnmet]));
      const rows = $("communities");
      rows.textContent = "";
      for (const c of coverage.communities) {
        const row = rows.insertRow();
        row.dataset.community = c.community;
        const f = c.figures;
        for (const value of [c.district, c.street, c.community, f.elders, f.met, percent(f.visitRate), f.elders - f.met,
          shortage.get(`${c.district}|${c.street}|${c.community}`) ?? 0]) {
          row.insertCell().textContent = value;
        }
      }
      if (coverage.communities.length === 0) rows.insertRow().insertCell().textContent = "所选范围内没有在册老人";

      $("redemption-age").textContent = liability.redemptionAge;
      $("banked-hours").textContent = hours(liability.bankedMinutes);
      bars($("liability-chart"), liability.byDueYear.map((y) => String(y.dueYear)),
        [{ name: "banked", title: "到期时长（小时）", color: "var(--senior)", values: liability.byDueYear.map((y) => hours(y.minutes)) }], false);
      const redeemed = liability.redeemedByMonth.map((m) => hours(m.figures.minutesRedeemed));
      $("redeemed-hours").textContent = Math.round(redeemed.reduce((a, b) => a + b, 0) * 10) / 10;
      bars($("redeemed-chart"), liability.redeemedByMonth.map((m) => m.month.slice(2)),
        [{ name: "redeemed", title: "兑换（小时）", color: "var(--youth)", values: redeemed }], false);

      const lag = Math.max(total.lagSeconds, coverage.lagSeconds, liability.lagSeconds);
      $("status").textContent = `已更新 · 数据截至事件 #${Math.min(total.asOfSequence, coverage.asOfSequence)}，滞后 ${lag} 秒`;
      $("status").dataset.lagSeconds = lag;
      show("board", true);
    } catch (error) {
      $("status").textContent = "加载失败";
      message(error.message);
      if (/密钥无效/.test(error.message)) start();
    }
  }

  function start() {
    const hasKey = !!sessionStorage.getItem(keyName);
    show("setup", !hasKey);
    show("filters", hasKey);
    show("change-key", hasKey);
    if (!hasKey) show("board", false);
    if (hasKey) load();
  }

  const now = new Date(Date.now() + 8 * 3600 * 1000);
  $("year").value = now.getUTCFullYear();
  $("month").value = now.toISOString().slice(0, 7);
  const params = new URLSearchParams(location.search);
  for (const name of ["district", "street", "community", "year", "month"]) if (params.get(name)) $(name).value = params.get(name);

  $("key-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(keyName, $("key-input").value.trim());
    $("key-input").value = "";
    start();
  });
  $("filters").addEventListener("submit", (event) => { event.preventDefault(); load(); });
  $("change-key").addEventListener("click", () => { sessionStorage.removeItem(keyName); start(); });
  start();
})();
