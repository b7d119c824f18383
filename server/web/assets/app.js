// The supervisor page: one live stream of the floor (server-sent events
// read with fetch, so the token goes in the Authorization header and never
// into a URL), plus the map and the shift's figures as JSON.
"use strict";

const TOKEN_KEY = "pickpack-token";
const $ = (id) => document.getElementById(id);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  orders: new Map(),   // id -> order clock (open orders only)
  pickers: new Map(),  // name -> picker status
  alerts: [],          // newest first
  figures: null,
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
  if (!resp.ok) throw new Error(path + ": " + resp.status + " " + (await resp.text()).trim());
  return resp;
}

// ---- login ----

function showLogin(message) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  if (state.abort) state.abort.abort();
  $("app").hidden = true;
  $("logout").hidden = true;
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
  connect();
  refreshFigures();
  refreshMap();
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
          state.orders.clear(); state.pickers.clear(); state.alerts = [];
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

function apply(name, d) {
  switch (name) {
    case "order":
      if (d.open) state.orders.set(d.id, d);
      else { state.orders.delete(d.id); soon("figures"); }
      soon("map");
      break;
    case "picker": {
      const old = state.pickers.get(d.picker);
      state.pickers.set(d.picker, d);
      if (!old || old.task !== d.task || old.lastBin !== d.lastBin) soon("map");
      break;
    }
    case "alert":
      state.alerts.unshift(d);
      state.alerts.length = Math.min(state.alerts.length, 50);
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

function fmtDur(secs) {
  const neg = secs < 0;
  secs = Math.abs(Math.round(secs));
  const h = Math.floor(secs / 3600), m = Math.floor(secs / 60) % 60, s = secs % 60;
  const t = (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  return neg ? "+" + t : t;
}

function fmtTime(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

const riskOrder = { late: 0, "at-risk": 1, "on-time": 2 };

function draw() {
  drawClocks();
  drawLanes();
  drawAlerts();
  drawFigures();
  $("now").textContent = new Date(serverNow()).toLocaleTimeString();
}

function drawClocks() {
  const box = $("clocks");
  const orders = [...state.orders.values()].sort((a, b) =>
    (riskOrder[a.risk] - riskOrder[b.risk]) || (Date.parse(a.dueAt) - Date.parse(b.dueAt)) || a.id.localeCompare(b.id));
  const seen = new Set();
  let prev = null;
  for (const o of orders) {
    seen.add(o.id);
    let el = box.querySelector(`[data-order="${CSS.escape(o.id)}"]`);
    if (!el) {
      el = document.createElement("div");
      el.dataset.order = o.id;
      for (const c of ["id", "t", "m"]) { const s = document.createElement("div"); s.className = c; el.appendChild(s); }
    }
    el.className = "clock " + o.risk;
    el.dataset.risk = o.risk;
    el.children[0].textContent = o.id;
    // No prediction (no picker on shift): the reason instead of a slack.
    el.children[2].textContent = o.state + (o.picker ? " · " + o.picker : "") +
      (o.slackS == null ? " · " + o.reason : " · slack " + fmtDur(o.slackS).replace("+", "−"));
    el.title = `${o.id}: ${o.state}, due ${fmtTime(o.dueAt)}, ` + (o.predictedAt ? `predicted ${fmtTime(o.predictedAt)}` : o.reason) +
      (o.reason && o.predictedAt ? ` (${o.reason})` : "");
    const want = prev ? prev.nextSibling : box.firstChild;
    if (want !== el) box.insertBefore(el, want);
    prev = el;
  }
  for (const el of [...box.children]) if (!seen.has(el.dataset.order)) el.remove();
  tickClocks();
  $("no-clocks").hidden = orders.length > 0;
  $("fig-queued").textContent = orders.filter((o) => o.state === "queued").length;
}

// tickClocks counts every clock down to its due time, between events too.
function tickClocks() {
  const now = serverNow();
  for (const el of $("clocks").children) {
    const o = state.orders.get(el.dataset.order);
    if (o) el.children[1].textContent = fmtDur((Date.parse(o.dueAt) - now) / 1000);
  }
}

function drawLanes() {
  const body = $("lanes");
  body.replaceChildren();
  const shift = new Map((state.figures?.pickers || []).map((p) => [p.picker, p]));
  for (const p of [...state.pickers.values()].sort((a, b) => a.picker.localeCompare(b.picker))) {
    const tr = document.createElement("tr");
    tr.dataset.picker = p.picker;
    let st, cls;
    if (p.task) {
      cls = p.atStopS >= 240 ? "lane-stuck" : "lane-busy";
      st = (p.atStopS >= 240 ? "at one stop " : "picking, at stop ") + fmtDur(p.atStopS);
    } else {
      cls = "lane-idle";
      st = p.lastScanAt ? "idle " + fmtDur(p.idleS) : "no scans yet";
    }
    tr.className = cls;
    const cells = [p.picker, p.task || "–", p.lastBin || "–", String(p.picksLastHour),
      shift.has(p.picker) ? String(shift.get(p.picker).shiftPicksPerHour) : "–", st];
    cells.forEach((t, i) => {
      const td = document.createElement("td");
      td.textContent = t;
      if (i === 3 || i === 4) td.className = "n";
      if (i === 5) td.className = "st";
      tr.appendChild(td);
    });
    body.appendChild(tr);
  }
}

const alertText = { "predicted-late": "at risk", "no-picker-free": "no picker", "picker-idle": "idle", "picker-stuck": "stuck", "short-pick": "short" };

function drawAlerts() {
  const ol = $("alerts");
  ol.replaceChildren();
  for (const a of state.alerts.slice(0, 20)) {
    const li = document.createElement("li");
    li.className = a.kind;
    const t = document.createElement("time");
    t.textContent = fmtTime(a.at);
    li.append(t, (alertText[a.kind] || a.kind) + ": " + a.message);
    ol.appendChild(li);
  }
}

function drawFigures() {
  const f = state.figures;
  if (!f) return;
  $("fig-handed").textContent = f.handedOff;
  $("fig-ontime").textContent = f.onTimePct == null ? "–" : Math.round(f.onTimePct) + "%";
  $("fig-mean").textContent = f.handedOff ? fmtDur(f.meanClockS) : "–";
  $("fig-p90").textContent = f.handedOff ? fmtDur(f.p90ClockS) : "–";
  $("shift-range").textContent = f.shiftLabel || "since " + fmtTime(f.from);
}

async function refreshFigures() {
  try {
    state.figures = await (await api("/api/floor/figures")).json();
    render();
  } catch (err) {
    if (err instanceof AuthError) showLogin("The token is no longer valid.");
  }
}

// ---- the map ----

const SVG = "http://www.w3.org/2000/svg";
const palette = ["#4a90d9", "#e67e22", "#9b59b6", "#1abc9c", "#e84393", "#f1c40f", "#00cec9", "#fd79a8"];

function svg(name, attrs, parent) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (parent) parent.appendChild(el);
  return el;
}

async function refreshMap() {
  let m;
  try {
    m = await (await api("/api/floor/map")).json();
  } catch (err) {
    if (err instanceof AuthError) showLogin("The token is no longer valid.");
    return;
  }
  $("map-name").textContent = m.warehouse || "";
  const el = $("map");
  el.replaceChildren();
  const pad = 6;
  const [x0, y0, x1, y1] = m.bounds;
  el.setAttribute("viewBox", `${x0 - pad} ${y0 - pad} ${x1 - x0 + 2 * pad} ${y1 - y0 + 2 * pad}`);
  const g = svg("g", {}, el);
  const aisleGap = m.aisles.length > 1 ? (m.aisles[m.aisles.length - 1].x - m.aisles[0].x) / (m.aisles.length - 1) : 4;
  const shelf = Math.max(aisleGap * 0.28, 0.5);
  for (const a of m.aisles) {
    if (a.maxY > a.minY) {
      svg("rect", { class: "shelf", x: a.x - aisleGap / 2 + 0.1, y: a.minY, width: shelf, height: a.maxY - a.minY }, g);
      svg("rect", { class: "shelf", x: a.x + aisleGap / 2 - shelf - 0.1, y: a.minY, width: shelf, height: a.maxY - a.minY }, g);
    }
    svg("line", { class: "aisle", x1: a.x, y1: a.minY, x2: a.x, y2: a.maxY }, g);
  }
  for (const y of m.crossAisles) svg("line", { class: "cross", x1: x0 - 2, y1: y, x2: x1 + 2, y2: y }, g);
  svg("rect", { class: "depot", x: m.depot[0] - 3, y: m.depot[1] - 2, width: 6, height: 4 }, g);
  svg("text", { x: m.depot[0] + 4, y: m.depot[1] + 1 }, g).textContent = "pack station";

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
  for (const p of m.pickers) {
    const c = colour.get(p.picker);
    const dot = svg("circle", { class: "picker", cx: p.at[0], cy: p.at[1], r: 2, fill: c }, g);
    dot.dataset.picker = p.picker;
    svg("title", {}, dot).textContent = p.picker + (p.bin ? " at " + p.bin : "");
    svg("text", { x: p.at[0] + 2.5, y: p.at[1] - 2 }, g).textContent = p.picker;
  }
}

// ---- sign-in badges ----

// Issuing a badge answers with its PDF: the sign-in code exists only in it
// (the server keeps a hash), so it is offered for download from memory and
// never sent anywhere else. A 403 here is the user's role, not the token:
// it is said in the panel, without logging out.
let badgeURL = null;

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

setInterval(() => { tickClocks(); $("now").textContent = new Date(serverNow()).toLocaleTimeString(); }, 1000);
setInterval(() => { if (state.token) { refreshFigures(); refreshMap(); } }, 60000);

if (state.token) start(); else showLogin("");
