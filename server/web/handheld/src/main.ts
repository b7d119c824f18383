// The handheld app: signs the person in for the shift, lets them choose a
// mode their role has, and turns scans into requests through the outbox.
import { ConnectError } from "@connectrpc/connect";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as api from "./api";
import { Outbox, type Entry } from "./outbox";
import { ScanField, type Read } from "./scan";
import { clearVerdict, unlockAudio, verdict } from "./feedback";
import { $, onDialog, show } from "./ui";
import { encode, makeModes, senders, type App, type Mode } from "./modes";
import { openCamera } from "./camera";

const modeNames: Record<string, string> = {
  pick: "Pick",
  pack: "Pack",
  handoff: "Handoff",
  receive: "Receive",
  putaway: "Put away",
  transfer: "Transfer",
  count: "Count",
};

let session = api.loadSession();
let mode: Mode | null = null;
const stateKey = "pickpack-handheld-state";

/** When each waiting scan was read, for the scan-to-verdict measure. */
const readAt = new Map<number, number>();

const outbox = new Outbox(
  (e) => senders[e.kind](e.body),
  api.linkFailure,
  api.signedOut,
  {
    answered(e, response) {
      handle(e, response);
    },
    refused(e, err) {
      verdict("wrong", `${e.code || "request"}: ${ConnectError.from(err).rawMessage}`);
      measured(e);
    },
    link(up) {
      const el = $("link");
      el.dataset.up = String(up);
      el.textContent = up ? "" : "offline";
      if (!up) {
        showPending(outbox.count(), true);
        verdict("held", `No link: ${outbox.count()} saved on this device, sent when the link returns`);
      }
    },
    pending(n) {
      showPending(n, !outbox.linkUp());
    },
    signedOut() {
      signOut("Your sign-in has ended: sign in again. Your scans are kept.");
    },
    storage(err) {
      verdict("wrong", `This device could not keep a scan (${String(err)}): keep the link until it is sent`);
    },
  },
);

/** How long a request may wait for its answer with the link up before
 * the count of waiting requests shows. A scan answered in time changes
 * nothing on the screen before its verdict: the page is not laid out and
 * painted anew while the answer is under way, which would hold the answer
 * up behind that frame. */
const pendingShowMs = 400;
let pendingTimer = 0;

/** Shows how many requests wait, at once (or when it goes down to zero, or
 * is already shown) or after pendingShowMs. */
function showPending(n: number, now: boolean): void {
  const el = $("pending");
  clearTimeout(pendingTimer);
  pendingTimer = 0;
  if (n > 0 && el.hidden && !now) {
    pendingTimer = window.setTimeout(() => showPending(outbox.count(), true), pendingShowMs);
    return;
  }
  el.hidden = n === 0;
  const text = `${n} waiting`;
  if (el.textContent !== text) el.textContent = text;
}

function handle(e: Entry, response: unknown): void {
  if (mode && (e.kind === mode.name || (mode.name === "pack" && e.kind === "pack"))) mode.answered(e.kind, e, response);
  else {
    // An answer to a request of another mode, sent after a mode change.
    const a = (response as { answer?: { verdict: number; message: string } }).answer;
    if (a) verdict("held", `${modeNames[e.kind] ?? e.kind} ${e.code}: ${a.message}`);
  }
  measured(e);
}

/** Marks the time from a scan's Enter to its answer in hand
 * ("scan-to-answer": the link and the server) and to its verdict drawn
 * ("scan-to-verdict": the frame after the DOM change, once painted). */
function measured(e: Entry): void {
  const at = readAt.get(e.seq);
  if (at === undefined) return;
  readAt.delete(e.seq);
  performance.measure("scan-to-answer", { start: at, end: performance.now() });
  requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => performance.measure("scan-to-verdict", { start: at, end: performance.now() });
    ch.port2.postMessage(null);
  });
}

let seq = 0;
const device = (() => {
  let d = localStorage.getItem("pickpack-handheld-device") ?? "";
  if (!/^[a-z0-9]{10}$/.test(d)) {
    const b = new Uint8Array(8);
    crypto.getRandomValues(b);
    d = Array.from(b, (x) => (x % 36).toString(36)).join("").padEnd(10, "0").slice(0, 10);
    localStorage.setItem("pickpack-handheld-device", d);
  }
  return d;
})();

const app: App = {
  queue(kind, schema, req, code) {
    const e = outbox.add(kind, encode(schema, req), code);
    if (lastRead) readAt.set(e.seq, lastRead.at);
    if (!outbox.linkUp()) verdict("held", `No link: ${outbox.count()} saved on this device, sent when the link returns`);
    return e;
  },
  scanId() {
    // Device, time and a counter: unique per user without a secure
    // context (randomUUID needs HTTPS), and within the id rule.
    return `h${device}-${Date.now().toString(36)}-${(++seq).toString(36)}`;
  },
  render,
  save,
};
const modes = makeModes(app);
let lastRead: Read | null = null;

function save(): void {
  if (!session) return;
  const s: Record<string, string> = { user: session.user, mode: mode?.name ?? "" };
  for (const m of Object.values(modes)) s[m.name] = m.state();
  localStorage.setItem(stateKey, JSON.stringify(s));
}

function screen(name: "signin" | "modes" | "work"): void {
  for (const s of ["signin", "modes", "work"]) $(s).hidden = s !== name;
  $("tools").hidden = false;
}

function render(): void {
  if (!mode) return;
  show(mode.view());
}

async function enter(name: string): Promise<void> {
  mode = modes[name];
  $("mode-name").textContent = modeNames[name];
  screen("work");
  clearVerdict();
  save();
  render();
  await mode.start();
  render();
}

function showModes(): void {
  mode = null;
  $("mode-name").textContent = "Modes";
  screen("modes");
  show({ step: "" });
  clearVerdict();
  if (!session) return;
  $("who").textContent = `${session.user} (${api.roleName(session.role)})`;
  const names = api.modesFor(session.role);
  $("mode-list").replaceChildren(
    ...names.map((n) => {
      const b = document.createElement("button");
      b.type = "button";
      b.id = "mode-" + n;
      b.textContent = modeNames[n];
      b.addEventListener("click", () => void enter(n));
      return b;
    }),
  );
  if (names.length === 0) $("mode-list").textContent = "This role has no handheld modes: supervisors use the supervisor page.";
  save();
}

function signedIn(s: api.Session): void {
  session = s;
  api.saveSession(s);
  api.useToken(s.token);
  outbox.signIn(s.user);
  let saved: Record<string, string> = {};
  try {
    saved = JSON.parse(localStorage.getItem(stateKey) ?? "{}");
  } catch {
    saved = {};
  }
  if (saved.user !== s.user) saved = {};
  for (const m of Object.values(modes)) m.restore(saved[m.name] ?? "");
  const names = api.modesFor(s.role);
  if (saved.mode && names.includes(saved.mode)) void enter(saved.mode);
  else if (names.length === 1) void enter(names[0]);
  else showModes();
}

function signOut(why: string): void {
  session = null;
  api.saveSession(null);
  api.useToken("");
  mode = null;
  $("mode-name").textContent = "pickpack";
  screen("signin");
  show({ step: "" });
  if (why) verdict("wrong", why);
  else clearVerdict();
}

async function signIn(req: { badge?: string; user?: string; pin?: string }): Promise<void> {
  try {
    const r = await api.signin.signIn({ ...req, device: `handheld ${device}` });
    signedIn({ token: r.token, user: r.user, role: r.role, expires: r.expiresAt ? timestampDate(r.expiresAt).getTime() : 0 });
  } catch (err) {
    verdict("wrong", api.describe(err));
  }
}

/** Checks a token (typed, or kept from before a reload) with the server. */
async function useToken(token: string, kept: boolean): Promise<void> {
  api.useToken(token);
  try {
    const r = await api.signin.whoAmI({});
    signedIn({ token, user: r.user, role: r.role, expires: r.expiresAt ? timestampDate(r.expiresAt).getTime() : 0 });
  } catch (err) {
    if (kept && api.linkFailure(err) && session) {
      // No link after a reload: work on with the kept session; the outbox
      // keeps the scans until the link returns.
      signedIn(session);
      return;
    }
    signOut(api.signedOut(err) ? "Your sign-in has ended: sign in again." : api.describe(err));
  }
}

function read(r: Read): void {
  lastRead = r;
  if (!session) {
    // On the sign-in screen a scan is a badge.
    if (!r.typed) void signIn({ badge: r.code });
    return;
  }
  if (!mode) return;
  try {
    mode.scan(r.code, r.typed);
  } catch (err) {
    verdict("wrong", `Not taken: ${String(err)}`);
  }
  lastRead = null;
}

function init(): void {
  const field = new ScanField($<HTMLInputElement>("scan"), $<HTMLButtonElement>("keyboard"), read);
  // Sounds are allowed once the person has touched or typed: the audio is
  // made ready at the first key or tap (a scan's first character), not at
  // its Enter, where making it (tens of milliseconds on a slow device) would
  // hold the scan's call back.
  for (const t of ["keydown", "pointerdown"]) document.addEventListener(t, unlockAudio, { capture: true, passive: true });
  onDialog((p) => field.pause(p));
  $("menu").addEventListener("click", () => session && showModes());
  $("signout").addEventListener("click", async () => {
    try {
      await api.signin.signOut({});
    } catch {
      // Signed out on this device all the same; the token ends with the shift.
    }
    signOut("");
  });
  $("pin-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const user = $<HTMLInputElement>("user").value.trim(), pin = $<HTMLInputElement>("pin").value;
    $<HTMLInputElement>("pin").value = "";
    void signIn({ user, pin });
  });
  $("token-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const t = $<HTMLInputElement>("token").value.trim();
    $<HTMLInputElement>("token").value = "";
    if (t) void useToken(t, false);
  });
  $("camera").addEventListener("click", () => {
    unlockAudio();
    field.pause(true);
    void openCamera((code) => read({ code, typed: false, at: performance.now() })).finally(() => field.pause(false));
  });
  field.refocus();
}

async function boot(): Promise<void> {
  init();
  try {
    await outbox.open();
  } catch (err) {
    verdict("wrong", `This browser keeps no data (IndexedDB): ${String(err)}`);
  }
  if (session) await useToken(session.token, true);
  else signOut("");
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("sw.js", { scope: "./" }).catch(() => {
      // Without HTTPS (or localhost) there is no service worker: the app
      // works, but needs the link to load.
    });
  }
}

void boot();
