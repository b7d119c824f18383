// The screen: what to do now in big letters, the details under it, the
// buttons of the mode, and the dialogs (number keypad, choices).
import type { Timestamp } from "@bufbuild/protobuf/wkt";

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;

/** A button of the current mode. */
export interface Action {
  id: string;
  label: string;
  run: () => void;
  wide?: boolean;
  primary?: boolean;
}

/** One line of a list (the pack's items, a delivery, a count). */
export interface Line {
  text: string;
  n: string;
  done?: boolean;
  /** The line the last scan counted. */
  hit?: boolean;
  /** Machine-readable, on the li (data-sku, data-left): for scripts. */
  data?: Record<string, string>;
}

/** What the work screen shows. */
export interface View {
  /** What to do, e.g. "Go to bin". */
  step: string;
  /** The thing to scan or take, in big letters. */
  target?: string;
  detail?: string;
  progress?: string;
  lines?: Line[];
  actions?: Action[];
  /** The order's due time: the countdown in the bar. */
  due?: Timestamp;
  /** What the screen asks for, machine-readable on #work (data-expect,
   * data-bin, ...): for scripts driving the app and for styling. */
  data?: Record<string, string>;
}

/** The runs of the buttons shown, by action id: a view that shows the same
 * buttons again keeps the elements and swaps only what they run. */
const runs = new Map<string, () => void>();
let shownLines = "";
let shownActions = "";

/** Sets an element's text unless it is already that: a text node
 * replaced by the same text would still be laid out again. */
function setText(id: string, text: string): void {
  const el = $(id);
  if (el.textContent !== text) el.textContent = text;
}

/** Shows a view on the work screen. Only what differs from the view shown
 * is changed: a scan's verdict is drawn in the next frame, and that frame
 * lays out and paints only what the scan changed. */
export function show(v: View): void {
  const work = $("work");
  const data = v.data ?? {};
  for (const k of Object.keys(work.dataset)) if (!(k in data)) delete work.dataset[k];
  for (const [k, val] of Object.entries(data)) if (work.dataset[k] !== val) work.dataset[k] = val;
  setText("step", v.step);
  setText("target", v.target ?? "");
  setText("detail", v.detail ?? "");
  setText("progress", v.progress ?? "");
  const lines = v.lines ?? [];
  const linesKey = JSON.stringify(lines);
  if (linesKey !== shownLines) {
    shownLines = linesKey;
    $("lines").replaceChildren(
      ...lines.map((l) => {
        const li = document.createElement("li");
        li.classList.toggle("done", !!l.done);
        li.classList.toggle("hit", !!l.hit);
        Object.assign(li.dataset, l.data ?? {});
        const t = document.createElement("span");
        t.textContent = l.text;
        const n = document.createElement("span");
        n.className = "n";
        n.textContent = l.n;
        li.append(t, n);
        return li;
      }),
    );
  }
  const actions = v.actions ?? [];
  runs.clear();
  for (const a of actions) runs.set(a.id, a.run);
  const actionsKey = JSON.stringify(actions.map((a) => [a.id, a.label, !!a.wide, !!a.primary]));
  if (actionsKey !== shownActions) {
    shownActions = actionsKey;
    $("actions").replaceChildren(
      ...actions.map((a) => {
        const b = document.createElement("button");
        b.type = "button";
        b.id = "act-" + a.id;
        b.textContent = a.label;
        if (a.wide) b.classList.add("wide");
        if (a.primary) b.classList.add("primary");
        b.addEventListener("click", () => runs.get(a.id)?.());
        return b;
      }),
    );
  }
  setDue(v.due);
}

let dueMs = 0;
let ticker = 0;

function setDue(due?: Timestamp): void {
  dueMs = due ? Number(due.seconds) * 1000 + Math.floor(due.nanos / 1e6) : 0;
  tick();
  if (dueMs && !ticker) ticker = window.setInterval(tick, 1000);
  if (!dueMs && ticker) {
    clearInterval(ticker);
    ticker = 0;
  }
}

/** The order's clock: time left until it is due, counting down. */
function tick(): void {
  const el = $("clock");
  if (!dueMs) {
    el.hidden = true;
    return;
  }
  const left = Math.round((dueMs - Date.now()) / 1000);
  const a = Math.abs(left);
  const h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), s = a % 60;
  const mmss = (h ? h + ":" + String(m).padStart(2, "0") : String(m)) + ":" + String(s).padStart(2, "0");
  el.textContent = left < 0 ? "late " + mmss : mmss + " left";
  el.classList.toggle("late", left < 0);
  el.hidden = false;
}

let pauseScan: (p: boolean) => void = () => {};

/** Lets dialogs stop the scan field from taking the focus back. */
export function onDialog(pause: (p: boolean) => void): void {
  pauseScan = pause;
}

function modal(d: HTMLDialogElement): Promise<void> {
  pauseScan(true);
  d.showModal();
  return new Promise((resolve) => {
    d.addEventListener(
      "close",
      () => {
        pauseScan(false);
        resolve();
      },
      { once: true },
    );
  });
}

/** Asks for a whole number on a keypad big enough for gloves; null when
 * cancelled. Digits typed on a keyboard (or scanned) work too. */
export async function keypad(title: string, initial = ""): Promise<number | null> {
  const d = $<HTMLDialogElement>("keypad");
  $("keypad-title").textContent = title;
  const out = $("keypad-value");
  let value = initial;
  out.textContent = value;
  let result: number | null = null;
  const keys = $("keys");
  const press = (k: string) => {
    if (k === "⌫") value = value.slice(0, -1);
    else if (/^\d$/.test(k) && value.length < 9) value = (value === "0" ? "" : value) + k;
    out.textContent = value;
  };
  const ok = () => {
    if (value !== "") result = Number(value);
    d.close();
  };
  keys.replaceChildren(
    ...["1", "2", "3", "4", "5", "6", "7", "8", "9", "⌫", "0", "OK", "Cancel"].map((k) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = k;
      b.dataset.key = k;
      if (k === "OK") b.className = "ok";
      if (k === "Cancel") b.className = "cancel";
      b.addEventListener("click", () => (k === "OK" ? ok() : k === "Cancel" ? d.close() : press(k)));
      return b;
    }),
  );
  const onKey = (ev: KeyboardEvent) => {
    if (/^\d$/.test(ev.key) || ev.key === "Backspace") {
      ev.preventDefault();
      press(ev.key === "Backspace" ? "⌫" : ev.key);
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      ok();
    }
  };
  d.addEventListener("keydown", onKey);
  const closed = modal(d);
  (keys.querySelector('[data-key="OK"]') as HTMLButtonElement).focus();
  await closed;
  d.removeEventListener("keydown", onKey);
  return result;
}

/** Asks to choose one of several answers; null when cancelled. */
export async function choose(title: string, options: { value: string; label: string }[]): Promise<string | null> {
  const d = $<HTMLDialogElement>("choose");
  $("choose-title").textContent = title;
  let result: string | null = null;
  $("choices").replaceChildren(
    ...[...options, { value: "", label: "Cancel" }].map((o) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = o.label;
      b.dataset.value = o.value;
      b.addEventListener("click", () => {
        result = o.value || null;
        d.close();
      });
      return b;
    }),
  );
  await modal(d);
  return result;
}
