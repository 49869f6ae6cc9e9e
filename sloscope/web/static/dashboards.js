// Dashboards as config (loaded after dashboard.js, whose helpers it uses): the list, and
// one dashboard drawn from its layout (GET /api/dashboards/{name}) on a grid of
// `columns` columns, each widget from its own data (GET .../widgets/{id}).
//
// The variables are the filters: a value differing from the variable's default, and a
// range other than the dashboard's, are kept in the URL and sent to the widget API,
// which binds them as query parameters; so is "at" (an ISO instant the range ends at,
// default now), to share a view of the past. The dashboard's refresh interval is the page's
// auto-refresh unless the URL says otherwise. A widget whose query fails shows the API's
// message in its place; the others still draw. Each widget keeps what it drew on its
// element (data-value, data-status), and a chart's uPlot is window.sloscopeCharts["w-<id>"].
"use strict";

const RANGE_CHOICES = ["15m", "1h", "6h", "1d", "7d", "30d"];
const GAUGE_RADIUS = 80;
// Widgets read at once: fewer than the API's read slots (api.max_concurrent_queries,
// 4 by default), so one dashboard leaves room for the other pages and callers.
const WIDGET_READERS = 2;
const BUSY_RETRIES = 4;
const BUSY_WAIT_MS = 250;
const SVG = "http://www.w3.org/2000/svg";

// One widget's data. The API reads the store in a few slots shared by every caller and
// answers 429 when they are all taken: wait a little and ask again, a few times.
async function widgetData(path, query) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await api(path, query);
    } catch (error) {
      const busy = error instanceof ApiError && error.status === 429;
      if (!busy || attempt === BUSY_RETRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, BUSY_WAIT_MS * attempt));
    }
  }
}

function shown(value, unit) {
  if (value === null || value === undefined) return "–";
  if (unit === "ratio") return pct(value, 2);
  return figure(value) + (unit ? " " + unit : "");
}

function svg(name, attributes) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

// A half dial from min (left) to max (right); the value's share of it is coloured.
function gauge(data) {
  const span = data.max - data.min;
  const share = data.value === null || span <= 0 ? 0 : Math.min(1, Math.max(0, (data.value - data.min) / span));
  const r = GAUGE_RADIUS;
  const angle = Math.PI * (1 - share);
  const end = [r + 10 + r * Math.cos(angle), r + 10 - r * Math.sin(angle)];
  const dial = svg("svg", { viewBox: `0 0 ${2 * r + 20} ${r + 40}`, class: "gauge", role: "img" });
  const arc = (x, y) => `M 10 ${r + 10} A ${r} ${r} 0 0 1 ${x} ${y}`;
  dial.appendChild(svg("path", { d: arc(2 * r + 10, r + 10), class: "gauge-track" }));
  if (share > 0) dial.appendChild(svg("path", { d: arc(end[0], end[1]), class: "gauge-value" }));
  const text = svg("text", { x: r + 10, y: r + 5, class: "gauge-text" });
  text.textContent = shown(data.value, data.unit);
  const low = svg("text", { x: 10, y: r + 30, class: "gauge-bound" });
  low.textContent = figure(data.min);
  const high = svg("text", { x: 2 * r + 10, y: r + 30, class: "gauge-bound", "text-anchor": "end" });
  high.textContent = figure(data.max);
  dial.append(text, low, high);
  dial.setAttribute("aria-label", text.textContent + " of " + figure(data.min) + " to " + figure(data.max));
  return dial;
}

function table(data) {
  const box = document.createElement("div");
  box.className = "scroll";
  const element = document.createElement("table");
  element.className = "slos";
  const head = element.createTHead().insertRow();
  for (const column of data.columns) {
    const th = document.createElement("th");
    th.textContent = column;
    head.appendChild(th);
  }
  const rows = element.createTBody();
  for (const values of data.rows) {
    const row = rows.insertRow();
    for (const value of values) {
      const text = value === null ? "–" : typeof value === "object" ? JSON.stringify(value) : String(value);
      cell(row, text, typeof value === "number" ? "num" : "");
    }
  }
  box.appendChild(element);
  return box;
}

function drawWidget(widget, element, data) {
  element.textContent = "";
  element.dataset.type = data.type;
  if (data.type === "chart") {
    const height = element.clientHeight > 160 ? element.clientHeight - 50 : 200;
    drawChart(
      element.id,
      data.x,
      data.series.map((series) => ({ label: series.name, values: series.values })),
      { height },
    );
    return;
  }
  if (data.type === "table") {
    element.appendChild(table(data));
    element.dataset.rows = String(data.rows.length);
    return;
  }
  element.dataset.value = data.value === null ? "" : String(data.value);
  if (data.type === "gauge") {
    element.appendChild(gauge(data));
    return;
  }
  const value = document.createElement("p");
  value.className = "stat-value";
  value.textContent = shown(data.value, data.unit);
  if (data.type === "status") {
    element.dataset.status = data.status;
    const badge = document.createElement("span");
    badge.className = "status widget-" + data.status;
    badge.textContent = data.status.replace("_", " ");
    value.prepend(badge, " ");
  }
  element.appendChild(value);
}

const dashboardList = {
  async load() {
    const found = await api("/api/dashboards");
    const tbody = $("dashboards").tBodies[0];
    tbody.textContent = "";
    for (const item of found) {
      const row = tbody.insertRow();
      row.dataset.name = item.name;
      cell(row, "").appendChild(link("/dashboards/" + encodeURIComponent(item.name), item.title));
      cell(row, item.name);
      cell(row, item.description || "");
      cell(row, duration(item.refresh_s), "num");
    }
  },
  bind() {},
};

const dashboardPage = {
  layout: null,

  async load() {
    if (!this.layout) {
      this.layout = await api("/api/dashboards/" + encodeURIComponent(body.dataset.name));
      this.build();
    }
    const query = {};
    for (const variable of this.layout.variables) query[variable.name] = params.get(variable.name);
    query.range = params.get("range");
    query.at = params.get("at");
    const base = "/api/dashboards/" + encodeURIComponent(this.layout.name) + "/widgets/";
    const waiting = [...this.layout.widgets];
    const worker = async () => {
      for (let widget = waiting.shift(); widget; widget = waiting.shift()) {
        const element = $("w-" + widget.id);
        try {
          drawWidget(widget, element, await widgetData(base + encodeURIComponent(widget.id), query));
        } catch (error) {
          if (error instanceof Unauthorized) throw error;
          for (const key of Object.keys(element.dataset)) delete element.dataset[key];
          element.textContent = error.message;
          element.dataset.error = "1";
        }
      }
    };
    await Promise.all(Array.from({ length: WIDGET_READERS }, worker));
  },

  build() {
    const layout = this.layout;
    $("d-title").textContent = layout.title;
    document.title = layout.title + " · sloscope";
    $("d-description").textContent = layout.description || "";
    $("d-description").hidden = !layout.description;
    const filters = $("variables");
    for (const variable of layout.variables) filters.insertBefore(this.control(variable), filters.lastElementChild);
    const range = $("f-range");
    range.appendChild(new Option("default (" + duration(layout.range_s) + ")", ""));
    for (const choice of RANGE_CHOICES) range.appendChild(new Option(choice, choice));
    const chosen = params.get("range") || "";
    if (chosen && !RANGE_CHOICES.includes(chosen)) range.appendChild(new Option(chosen, chosen));
    range.value = chosen;
    range.addEventListener("change", () => {
      setParam("range", range.value, "");
      reload();
    });
    const grid = $("grid");
    grid.style.gridTemplateColumns = "repeat(" + layout.columns + ", minmax(0, 1fr))";
    for (const widget of layout.widgets) {
      const box = document.createElement("figure");
      box.className = "widget widget-type-" + widget.type;
      box.style.gridColumn = widget.x + 1 + " / span " + widget.w;
      box.style.gridRow = widget.y + 1 + " / span " + widget.h;
      const caption = document.createElement("figcaption");
      caption.textContent = widget.title;
      const content = document.createElement("div");
      content.className = "widget-body";
      content.id = "w-" + widget.id;
      box.append(caption, content);
      grid.appendChild(box);
    }
    defaultRefresh(layout.refresh_s);
  },

  // A variable's filter: a choice of its options, or a text box; a change redraws.
  control(variable) {
    const label = document.createElement("label");
    label.append(variable.label || variable.name, " ");
    let input;
    if (variable.options) {
      input = document.createElement("select");
      for (const option of variable.options) input.appendChild(new Option(option || "(empty)", option));
    } else {
      input = document.createElement("input");
      input.maxLength = 256;
      input.placeholder = variable.default;
    }
    input.id = "v-" + variable.name;
    input.name = variable.name;
    input.value = params.has(variable.name) ? params.get(variable.name) : variable.default;
    input.addEventListener("change", () => {
      setParam(variable.name, input.value, variable.default);
      reload();
    });
    label.appendChild(input);
    return label;
  },

  bind() {},
};

PAGES.dashboards = dashboardList;
PAGES.dashboard = dashboardPage;
