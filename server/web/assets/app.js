// The supervisor page: one live stream of the floor (server-sent events
// read with fetch, so the token goes in the Authorization header and never
// into a URL), the map and the shift's figures as JSON, and the
// supervisors' actions as POSTs, each confirmed in a dialog with a reason.
//
// On a wall the page is one screen that never scrolls: the board of order
// clocks is laid out to the space it has (full cards while they fit, then
// compact chips grouped by risk, most urgent first, with "+N more" where a
// group runs out of room). On a phone it is one scrolling column.
"use strict";

const TOKEN_KEY = "pickpack-token";
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  orders: new Map(),   // id -> order clock (open orders only)
  pickers: new Map(),  // name -> picker status
  alerts: new Map(),   // kind|order|picker|bin -> the latest alert of that key
  offShift: new Map(), // picker -> {picker, at, by, reason}
  figures: null,        // /api/floor/figures: the released orders' clocks and the time model's error
  summary: null,        // the shift's figures, live ("summary" events)
  offset: 0,           // server clock minus this browser's: countdowns use the server's time
  abort: null,
  retry: 1000,
};

function serverNow() { return Date.now() + state.offset; }

class AuthError extends Error {
  constructor(status, text) { super(text); this.status = status; }
}

async function api(path, init = {}) {
  const headers = Object.assign({}, init.headers, { Authorization: "Bearer " + state.token });
  const resp = await fetch(path, Object.assign({}, init, { headers, cache: "no-store" }));
  if (resp.status === 401 || resp.status === 403) {
    throw new AuthError(resp.status, (await resp.text()).trim());
  }
  if (!resp.ok) throw new Error((await resp.text()).trim() || path + ": " + resp.status);
  return resp;
}

// ---- login ----

function showLogin(message) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.abort) state.abort.abort();
  $("app").hidden = true;
  $("logout").hidden = true;
  $("badge-open").hidden = true;
  if ($("badge-dialog").open) $("badge-dialog").close();
  $("login").hidden = false;
  $("login-error").textContent = message || "";
  setStatus(false, "offline");
  $("token").focus();
}

$("login-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  state.token = $("token").value.trim();
  $("login-error").textContent = "";
  try {
    await api("/api/floor/figures");
  } catch (err) {
    const msg = err instanceof AuthError
      ? (err.status === 401 ? "Unknown or revoked token." : "This token may not watch the floor: a supervisor or admin token is needed.")
      : "Cannot reach the server: " + err.message;
    showLogin(msg);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $("token").value = "";
  start();
});

$("logout").addEventListener("click", () => showLogin(""));

function start() {
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  $("badge-open").hidden = false;
  connect();
  refreshFigures();
  refreshMap();
  refreshOffShift();
}

// ---- the live stream ----

function setStatus(live, text) {
  const el = $("status");
  el.className = "status " + (live ? "live" : "off");
  el.textContent = text;
}

async function connect() {
  if (state.abort) state.abort.abort();
  const abort = new AbortController();
  state.abort = abort;
  let fresh = true; // the next events are a full picture: replace, do not merge
  try {
    const resp = await api("/api/floor/events", { signal: abort.signal, headers: { Accept: "text/event-stream" } });
    const reader = resp.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let cut;
      while ((cut = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        let name = "message", data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data += line.slice(5).trim();
        }
        if (fresh) {
          state.orders.clear(); state.pickers.clear(); state.alerts.clear();
          fresh = false;
        }
        apply(name, data ? JSON.parse(data) : null);
      }
    }
  } catch (err) {
    if (abort.signal.aborted) return;
    if (err instanceof AuthError) { showLogin(err.status === 401 ? "The token is no longer valid." : "This token may not watch the floor."); return; }
    console.warn("floor stream:", err);
  }
  if (abort.signal.aborted) return;
  // The stream ended (server restart, fell behind, network): start again
  // with a fresh picture, backing off up to 15 s.
  setStatus(false, "reconnecting");
  setTimeout(connect, state.retry);
  state.retry = Math.min(state.retry * 2, 15000);
}

let mapTimer = null, figTimer = null;
function soon(kind) {
  if (kind === "map" && !mapTimer) mapTimer = setTimeout(() => { mapTimer = null; refreshMap(); }, 1500);
  if (kind === "figures" && !figTimer) figTimer = setTimeout(() => { figTimer = null; refreshFigures(); }, 3000);
}

const MAX_ALERTS = 1000;

function alertKey(a) { return [a.kind, a.order || "", a.picker || "", a.bin || ""].join("|"); }

// forgetAlerts drops the alerts an order's new state has made untrue.
function forgetAlerts(o) {
  for (const [k, a] of state.alerts) {
    if (a.order !== o.id) continue;
    if (!o.open || (a.kind === "predicted-late" && o.risk === "on-time")) state.alerts.delete(k);
  }
}

function apply(name, d) {
  switch (name) {
    case "order":
      if (d.open) state.orders.set(d.id, d);
      else { state.orders.delete(d.id); soon("figures"); }
      forgetAlerts(d);
      soon("map");
      break;
    case "picker": {
      const old = state.pickers.get(d.picker);
      state.pickers.set(d.picker, d);
      if (!old || old.task !== d.task || old.lastBin !== d.lastBin) soon("map");
      break;
    }
    case "alert": {
      const k = alertKey(d);
      state.alerts.delete(k); // re-inserted: the Map keeps arrival order, oldest first
      state.alerts.set(k, d);
      if (state.alerts.size > MAX_ALERTS) state.alerts.delete(state.alerts.keys().next().value);
      break;
    }
    case "summary":
      state.summary = d;
      break;
    case "ready":
    case "tick":
      state.offset = Date.parse(d.now) - Date.now();
      if (name === "ready") { setStatus(true, "live"); state.retry = 1000; }
      break;
    case "reset":
      break; // the stream ends next; connect() starts again
  }
  render();
}

// ---- rendering ----

let frame = 0;
function render() {
  if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
}
window.addEventListener("resize", render);

function fmtDur(secs) {
  const neg = secs < 0;
  secs = Math.abs(Math.round(secs));
  const h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, s = secs % 60;
  const t = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  return neg ? "+" + t : t;
}

function predicted(o) { return o.predictedAt ? "predicted " + fmtTime(o.predictedAt) : "no prediction"; }

function fmtTime(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

const riskOrder = { late: 0, "at-risk": 1, "on-time": 2 };
const riskName = { late: "Late", "at-risk": "At risk", "on-time": "On time" };

function draw() {
  drawClocks();
  drawLanes();
  drawAlerts();
  drawFigures();
  $("now").textContent = new Date(serverNow()).toLocaleTimeString([], { hour12: false });
}

// urgent sorts the most urgent first: late, then at risk, then on time,
// and within each the least slack (the predicted handoff furthest past,
// or nearest to, the due time), then the earliest due.
function urgent(a, b) {
  const slack = (o) => o.slackS ?? -1e12; // null: no prediction at all, first of its risk
  return (riskOrder[a.risk] - riskOrder[b.risk]) || (slack(a) - slack(b)) ||
    (Date.parse(a.dueAt) - Date.parse(b.dueAt)) || a.id.localeCompare(b.id);
}

// sizes reads the board's clock sizes from the style sheet, in pixels.
function sizes() {
  const css = getComputedStyle(document.documentElement);
  const rem = parseFloat(css.fontSize);
  const v = (name) => parseFloat(css.getPropertyValue(name)) * rem;
  return { cardW: v("--card-w"), cardH: v("--card-h"), chipW: v("--chip-w"), chipH: v("--chip-h"), groupH: v("--group-h"), gap: v("--gap") };
}

function fits(space, size, gap) { return Math.max(0, Math.floor((space + gap) / (size + gap))); }

function clockEl(o, chip) {
  const c = el("div", "clock " + o.risk + (o.raisedAt ? " raised" : ""));
  c.dataset.order = o.id;
  c.dataset.risk = o.risk;
  c.tabIndex = 0;
  c.append(el("div", "id", o.id), el("div", "t"));
  if (!chip) {
    const slack = o.predictedAt ? " · slack " + fmtDur(o.slackS).replace("+", "−") : "";
    c.append(el("div", "m", o.state + (o.picker ? " · " + o.picker : "") + (o.reason ? " · " + o.reason : slack)));
  }
  c.title = `${o.id}: ${o.state}${o.picker ? " by " + o.picker : ""}, due ${fmtTime(o.dueAt)}, ${predicted(o)}` +
    (o.reason ? " (" + o.reason + ")" : "") + ". Click for actions.";
  return c;
}

// drawClocks lays the open orders out in the board's box: every clock as a
// card while they all fit; otherwise grouped by risk as chips, the late
// group served first, each group's overflow summed up as "+N more".
function drawClocks() {
  const box = $("clocks");
  const orders = [...state.orders.values()].sort(urgent);
  $("no-clocks").hidden = orders.length > 0;
  const W = box.clientWidth, H = box.clientHeight;
  const z = sizes();
  const out = [];
  const cardCols = Math.max(1, fits(W, z.cardW, z.gap));
  if (orders.length <= cardCols * fits(H, z.cardH, z.gap)) {
    const grid = el("div", "grid");
    for (const o of orders) grid.appendChild(clockEl(o, false));
    out.push(grid);
    box.dataset.mode = "cards";
  } else {
    box.dataset.mode = "grouped";
    const groups = ["late", "at-risk", "on-time"].map((risk) => ({ risk, list: orders.filter((o) => o.risk === risk) }))
      .filter((g) => g.list.length > 0);
    const cols = Math.max(1, fits(W, z.chipW, z.gap));
    let rows = fits(H - groups.length * z.groupH - (groups.length - 1) * z.gap, z.chipH, z.gap);
    // Every group gets a row if it can; then the most urgent take what
    // they need.
    const given = groups.map(() => 0);
    groups.forEach((g, i) => { if (rows > 0) { given[i] = 1; rows--; } });
    groups.forEach((g, i) => {
      const more = Math.min(rows, Math.ceil(g.list.length / cols) - given[i]);
      if (more > 0) { given[i] += more; rows -= more; }
    });
    groups.forEach((g, i) => {
      const sec = el("section", "group " + g.risk);
      sec.dataset.risk = g.risk;
      const h = el("h3");
      const byState = new Map();
      for (const o of g.list) byState.set(o.state, (byState.get(o.state) || 0) + 1);
      h.append(el("span", "n", riskName[g.risk] + " " + g.list.length),
        el("span", "why", [...byState].map(([s, n]) => n + " " + s).join(" · ") + (g.list[0].reason ? " — " + g.list[0].reason : "")));
      sec.appendChild(h);
      const room = given[i] * cols;
      if (room > 0) {
        const grid = el("div", "grid chips");
        const shown = g.list.length <= room ? g.list.length : room - 1;
        for (const o of g.list.slice(0, shown)) grid.appendChild(clockEl(o, true));
        if (shown < g.list.length) {
          const more = el("div", "more", "+" + (g.list.length - shown) + " more " + riskName[g.risk].toLowerCase());
          more.title = g.list.slice(shown).map((o) => o.id).join(", ");
          grid.appendChild(more);
        }
        sec.appendChild(grid);
      }
      out.push(sec);
    });
  }
  box.replaceChildren(...out);
  tickClocks();
  const late = orders.filter((o) => o.risk === "late").length, risk = orders.filter((o) => o.risk === "at-risk").length;
  $("fig-open").textContent = orders.length;
  $("fig-open-d").textContent = `${late} late · ${risk} at risk · ${orders.filter((o) => o.state === "queued").length} queued`;
}

// tickClocks counts every clock down to its due time, between events too.
function tickClocks() {
  const now = serverNow();
  for (const c of $("clocks").querySelectorAll("[data-order]")) {
    const o = state.orders.get(c.dataset.order);
    if (o) c.querySelector(".t").textContent = fmtDur((Date.parse(o.dueAt) - now) / 1000);
  }
}

$("clocks").addEventListener("click", (ev) => {
  const c = ev.target.closest("[data-order]");
  if (c) openOrder(c.dataset.order);
});
$("clocks").addEventListener("keydown", (ev) => {
  const c = ev.target.closest("[data-order]");
  if (c && (ev.key === "Enter" || ev.key === " ")) { ev.preventDefault(); openOrder(c.dataset.order); }
});

function button(text, onClick, cls = "small") {
  const b = el("button", cls, text);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

function drawLanes() {
  const body = $("lanes");
  body.replaceChildren();
  const shift = new Map((state.summary?.pickers || state.figures?.pickers || []).map((p) => [p.picker, p]));
  const names = new Set([...state.pickers.keys(), ...state.offShift.keys()]);
  for (const name of [...names].sort()) {
    const p = state.pickers.get(name) || { picker: name, picksLastHour: 0, idleS: 0, atStopS: 0 };
    const off = state.offShift.get(name);
    const tr = el("tr");
    tr.dataset.picker = name;
    let st, cls;
    if (p.task) {
      cls = p.atStopS >= 240 ? "lane-stuck" : "lane-busy";
      st = (p.atStopS >= 240 ? "at one stop " : "picking, at stop ") + fmtDur(p.atStopS);
    } else if (off) {
      cls = "lane-off";
      st = "off shift since " + fmtTime(off.at) + " (" + off.by + ")";
    } else if (p.onShift === false) {
      cls = "lane-off";
      st = p.lastScanAt ? "not seen for " + fmtDur(p.idleS) : "not on shift";
    } else {
      cls = "lane-idle";
      st = p.lastScanAt ? "idle " + fmtDur(p.idleS) : "no scans yet";
    }
    tr.className = cls;
    const cells = [name, p.task || "–", p.lastBin || "–", String(p.picksLastHour),
      shift.has(name) ? String(shift.get(name).shiftPicksPerHour) : "–", st];
    cells.forEach((t, i) => {
      const td = el("td", i === 3 || i === 4 ? "n" : i === 5 ? "st" : "", t);
      tr.appendChild(td);
    });
    const acts = el("td", "acts");
    if (p.task) {
      acts.append(button("Release", () => openAction("release", { task: p.task, picker: name })),
        button("Reassign", () => openAction("reassign", { task: p.task, picker: name })));
    } else if (off) {
      acts.append(button("On shift", () => openAction("onShift", { picker: name })));
    } else {
      acts.append(button("Off shift", () => openAction("offShift", { picker: name })));
    }
    tr.appendChild(acts);
    body.appendChild(tr);
  }
}

// Alerts, grouped by kind, newest group first; a group of one is one line,
// a larger one a summary ("12 orders predicted late") that opens to list
// them, newest first. Which groups are open survives redrawing.
const alertGroups = {
  "predicted-late": { sev: "sev-late", one: "predicted late", many: (n) => n + " orders predicted late" },
  "no-picker-free": { sev: "sev-risk", one: "no picker free", many: (n) => n + " × no picker free" },
  "picker-stuck": { sev: "sev-late", one: "stuck", many: (n) => n + " pickers stuck" },
  "picker-idle": { sev: "sev-risk", one: "idle", many: (n) => n + " pickers idle" },
  "short-pick": { sev: "sev-risk", one: "short pick", many: (n) => n + " short picks" },
  "queue-late": { sev: "sev-late", one: "queue late", many: (n) => n + " × queue late" },
};
const openGroups = new Set();

function drawAlerts() {
  const box = $("alerts");
  const byKind = new Map();
  for (const a of state.alerts.values()) {
    if (!byKind.has(a.kind)) byKind.set(a.kind, []);
    byKind.get(a.kind).push(a);
  }
  const groups = [...byKind].map(([kind, list]) => ({ kind, list: list.sort((x, y) => Date.parse(y.at) - Date.parse(x.at)) }))
    .sort((x, y) => Date.parse(y.list[0].at) - Date.parse(x.list[0].at) || x.kind.localeCompare(y.kind));
  const out = [];
  for (const g of groups) {
    const info = alertGroups[g.kind] || { sev: "sev-info", one: g.kind, many: (n) => n + " × " + g.kind };
    const latest = g.list[0];
    if (g.list.length === 1) {
      const line = el("div", "one " + info.sev);
      line.dataset.kind = g.kind;
      line.append(el("time", "", fmtTime(latest.at)), info.one + ": " + latest.message);
      out.push(line);
      continue;
    }
    const det = el("details", info.sev);
    det.dataset.kind = g.kind;
    det.open = openGroups.has(g.kind);
    const sum = el("summary");
    sum.append(el("time", "", fmtTime(latest.at)), info.many(g.list.length));
    const ul = el("ul");
    for (const a of g.list) {
      const li = el("li");
      li.append(el("time", "", fmtTime(a.at)), a.message);
      ul.appendChild(li);
    }
    det.append(sum, ul);
    out.push(det);
  }
  const scrolled = box.scrollTop; // a redraw keeps the reader's place
  box.replaceChildren(...out);
  box.scrollTop = scrolled;
  $("alerts-n").textContent = state.alerts.size ? state.alerts.size + " open" : "";
}

// A group opens and closes on the click itself, not on the toggle event
// that follows it: a redraw in between would otherwise lose the click.
$("alerts").addEventListener("click", (ev) => {
  const sum = ev.target.closest("summary");
  if (!sum) return;
  ev.preventDefault();
  const det = sum.parentElement, kind = det.dataset.kind;
  if (openGroups.has(kind)) openGroups.delete(kind); else openGroups.add(kind);
  det.open = openGroups.has(kind);
});

// drawFigures shows the shift's figures: on time over every order due in
// the shift so far (handed off late and open past due count as late), the
// outlook with the open orders' predictions, picks per hour of the shift
// beside the last hour's, and the clocks of the orders handed off.
function drawFigures() {
  const s = state.summary || state.figures, f = state.figures;
  if (s && s.shiftLabel != null) {
    const due = s.handedOnTime + s.handedLate + s.openPastDue;
    $("fig-ontime").textContent = s.onTimePct == null ? "–" : Math.round(s.onTimePct) + "%";
    $("fig-ontime-d").textContent = due ? `of ${due} due: ${s.handedLate} handed late, ${s.openPastDue} open past due` : "nothing due yet";
    $("fig-outlook").textContent = s.outlookPct == null ? "–" : Math.round(s.outlookPct) + "%";
    $("fig-outlook-d").textContent = `${s.predictedLate} open predicted late`;
    $("fig-picks").textContent = s.shiftPicksPerHour;
    $("fig-picks-d").textContent = `last hour ${s.lastHourPicks} · ${s.pickersOnShift} on shift` + (s.pickersNeeded ? `, ${s.pickersNeeded} needed` : "");
    $("shift-range").textContent = s.shiftLabel;
  }
  if (f) {
    $("fig-handed").textContent = f.handedOff;
    $("fig-mean-d").textContent = f.handedOff ? "mean " + fmtDur(f.meanClockS) + " · p90 " + fmtDur(f.p90ClockS) : "";
    const p = f.prediction;
    $("fig-error").textContent = p && p.mapePct != null ? Math.round(p.mapePct) + "%" : "–";
    $("fig-error-d").textContent = p && p.mapePct != null ? `bias ${p.biasS >= 0 ? "+" : "−"}${fmtDur(Math.abs(p.biasS))} over ${p.orders}` : "no handoff to compare";
  }
}

async function refreshFigures() {
  try {
    state.figures = await (await api("/api/floor/figures")).json();
    render();
  } catch (err) {
    if (err instanceof AuthError) showLogin("The token is no longer valid.");
  }
}

async function refreshOffShift() {
  try {
    const list = await (await api("/api/floor/off-shift")).json();
    state.offShift = new Map(list.map((o) => [o.picker, o]));
    render();
  } catch (err) {
    if (err instanceof AuthError) showLogin("The token is no longer valid.");
  }
}

// ---- actions ----

const enc = encodeURIComponent;
const actions = {
  release: {
    title: (t) => `Release task ${t.task}?`,
    text: (t) => `${t.picker} stops picking task ${t.task}. Orders still to pick go back to the queue with their due times ` +
      `(units already picked are listed to put back in their bins); orders fully picked stay in their totes for packing.`,
    path: (t) => `/api/tasks/${enc(t.task)}/release`, ok: "Release", danger: true,
  },
  reassign: {
    title: (t) => `Reassign task ${t.task}?`,
    text: (t) => `The cart, its totes and what is picked go from ${t.picker} to the picker you choose, who goes on where it stopped.`,
    path: (t) => `/api/tasks/${enc(t.task)}/reassign`, ok: "Reassign", picker: true,
  },
  offShift: {
    title: (t) => `Take ${t.picker} off shift?`,
    text: (t) => `${t.picker} is no longer counted as a pair of hands in the predictions until put back on shift or given a task.`,
    path: (t) => `/api/pickers/${enc(t.picker)}/off-shift`, ok: "Take off shift",
  },
  onShift: {
    title: (t) => `Put ${t.picker} back on shift?`,
    text: (t) => `${t.picker} is counted on the floor again.`,
    path: (t) => `/api/pickers/${enc(t.picker)}/on-shift`, ok: "Put on shift",
  },
  cancel: {
    title: (t) => `Cancel order ${t.order}?`,
    text: (t) => `The order leaves the floor for good; its reserved stock is released and picked units go back to their bins.`,
    path: (t) => `/api/orders/${enc(t.order)}/cancel`, ok: "Cancel the order", danger: true,
  },
  reprint: {
    title: (t) => `Reprint the documents of ${t.order}?`,
    text: () => `The waybill and papers print again, marked as a reprint.`,
    path: (t) => `/api/orders/${enc(t.order)}/reprint`, ok: "Reprint", station: true,
  },
  priority: {
    title: (t) => `Raise the priority of ${t.order}?`,
    text: () => `It goes to the next picker asking for work, before every other queued order. Its due time stays.`,
    path: (t) => `/api/orders/${enc(t.order)}/priority`, ok: "Raise priority",
  },
};

let pending = null; // {kind, target} being confirmed

function resetDialog() {
  $("confirm-error").textContent = "";
  $("confirm-actions").replaceChildren();
  for (const id of ["confirm-picker", "confirm-picker-l", "confirm-station", "confirm-station-l"]) $(id).hidden = true;
}

// openOrder offers what can be done to one order, by its state.
function openOrder(id) {
  const o = state.orders.get(id);
  if (!o) return;
  resetDialog();
  pending = null;
  $("confirm-h").textContent = "Order " + o.id;
  $("confirm-text").textContent = `${o.state}${o.picker ? " by " + o.picker : ""}; due ${fmtTime(o.dueAt)}, ${predicted(o)}` +
    (o.reason ? " (" + o.reason + ")" : "") + ".";
  const choices = [];
  if (o.state === "queued" && !o.raisedAt) choices.push(["Raise priority", "priority", { order: o.id }]);
  if (o.task && (o.state === "assigned" || o.state === "picking")) {
    choices.push(["Release task " + o.task, "release", { task: o.task, picker: o.picker }]);
    choices.push(["Reassign task " + o.task, "reassign", { task: o.task, picker: o.picker }]);
  }
  if (o.state === "packed") choices.push(["Reprint documents", "reprint", { order: o.id }]);
  choices.push(["Cancel order", "cancel", { order: o.id }]);
  for (const [text, kind, target] of choices) {
    $("confirm-actions").appendChild(button(text, () => openAction(kind, target), kind === "cancel" ? "danger" : ""));
  }
  showFields(false);
  $("confirm").showModal();
}

function showFields(confirming) {
  $("confirm-reason").hidden = !confirming;
  document.querySelector('label[for="confirm-reason"]').hidden = !confirming;
  $("confirm-ok").hidden = !confirming;
}

function openAction(kind, target) {
  const a = actions[kind];
  resetDialog();
  pending = { kind, target };
  $("confirm-h").textContent = a.title(target);
  $("confirm-text").textContent = a.text(target);
  $("confirm-ok").textContent = a.ok;
  $("confirm-ok").className = a.danger ? "danger" : "";
  if (a.picker) {
    const sel = $("confirm-picker");
    sel.replaceChildren();
    const free = [...state.pickers.values()].filter((p) => !p.task && p.picker !== target.picker && !state.offShift.has(p.picker));
    for (const p of free) sel.appendChild(new Option(p.picker, p.picker));
    if (!free.length) sel.appendChild(new Option("no picker without a task", ""));
    sel.hidden = $("confirm-picker-l").hidden = false;
  }
  if (a.station) {
    $("confirm-station").value = "";
    $("confirm-station").hidden = $("confirm-station-l").hidden = false;
  }
  $("confirm-reason").value = "";
  showFields(true);
  if (!$("confirm").open) $("confirm").showModal();
  $("confirm-reason").focus();
}

$("confirm-cancel").addEventListener("click", () => $("confirm").close());

$("confirm-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  if (!pending) return;
  const a = actions[pending.kind];
  const body = { reason: $("confirm-reason").value.trim() };
  if (!body.reason) { $("confirm-error").textContent = "Say why: the history keeps it with your name."; return; }
  if (a.picker) body.picker = $("confirm-picker").value;
  if (a.station && $("confirm-station").value.trim()) body.station = $("confirm-station").value.trim();
  $("confirm-ok").disabled = true;
  try {
    const res = await (await api(a.path(pending.target), {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    })).json();
    $("confirm").close();
    toast(res.message, false);
    refreshMap();
    refreshFigures();
    refreshOffShift();
  } catch (err) {
    if (err instanceof AuthError && err.status === 401) { $("confirm").close(); showLogin("The token is no longer valid."); return; }
    $("confirm-error").textContent = err.message;
  } finally {
    $("confirm-ok").disabled = false;
  }
});

let toastTimer = null;
function toast(text, bad) {
  const t = $("toast");
  t.textContent = text;
  t.className = "toast" + (bad ? " bad" : "");
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 8000);
}

// ---- the map ----

const SVG = "http://www.w3.org/2000/svg";
const palette = ["#4a90d9", "#e67e22", "#9b59b6", "#1abc9c", "#e84393", "#f1c40f", "#00cec9", "#fd79a8"];

function svg(name, attrs, parent) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (parent) parent.appendChild(e);
  return e;
}

// refreshMap draws the floor: shelves, aisles (named at the back), zones
// (named below their aisles), the pack station (named above it), routes
// and pickers. Labels go on a layer of their own, drawn last: no dot or
// route ever covers one. Pickers on one spot are fanned out.
async function refreshMap() {
  let m;
  try {
    m = await (await api("/api/floor/map")).json();
  } catch (err) {
    if (err instanceof AuthError) showLogin("The token is no longer valid.");
    return;
  }
  $("map-name").textContent = m.warehouse || "";
  const root = $("map");
  root.replaceChildren();
  const [x0, y0, x1, y1] = m.bounds;
  const top = 7, bottom = 9, side = 4; // room for the pack station, aisle and zone names
  root.setAttribute("viewBox", `${x0 - side} ${y0 - top} ${x1 - x0 + 2 * side} ${y1 - y0 + top + bottom}`);
  const g = svg("g", {}, root);
  const labels = svg("g", { class: "labels" }, root);
  const label = (x, y, text, cls) => { svg("text", { x, y, class: cls || "" }, labels).textContent = text; };
  const aisleGap = m.aisles.length > 1 ? (m.aisles[m.aisles.length - 1].x - m.aisles[0].x) / (m.aisles.length - 1) : 4;
  const shelf = Math.max(aisleGap * 0.28, 0.5);
  for (const a of m.aisles) {
    if (a.maxY > a.minY) {
      svg("rect", { class: "shelf", x: a.x - aisleGap / 2 + 0.1, y: a.minY, width: shelf, height: a.maxY - a.minY }, g);
      svg("rect", { class: "shelf", x: a.x + aisleGap / 2 - shelf - 0.1, y: a.minY, width: shelf, height: a.maxY - a.minY }, g);
    }
    svg("line", { class: "aisle", x1: a.x, y1: a.minY, x2: a.x, y2: a.maxY }, g);
    label(a.x, y1 + 2.6, a.id, "aisle-l");
  }
  // Zones: runs of neighbouring aisles in one zone, bracketed and named.
  let run = null;
  const zoneRuns = [];
  for (const a of m.aisles) {
    if (run && run.zone === a.zone) { run.to = a.x; continue; }
    run = { zone: a.zone, from: a.x, to: a.x };
    zoneRuns.push(run);
  }
  for (const z of zoneRuns) {
    if (!z.zone) continue;
    const l = z.from - aisleGap / 2 + 0.3, r = z.to + aisleGap / 2 - 0.3;
    svg("rect", { class: "zone", x: l, y: y0 - 1.2, width: r - l, height: y1 - y0 + 2.4, rx: 0.8 }, g);
    label((l + r) / 2, y1 + 6.2, "Zone " + z.zone, "zone-l");
  }
  for (const y of m.crossAisles) svg("line", { class: "cross", x1: x0 - 2, y1: y, x2: x1 + 2, y2: y }, g);
  svg("rect", { class: "depot", x: m.depot[0] - 3, y: m.depot[1] - 2, width: 6, height: 4 }, g);
  label(m.depot[0], y0 - 4.4, "pack station", "depot-l");

  const colour = new Map();
  [...new Set([...m.pickers.map((p) => p.picker), ...m.routes.map((r) => r.picker)])].sort()
    .forEach((name, i) => colour.set(name, palette[i % palette.length]));
  for (const r of m.routes) {
    const c = colour.get(r.picker);
    svg("polyline", { class: "route", stroke: c, points: r.path.map((p) => p.join(",")).join(" ") }, g).dataset.task = r.task;
    for (const s of r.stops) {
      const dot = svg("circle", { class: "stop" + (s.done ? " done" : ""), cx: s.at[0], cy: s.at[1], r: 1, fill: c }, g);
      svg("title", {}, dot).textContent = s.bin;
    }
  }
  const spots = new Map(); // pickers on one spot are fanned out along it
  for (const p of m.pickers) {
    const key = p.at.join(",");
    const i = spots.get(key) || 0;
    spots.set(key, i + 1);
    const x = p.at[0] + i * 4.5, y = p.at[1] + (p.at[1] === m.depot[1] ? 3.2 : 0);
    const dot = svg("circle", { class: "picker", cx: x, cy: y, r: 1.6, fill: colour.get(p.picker) }, g);
    dot.dataset.picker = p.picker;
    svg("title", {}, dot).textContent = p.picker + (p.bin ? " at " + p.bin : "");
    label(x + 2, y + 0.8, p.picker, "picker-l");
  }
}

// ---- sign-in badges ----

// Issuing a badge answers with its PDF: the sign-in code exists only in it
// (the server keeps a hash), so it is offered for download from memory and
// never sent anywhere else. A 403 here is the user's role, not the token:
// it is said in the panel, without logging out.
let badgeURL = null;

$("badge-open").addEventListener("click", () => {
  $("badge-result").replaceChildren();
  $("badge-result").className = "";
  $("badge-dialog").showModal();
  $("badge-user").focus();
});
$("badge-close").addEventListener("click", () => $("badge-dialog").close());

$("badge-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  const user = $("badge-user").value.trim();
  const role = $("badge-role").value;
  const out = $("badge-result");
  out.replaceChildren();
  out.className = "";
  let resp;
  try {
    resp = await fetch("/api/users/" + encodeURIComponent(user) + "/badge" + (role ? "?role=" + encodeURIComponent(role) : ""),
      { method: "POST", headers: { Authorization: "Bearer " + state.token }, cache: "no-store" });
  } catch (err) {
    out.className = "error";
    out.textContent = "Cannot reach the server: " + err.message;
    return;
  }
  if (resp.status === 401) { showLogin("The token is no longer valid."); return; }
  if (!resp.ok) {
    out.className = "error";
    out.textContent = (await resp.text()).trim();
    return;
  }
  if (badgeURL) URL.revokeObjectURL(badgeURL);
  badgeURL = URL.createObjectURL(await resp.blob());
  const a = document.createElement("a");
  a.href = badgeURL;
  a.download = "badge-" + user + ".pdf";
  a.textContent = a.download;
  out.append("Badge issued for " + user + ": ", a);
  a.click();
  $("badge-user").value = "";
});

// ---- clocks ----

setInterval(() => { tickClocks(); $("now").textContent = new Date(serverNow()).toLocaleTimeString([], { hour12: false }); }, 1000);
setInterval(() => { if (state.token) { refreshFigures(); refreshMap(); refreshOffShift(); } }, 60000);

if (state.token) start(); else showLogin("");
