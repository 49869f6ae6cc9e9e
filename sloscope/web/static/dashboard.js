// sloscope's dashboard: each page reads the JSON API and draws what it answers.
//
// Names from the data always enter the page as text (textContent), never as HTML. The
// filters live in the URL (replaceState), so a view can be shared; changing one redraws
// in place. When the server has a token, the page asks for it once and keeps it in this
// tab's sessionStorage; it travels as "Authorization: Bearer", never in a URL.
// When every chart of a load is drawn, <body> gets data-ready="1" and data-renders
// counts the loads (the tests and bench/dashboard.py wait for them); data-drawn-ms is
// when the first load was drawn, in ms since the navigation began (performance.now()).
"use strict";

const TOKEN_KEY = "sloscope.token";
const COLORS = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777"];
const STATUSES = new Set(["ok", "warning", "breached", "no_data"]);
const ACTIVE_STATES = ["pending", "firing", "acknowledged"];
const ALERT_STATES = new Set([...ACTIVE_STATES, "resolved"]);
const RANGES = { "1h": 3600, "6h": 21600, "1d": 86400, "7d": 604800, "30d": 2592000 };
const body = document.body;
const params = new URLSearchParams(location.search);
const charts = {};
let renders = 0;
let timer = null;
window.sloscopeCharts = charts;

class Unauthorized extends Error {}

// An answer other than 2xx: the API's message, and the HTTP status to tell 404 apart.
class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function $(id) {
  return document.getElementById(id);
}

function setParam(key, value, fallback) {
  if (value === fallback || value === "" || value === null) params.delete(key);
  else params.set(key, value);
  const query = params.toString();
  history.replaceState(null, "", location.pathname + (query ? "?" + query : ""));
}

// A GET of the API with ``query`` (an array value repeats its key), or with ``body`` a
// POST of it as JSON (the only writes are the alert routes: docs/security.md).
async function api(path, query, body) {
  const url = new URL(path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    for (const one of Array.isArray(value) ? value : [value]) {
      if (one !== undefined && one !== null && one !== "") url.searchParams.append(key, one);
    }
  }
  const headers = { Accept: "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = "Bearer " + token;
  const init = { headers, cache: "no-store" };
  if (body !== undefined) {
    init.method = "POST";
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 401) throw new Unauthorized("the API wants its token");
  const data = await response.json().catch(() => ({ error: response.statusText }));
  if (!response.ok) {
    // A file with errors (422) lists every issue; the error names the first.
    const issues = data.issues && data.issues.length > 1 ? data.issues.join("; ") : null;
    throw new ApiError(issues || data.error || response.statusText, response.status);
  }
  return data;
}

// --- formatting -------------------------------------------------------------------

function pct(value, digits = 2) {
  return value === null || value === undefined ? "–" : (value * 100).toFixed(digits) + " %";
}

function num(value, digits = 2) {
  return value === null || value === undefined ? "–" : value.toFixed(digits);
}

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const sign = seconds < 0 ? "-" : "";
  let left = Math.abs(seconds);
  const parts = [];
  for (const [unit, size] of [["d", 86400], ["h", 3600], ["m", 60]]) {
    if (left >= size && parts.length < 2) {
      parts.push(Math.floor(left / size) + unit);
      left %= size;
    }
  }
  if (parts.length === 0) parts.push(Math.round(left) + "s");
  return sign + parts.join(" ");
}

// An instant as the API gives it, shown in UTC to the second: the same on every screen.
function utcTime(iso) {
  return iso ? new Date(iso).toISOString().slice(0, 19).replace("T", " ") + " UTC" : "–";
}

// A measured value or threshold: four significant digits, no trailing zeros.
function figure(value) {
  return value === null || value === undefined ? "–" : String(Number(value.toPrecision(4)));
}

function cell(row, text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  row.appendChild(td);
  return td;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  return a;
}

function statusBadge(status) {
  const span = document.createElement("span");
  span.className = "status status-" + (STATUSES.has(status) ? status : "unknown");
  span.textContent = status.replace("_", " ");
  return span;
}

// A <dl> of [label, text] pairs.
function factList(pairs) {
  const list = document.createElement("dl");
  for (const [label, value] of pairs) {
    const dt = document.createElement("dt");
    dt.textContent = label;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
  }
  return list;
}

function stateBadge(state) {
  const span = document.createElement("span");
  span.className = "status state-" + (ALERT_STATES.has(state) ? state : "unknown");
  span.textContent = state;
  return span;
}

function fillSelect(select, values, current, firstLabel) {
  select.textContent = "";
  if (firstLabel !== undefined) select.appendChild(new Option(firstLabel, ""));
  for (const value of values) select.appendChild(new Option(value, value));
  if (current && !values.includes(current)) select.appendChild(new Option(current, current));
  select.value = current || "";
}

// --- charts -----------------------------------------------------------------------

function seconds(times) {
  return times.map((t) => Date.parse(t) / 1000);
}

function scaled(values, factor) {
  return values.map((v) => (v === null ? null : v * factor));
}

function drawChart(id, times, lines, options = {}) {
  const element = $(id);
  const opts = {
    width: Math.max(240, element.clientWidth),
    height: options.height || 220,
    scales: { x: { time: true } },
    axes: [{}, { size: 64 }],
    series: [{}].concat(
      lines.map((line, i) => ({
        label: line.label,
        stroke: COLORS[i % COLORS.length],
        width: 1.5,
        dash: line.dash,
        value: (u, v) => (v === null ? "–" : v.toPrecision(4)),
      })),
    ),
  };
  const data = [seconds(times)].concat(lines.map((line) => line.values));
  if (charts[id]) charts[id].destroy();
  element.textContent = "";
  charts[id] = new uPlot(opts, data, element);
  element.dataset.points = String(times.length);
}

function sparkline(element, times, values) {
  const opts = {
    width: 120,
    height: 32,
    legend: { show: false },
    cursor: { show: false },
    axes: [{ show: false }, { show: false }],
    scales: { x: { time: true } },
    series: [{}, { stroke: COLORS[1], width: 1, fill: "rgba(220,38,38,0.1)" }],
  };
  return new uPlot(opts, [seconds(times), values], element);
}

window.addEventListener("resize", () => {
  for (const [id, chart] of Object.entries(charts)) {
    const element = $(id);
    if (element) chart.setSize({ width: Math.max(240, element.clientWidth), height: chart.height });
  }
});

// --- the pages --------------------------------------------------------------------

// The range filter: the SLO page shows a week by default (whole hours, which the hourly
// rollups serve), the service page a day.
const DEFAULT_RANGE = { slo: "7d", service: "1d" };
const RAISED_LIMIT = 1000;
const WAITING_LIMIT = 100;

function chosenRange() {
  const fallback = DEFAULT_RANGE[body.dataset.page] || "1d";
  return RANGES[params.get("range")] ? params.get("range") : fallback;
}

function rangeQuery() {
  return { start: new Date(Date.now() - RANGES[chosenRange()] * 1000).toISOString() };
}

function bindRange(reload) {
  const select = $("f-range");
  select.value = chosenRange();
  select.addEventListener("change", () => {
    setParam("range", select.value, DEFAULT_RANGE[body.dataset.page] || "1d");
    reload();
  });
}

// The alerts waiting for someone (pending or firing, the newest WAITING_LIMIT), or null
// when this server runs no alerting.
async function waitingAlerts() {
  try {
    return (await api("/api/alerts", { state: ["pending", "firing"], limit: WAITING_LIMIT })).alerts;
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

// Where the overview's numbers come from (SloOverview.source).
const EVALUATED_BY = {
  evaluator: "from the alert engine's latest evaluation",
  computed: "computed for this view",
};

const overview = {
  data: null,
  waiting: null,
  sparklines: [],
  async load() {
    [this.data, this.waiting] = await Promise.all([api("/api/slos"), waitingAlerts()]);
    this.draw();
  },
  drawWaiting(chosen) {
    $("waiting-section").hidden = this.waiting === null;
    if (this.waiting === null) return;
    const shown = this.waiting.filter((alert) => !chosen || alert.labels.service === chosen);
    const list = $("waiting");
    list.textContent = "";
    for (const alert of shown) {
      const item = document.createElement("li");
      item.dataset.id = alert.id;
      const query = new URLSearchParams({ service: alert.labels.service || "" });
      item.append(
        stateBadge(alert.state),
        " ",
        link("/alerts?" + query.toString(), alert.labels.alertname || alert.id),
        " " + [alert.labels.slo, alert.labels.service, alert.labels.severity].filter((v) => v).join(" · "),
      );
      list.appendChild(item);
    }
    $("n-waiting").textContent = "(" + shown.length + ")";
    $("none-waiting").hidden = shown.length > 0;
  },
  draw() {
    const select = $("f-service");
    const services = [...new Set(this.data.slos.map((s) => s.service))].sort();
    const chosen = params.get("service") || "";
    fillSelect(select, services, chosen, "every service");
    $("evaluated").textContent =
      "As of " + utcTime(this.data.evaluated_at) + " · " + EVALUATED_BY[this.data.source];
    this.drawWaiting(chosen);
    const rows = this.data.slos.filter((s) => !chosen || s.service === chosen);
    for (const chart of this.sparklines) chart.destroy();
    this.sparklines = [];
    const tbody = $("slos").tBodies[0];
    tbody.textContent = "";
    for (const item of rows) {
      const row = tbody.insertRow();
      row.dataset.name = item.name;
      cell(row, "").appendChild(statusBadge(item.status));
      cell(row, "").appendChild(link("/slos/" + encodeURIComponent(item.slo), item.name));
      cell(row, "").appendChild(link("/services/" + encodeURIComponent(item.service), item.service));
      cell(row, pct(item.sli, 3), "num");
      cell(row, pct(item.objective, 3), "num");
      cell(row, pct(item.budget_remaining, 1), "num budget");
      cell(row, duration(item.budget_remaining_seconds), "num");
      cell(row, num(item.fast_burn), "num");
      cell(row, num(item.slow_burn), "num");
      const box = document.createElement("div");
      box.className = "spark";
      cell(row, "").appendChild(box);
      this.sparklines.push(sparkline(box, this.data.sparkline_times, item.sparkline));
    }
    $("empty").hidden = this.data.slos.length > 0;
  },
  bind() {
    $("f-service").addEventListener("change", (event) => {
      setParam("service", event.target.value, "");
      if (this.data) this.draw();
      finished();
    });
  },
};

const slo = {
  async load() {
    const name = body.dataset.name;
    const data = await api("/api/slos/" + encodeURIComponent(name), rangeQuery());
    const cards = $("statuses");
    cards.textContent = "";
    for (const item of data.statuses) {
      const card = document.createElement("div");
      card.className = "card";
      const title = document.createElement("h2");
      title.textContent = item.name + " ";
      title.appendChild(statusBadge(item.status));
      card.appendChild(title);
      const facts = [
        ["SLI", pct(item.sli, 3)],
        ["Objective", pct(item.objective, 3) + " over " + item.window],
        ["Budget left", pct(item.error_budget.remaining, 1)],
        ["Budget left (time)", duration(item.error_budget.remaining_seconds)],
        ["Fast burn (1h)", num(item.burn_rates["1h"])],
        ["Slow burn (6h)", num(item.burn_rates["6h"])],
        ["Budget gone in", duration(item.time_to_exhaustion_seconds)],
        [
          "Burn alerts firing",
          item.alerts
            .filter((a) => a.firing)
            .map((a) => a.severity + " " + a.long_window + "/" + a.short_window)
            .join(", ") || "none",
        ],
      ];
      card.appendChild(factList(facts));
      cards.appendChild(card);
    }
    await this.raised(name);
    const series = data.series;
    const first = series[0];
    $("unsupported").hidden = !first || !first.unsupported;
    $("unsupported").textContent = first && first.unsupported ? first.unsupported : "";
    if (!first) return;
    drawChart(
      "c-sli",
      first.times,
      series
        .map((s) => ({ label: "SLI " + s.name, values: scaled(s.sli, 100) }))
        .concat([{ label: "objective", values: first.times.map(() => first.objective * 100), dash: [4, 4] }]),
    );
    drawChart(
      "c-budget",
      first.times,
      series.map((s) => ({ label: "budget left % " + s.name, values: scaled(s.budget_remaining, 100) })),
    );
    drawChart(
      "c-burn",
      first.times,
      Object.entries(first.burn_rates)
        .filter(([, values]) => values.some((v) => v !== null))
        .map(([label, values]) => ({ label: label, values: values })),
    );
  },
  // The alerts labelled slo=<name>, among the newest RAISED_LIMIT of the store.
  async raised(name) {
    const none = $("raised-none");
    const tbody = $("raised").tBodies[0];
    tbody.textContent = "";
    let found;
    try {
      found = (await api("/api/alerts", { limit: RAISED_LIMIT })).alerts;
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      none.textContent = "Alerting is not running in this server.";
      none.hidden = false;
      return;
    }
    const own = found.filter((alert) => alert.labels.slo === name);
    for (const alert of own) {
      const row = tbody.insertRow();
      row.dataset.id = alert.id;
      cell(row, "").appendChild(stateBadge(alert.state));
      const query = new URLSearchParams({ service: alert.labels.service || "" });
      cell(row, "").appendChild(link("/alerts?" + query.toString(), alert.labels.alertname || alert.id));
      cell(row, alert.labels.severity || "–");
      cell(row, figure(alert.value), "num");
      cell(row, figure(alert.threshold), "num");
      cell(row, utcTime(alert.starts_at));
      cell(row, alert.state === "resolved" ? utcTime(alert.ends_at) : "–");
    }
    none.textContent = "No alert raised by this SLO.";
    none.hidden = own.length > 0;
  },
  bind() {
    bindRange(() => reload());
  },
};

const serviceList = {
  async load() {
    const data = await api("/api/services");
    const tbody = $("services").tBodies[0];
    tbody.textContent = "";
    for (const entry of data.services) {
      const row = tbody.insertRow();
      const item = entry.service;
      cell(row, "").appendChild(link("/services/" + encodeURIComponent(item.name), item.name));
      cell(row, item.requests.toLocaleString("en"), "num");
      cell(row, pct(item.error_ratio, 2), "num");
      cell(row, String(entry.slos), "num");
    }
    $("empty").hidden = data.services.length > 0;
  },
  bind() {},
};

// The service page: its charts, and the sections other scripts add (health.js) to
// ``sections``, each an object whose ``load(name)`` reads and draws its part; a load of
// the page (the first, a filter's, the auto-refresh's) loads them all.
const service = {
  sections: [],
  async load() {
    const name = body.dataset.name;
    await Promise.all([this.charts(name)].concat(this.sections.map((section) => section.load(name))));
  },
  async charts(name) {
    const route = params.get("route") || "";
    const [list, data] = await Promise.all([
      api("/api/services"),
      api("/api/services/" + encodeURIComponent(name), { ...rangeQuery(), route }),
    ]);
    const names = list.services.map((e) => e.service.name);
    fillSelect($("f-service"), names, name);
    const own = list.services.find((e) => e.service.name === name);
    fillSelect($("f-route"), own ? own.service.routes : [], route, "every route");
    drawChart("c-rate", data.times, [{ label: "requests/s", values: data.requests_per_second }]);
    drawChart("c-errors", data.times, [{ label: "error %", values: scaled(data.error_ratio, 100) }]);
    drawChart("c-latency", data.times, [
      { label: "p50", values: data.p50 },
      { label: "p95", values: data.p95 },
      { label: "p99", values: data.p99 },
    ]);
    drawChart(
      "c-resources",
      data.times,
      Object.entries(data.resources).map(([metric, values]) => ({ label: metric + " %", values: scaled(values, 100) })),
    );
  },
  bind() {
    bindRange(() => reload());
    $("f-route").addEventListener("change", (event) => {
      setParam("route", event.target.value, "");
      reload();
    });
    $("f-service").addEventListener("change", (event) => {
      const query = params.toString();
      location.assign("/services/" + encodeURIComponent(event.target.value) + (query ? "?" + query : ""));
    });
  },
};

const sla = {
  async load() {
    const month = $("f-month").value;
    const tz = $("f-tz").value || "UTC";
    const report = await api("/api/reports/sla", { month, tz });
    const summary = report.summary;
    const cards = $("summary");
    cards.textContent = "";
    const facts = [
      ["Overall availability", pct(summary.overall_availability, 3)],
      ["Downtime", duration(summary.total_downtime_seconds)],
      ["Incidents", String(summary.incidents)],
      ["MTTR", duration(summary.mttr_seconds)],
      ["Services met / breached", summary.services_met + " / " + summary.services_breached],
    ];
    for (const [label, value] of facts) {
      const card = document.createElement("div");
      card.className = "card stat";
      const h = document.createElement("h2");
      h.textContent = label;
      const p = document.createElement("p");
      p.textContent = value;
      card.append(h, p);
      cards.appendChild(card);
    }
    const tbody = $("sla").tBodies[0];
    tbody.textContent = "";
    for (const item of report.services) {
      const row = tbody.insertRow();
      row.dataset.name = item.name;
      cell(row, "").appendChild(link("/services/" + encodeURIComponent(item.name), item.name));
      cell(row, pct(item.availability, 3), "num");
      cell(row, pct(item.objective, 3), "num");
      cell(row, item.met === null ? "–" : item.met ? "yes" : "no");
      cell(row, duration(item.downtime_seconds), "num");
      cell(row, String(item.incidents.length), "num");
      cell(row, duration(item.mttr_seconds), "num");
      cell(row, item.requests.toLocaleString("en"), "num");
      cell(row, item.failed_requests.toLocaleString("en"), "num");
      cell(row, item.latency.p95 === null ? "–" : (item.latency.p95 * 1000).toFixed(1) + " ms", "num");
      cell(row, item.latency.p99 === null ? "–" : (item.latency.p99 * 1000).toFixed(1) + " ms", "num");
    }
    $("empty").hidden = report.services.length > 0;
  },
  bind() {
    const now = new Date();
    const month = params.get("month") || now.toISOString().slice(0, 7);
    $("f-month").value = month;
    $("f-tz").value = params.get("tz") || "UTC";
    $("f-month").addEventListener("change", () => {
      setParam("month", $("f-month").value, "");
      reload();
    });
    $("f-tz").addEventListener("change", () => {
      setParam("tz", $("f-tz").value, "UTC");
      reload();
    });
  },
};

const PAGES = { overview, slo, services: serviceList, service, sla };

// --- loading, the token, auto-refresh -------------------------------------------------

function finished() {
  if (!body.dataset.drawnMs) body.dataset.drawnMs = String(performance.now());
  renders += 1;
  body.dataset.renders = String(renders);
  body.dataset.ready = "1";
}

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function reload() {
  const current = PAGES[body.dataset.page];
  if (!current) return;
  body.dataset.ready = "0";
  try {
    await current.load();
    showError("");
    $("token-form").hidden = true;
    $("updated").textContent = "updated " + new Date().toLocaleTimeString();
    finished();
  } catch (error) {
    showFailure(error);
    body.dataset.failed = String(renders);
  }
}

function showFailure(error) {
  if (error instanceof Unauthorized) {
    sessionStorage.removeItem(TOKEN_KEY);
    $("token-form").hidden = false;
    showError("This server wants its API token.");
  } else {
    showError(error.message);
  }
}

let refreshDefault = "0";

function startRefresh() {
  if (timer) clearInterval(timer);
  const every = Number($("refresh").value);
  timer = every > 0 ? setInterval(reload, every * 1000) : null;
}

function bindRefresh() {
  const select = $("refresh");
  select.value = ["10", "30", "60", "300"].includes(params.get("refresh")) ? params.get("refresh") : "0";
  select.addEventListener("change", () => {
    setParam("refresh", select.value, refreshDefault);
    startRefresh();
  });
  startRefresh();
}

// A page whose config names a refresh interval (a dashboard) makes it the default; a
// "refresh" in the URL still wins.
function defaultRefresh(seconds) {
  const select = $("refresh");
  const value = String(Math.round(seconds));
  if (![...select.options].some((option) => option.value === value)) {
    select.appendChild(new Option(duration(seconds), value));
  }
  refreshDefault = value;
  const wanted = params.has("refresh") ? params.get("refresh") : value;
  if ([...select.options].some((option) => option.value === wanted) && select.value !== wanted) {
    select.value = wanted;
    startRefresh();
  }
}

function bindToken() {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value);
    $("token").value = "";
    reload();
  });
}

window.addEventListener("DOMContentLoaded", () => {
  const current = PAGES[body.dataset.page];
  if (!current) return;
  bindToken();
  bindRefresh();
  current.bind();
  reload();
});
