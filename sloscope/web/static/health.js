// The service page's "Health" section (loaded after dashboard.js, whose helpers it uses).
// GET /api/health?service=<name> answers the service and every service it depends on,
// directly or through others. The section shows the service's status, each of its checks
// (kind, result, response time, when, and the probe's message), and its dependencies
// with their statuses, marking those whose failed checks degrade it (caused_by). It is
// one of the service page's sections, so every load of the page (a filter, the
// auto-refresh) reads it again. Names and messages enter the page as text only.
"use strict";

const HEALTH_STATUSES = new Set(["healthy", "degraded", "unknown", "unhealthy"]);

function healthBadge(status) {
  const span = document.createElement("span");
  span.className = "status health-" + (HEALTH_STATUSES.has(status) ? status : "unknown");
  span.textContent = status;
  return span;
}

function milliseconds(seconds) {
  return seconds === null || seconds === undefined ? "–" : (seconds * 1000).toFixed(1) + " ms";
}

// Each service below ``name`` (by depends_on), nearest first, mapped to the direct
// dependency of ``name`` it is reached through ("" for a direct dependency itself).
function reachedThrough(byService, name) {
  const through = new Map();
  const queue = [[name, ""]];
  while (queue.length) {
    const [current, via] = queue.shift();
    const entry = byService.get(current);
    if (!entry) continue;
    for (const dependency of entry.depends_on) {
      if (dependency === name || through.has(dependency)) continue;
      through.set(dependency, via);
      queue.push([dependency, via || dependency]);
    }
  }
  return through;
}

// Each cell gets its column's heading as data-label: on a phone, the CSS stacks a row's
// cells under their labels instead of scrolling a wide table sideways.
function labelled(table, row) {
  const headings = [...table.tHead.rows[0].cells].map((th) => th.textContent);
  [...row.cells].forEach((td, i) => (td.dataset.label = headings[i]));
}

const healthSection = {
  async load(name) {
    let report;
    try {
      report = await api("/api/health", { service: name });
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.draw(name, null, "Health checks unavailable: " + error.message);
      return;
    }
    this.draw(name, report, "");
  },

  draw(name, report, problem) {
    const byService = new Map((report ? report.services : []).map((entry) => [entry.service, entry]));
    const own = byService.get(name);
    $("health-problem").textContent = problem;
    $("health-problem").hidden = !problem;
    $("health-none").hidden = Boolean(problem) || own !== undefined;
    $("health-none-name").textContent = name;
    $("health-status").textContent = "";
    if (own) $("health-status").appendChild(healthBadge(own.status));
    $("health").dataset.status = own ? own.status : "";
    this.cause(own, byService);
    this.checks(own);
    this.dependencies(own, byService);
  },

  // "Degraded by" the failed checks of other services, each with its service.
  cause(own, byService) {
    const box = $("health-cause");
    box.textContent = "";
    const serviceOf = new Map();
    for (const entry of byService.values()) {
      for (const check of entry.checks) serviceOf.set(check.name, entry.service);
    }
    const causes = own ? own.caused_by : [];
    box.hidden = causes.length === 0;
    if (!causes.length) return;
    box.append("Degraded by ");
    causes.forEach((check, i) => {
      const strong = document.createElement("strong");
      strong.textContent = check;
      box.append(i ? ", " : "", strong, " (" + (serviceOf.get(check) || "?") + ")");
    });
  },

  checks(own) {
    const tbody = $("health-checks").tBodies[0];
    tbody.textContent = "";
    $("health-checks-box").hidden = !own;
    if (!own) return;
    for (const check of own.checks) {
      const row = tbody.insertRow();
      row.dataset.check = check.name;
      row.dataset.status = check.status;
      cell(row, check.name);
      cell(row, check.kind);
      cell(row, "").appendChild(healthBadge(check.status));
      cell(row, milliseconds(check.duration_s), "num");
      cell(row, utcTime(check.checked_at).replace(" UTC", ""));
      const detail = check.caused_by.length ? " · degraded by " + check.caused_by.join(", ") : "";
      cell(row, check.detail + detail, "detail");
      labelled($("health-checks"), row);
    }
  },

  dependencies(own, byService) {
    const tbody = $("health-deps").tBodies[0];
    tbody.textContent = "";
    const through = own ? reachedThrough(byService, own.service) : new Map();
    $("health-deps-box").hidden = through.size === 0;
    for (const [dependency, via] of through) {
      const entry = byService.get(dependency);
      const status = entry ? entry.status : "unknown";
      const failed = entry ? own.caused_by.filter((name) => entry.checks.some((c) => c.name === name)) : [];
      const row = tbody.insertRow();
      row.dataset.service = dependency;
      row.dataset.status = status;
      if (failed.length) row.classList.add("cause");
      cell(row, "").appendChild(link("/services/" + encodeURIComponent(dependency), dependency));
      cell(row, "").appendChild(healthBadge(status));
      cell(row, via ? "via " + via : "direct");
      cell(row, failed.length ? "yes: " + failed.join(", ") : "no");
      labelled($("health-deps"), row);
    }
  },
};

PAGES.service.sections.push(healthSection);
