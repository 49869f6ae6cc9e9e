// The alerts page (loaded after dashboard.js, whose helpers it uses): the active alerts
// and the resolved ones, filtered by state, service and severity (kept in the URL), and
// the three writes the API allows: acknowledge, resolve and annotate an alert.
//
// Every change records who made it: the name typed in "You", kept in this browser's
// localStorage (a name is no secret; the token stays in sessionStorage). An alert's
// history (who changed what, when, and the notes) is read when its "History" is opened,
// and read again at each refresh while it stays open. Text typed into an alert's form
// survives an auto-refresh.
"use strict";

const BY_KEY = "sloscope.by";
const ACTIVE_LIMIT = 1000; // the newest first
const HISTORY_LIMIT = 200;
const NOTE_KINDS = ["note", "action", "resolution"];

function button(text, action) {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = text;
  element.dataset.action = action;
  return element;
}

const alertsPage = {
  active: [],
  resolved: [],
  histories: new Map(), // alert id -> its events, for the open "History" boxes

  chosen() {
    return {
      state: ALERT_STATES.has(params.get("state")) ? params.get("state") : "",
      service: params.get("service") || "",
      severity: params.get("severity") || "",
    };
  },

  async load() {
    const { state } = this.chosen();
    const wantActive = !state || ACTIVE_STATES.includes(state);
    const wantResolved = !state || state === "resolved";
    const [active, resolved] = await Promise.all([
      wantActive ? api("/api/alerts", { state: state || ACTIVE_STATES, limit: ACTIVE_LIMIT }) : { alerts: [] },
      wantResolved ? api("/api/alerts", { state: "resolved", limit: HISTORY_LIMIT }) : { alerts: [] },
    ]);
    this.active = active.alerts;
    this.resolved = resolved.alerts;
    const open = [...this.histories.keys()];
    const details = await Promise.all(open.map((id) => api("/api/alerts/" + encodeURIComponent(id))));
    for (const detail of details) this.histories.set(detail.alert.id, detail.history);
    this.draw();
  },

  draw() {
    const { state, service, severity } = this.chosen();
    const every = this.active.concat(this.resolved);
    const label = (name) => [...new Set(every.map((a) => a.labels[name]).filter((v) => v))].sort();
    fillSelect($("f-service"), label("service"), service, "every service");
    fillSelect($("f-severity"), label("severity"), severity, "every severity");
    const shown = (alert) =>
      (!service || alert.labels.service === service) && (!severity || alert.labels.severity === severity);
    $("active-section").hidden = state === "resolved";
    $("history-section").hidden = ACTIVE_STATES.includes(state);
    const typed = this.typed();
    this.fill("active", this.active.filter(shown), typed);
    this.fill("history", this.resolved.filter(shown), typed);
  },

  // What is typed in each alert's form, to put back after a redraw.
  typed() {
    const kept = new Map();
    for (const form of document.querySelectorAll("form.act")) {
      kept.set(form.dataset.id, [form.elements.text.value, form.elements.kind.value]);
    }
    return kept;
  },

  fill(id, alerts, typed) {
    const box = $(id);
    box.textContent = "";
    for (const alert of alerts) box.appendChild(this.card(alert, typed.get(alert.id)));
    $("n-" + id).textContent = "(" + alerts.length + ")";
    $("empty-" + id).hidden = alerts.length > 0;
  },

  card(alert, typed) {
    const card = document.createElement("article");
    card.className = "card alert";
    card.dataset.id = alert.id;
    card.dataset.state = alert.state;
    const title = document.createElement("h3");
    title.append(stateBadge(alert.state), " ", alert.labels.alertname || alert.id);
    card.appendChild(title);
    const labels = document.createElement("ul");
    labels.className = "labels";
    for (const [key, value] of Object.entries(alert.labels)) {
      const item = document.createElement("li");
      item.textContent = key + "=" + value;
      labels.appendChild(item);
    }
    card.appendChild(labels);
    if (alert.labels.slo) {
      const to = document.createElement("p");
      to.className = "links";
      to.append("SLO ", link("/slos/" + encodeURIComponent(alert.labels.slo), alert.labels.slo));
      card.appendChild(to);
    }
    const changes = [
      ["Value / threshold", figure(alert.value) + " / " + figure(alert.threshold)],
      ["Started", utcTime(alert.starts_at)],
      ["Firing since", utcTime(alert.firing_at)],
    ];
    if (alert.acknowledged_at) {
      changes.push(["Acknowledged", alert.acknowledged_by + ", " + utcTime(alert.acknowledged_at)]);
    }
    if (alert.state === "resolved") changes.push(["Resolved", alert.resolved_by + ", " + utcTime(alert.ends_at)]);
    if (alert.escalation_level > 0) changes.push(["Escalation level", String(alert.escalation_level)]);
    if (alert.channels.length) changes.push(["Channels", alert.channels.join(", ")]);
    const list = factList(changes);
    list.classList.add("changes");
    card.appendChild(list);
    if (Object.keys(alert.annotations).length) {
      const annotations = factList(Object.entries(alert.annotations));
      annotations.classList.add("annotations");
      card.appendChild(annotations);
    }
    card.appendChild(this.form(alert, typed));
    card.appendChild(this.history(alert));
    return card;
  },

  form(alert, typed) {
    const form = document.createElement("form");
    form.className = "act";
    form.dataset.id = alert.id;
    const text = document.createElement("input");
    text.name = "text";
    text.maxLength = 4096;
    text.placeholder = "note (optional but to annotate)";
    text.setAttribute("aria-label", "note");
    const kind = document.createElement("select");
    kind.name = "kind";
    kind.setAttribute("aria-label", "kind of note");
    for (const value of NOTE_KINDS) kind.appendChild(new Option(value, value));
    if (typed) [text.value, kind.value] = typed;
    form.append(text, kind);
    if (alert.state === "firing") form.appendChild(button("Acknowledge", "ack"));
    if (alert.state !== "resolved") form.appendChild(button("Resolve", "resolve"));
    form.appendChild(button("Annotate", "annotate"));
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("click", (event) => {
      const action = event.target.dataset && event.target.dataset.action;
      if (action) this.act(alert, action, text.value.trim(), kind.value);
    });
    return form;
  },

  history(alert) {
    const box = document.createElement("details");
    box.className = "history";
    const summary = document.createElement("summary");
    summary.textContent = "History";
    const list = document.createElement("ol");
    box.append(summary, list);
    const events = this.histories.get(alert.id);
    if (events) {
      box.open = true;
      for (const event of events) {
        const item = document.createElement("li");
        const kind = event.note_kind && event.kind === "annotation" ? event.note_kind : event.kind;
        item.textContent =
          utcTime(event.at) + " · " + kind + " by " + event.actor + (event.note ? ": " + event.note : "");
        list.appendChild(item);
      }
    }
    box.addEventListener("toggle", () => {
      if (box.open && !this.histories.has(alert.id)) {
        this.histories.set(alert.id, []);
        reload();
      } else if (!box.open) {
        this.histories.delete(alert.id);
      }
    });
    return box;
  },

  async act(alert, action, text, kind) {
    const by = $("by").value.trim();
    if (!by) {
      showError('Type your name in "You" first: each change records who made it.');
      $("by").focus();
      return;
    }
    if (action === "annotate" && !text) {
      showError("Type the note to add.");
      return;
    }
    const body = action === "annotate" ? { by, kind, text } : { by, note: text };
    const path = action === "annotate" ? "annotations" : action;
    try {
      await api("/api/alerts/" + encodeURIComponent(alert.id) + "/" + path, undefined, body);
    } catch (error) {
      showFailure(error);
      return;
    }
    const form = document.querySelector('form.act[data-id="' + CSS.escape(alert.id) + '"]');
    if (form) form.elements.text.value = "";
    this.histories.set(alert.id, []);
    await reload();
  },

  bind() {
    $("by").value = localStorage.getItem(BY_KEY) || "";
    $("by").addEventListener("change", () => localStorage.setItem(BY_KEY, $("by").value.trim()));
    $("f-state").value = this.chosen().state;
    $("f-state").addEventListener("change", (event) => {
      setParam("state", event.target.value, "");
      reload();
    });
    for (const name of ["service", "severity"]) {
      $("f-" + name).addEventListener("change", (event) => {
        setParam(name, event.target.value, "");
        this.draw();
        finished();
      });
    }
  },
};

PAGES.alerts = alertsPage;
