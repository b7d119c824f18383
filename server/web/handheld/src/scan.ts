// Scan capture as the devices deliver it. A handheld's scanner (Zebra
// DataWedge, Honeywell, ...) types the code into the focused field and
// ends it with Enter (or Tab); on Android the keys often arrive as
// "Unidentified" keydowns with the text in input events, so the field's
// value is what counts, not the keys. A scanner types a code within a few
// milliseconds a character; a person types far slower: the gaps between
// input events tell a scan from typing. The field holds focus always, with
// inputmode="none" so no on-screen keyboard covers the screen mid-scan;
// the keyboard button opens one for typing by hand.

/** The longest gap between two characters of a scan: scanners send a
 * character every 0 to 20 ms, people type one every 100 ms or more. */
export const scanGapMs = 50;

/** One code read from the field. */
export interface Read {
  code: string;
  /** True when typed by hand (slow, or in keyboard mode). */
  typed: boolean;
  /** performance.now() when the code ended (Enter or Tab). */
  at: number;
}

/** ScanField turns the scan field's events into codes. */
export class ScanField {
  private times: number[] = [];
  /** When the key behind the next input event was pressed. */
  private keyAt: number | undefined;
  /** A printable key pressed whose text has not arrived (yet). */
  private pending: { key: string; at: number } | undefined;
  private keyboard = false;
  private paused = false;

  constructor(
    private field: HTMLInputElement,
    private keyboardButton: HTMLButtonElement,
    private onRead: (r: Read) => void,
  ) {
    field.addEventListener("input", () => this.input());
    field.addEventListener("keydown", (ev) => this.keydown(ev));
    field.form?.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.end();
    });
    keyboardButton.addEventListener("click", () => this.setKeyboard(!this.keyboard));
    // Focus comes back to the field whenever it leaves for nothing that
    // takes text: a tap on a button or on the page must not lose the next
    // scan.
    field.addEventListener("blur", () => setTimeout(() => this.refocus(), 0));
    document.addEventListener("pointerup", () => setTimeout(() => this.refocus(), 0));
    document.addEventListener("visibilitychange", () => this.refocus());
    // Keys that arrive while the focus is lost anyway (the page was in
    // the background, a button was just tapped away) go to the field: the
    // start of a scan is not dropped.
    document.addEventListener("keydown", (ev) => this.stray(ev), true);
    addEventListener("focus", () => this.refocus());
  }

  /** Stops taking focus back (a dialog or a form is open) or starts again. */
  pause(paused: boolean): void {
    this.paused = paused;
    if (!paused) this.refocus();
  }

  /** Gives the field focus unless something else that takes text has it. */
  refocus(): void {
    if (this.paused || document.visibilityState === "hidden") return;
    const a = document.activeElement;
    if (a && a !== this.field && (a instanceof HTMLInputElement || a instanceof HTMLTextAreaElement || a instanceof HTMLSelectElement)) return;
    if (a instanceof HTMLElement && a.closest("dialog[open]")) return;
    if (a !== this.field) this.field.focus({ preventScroll: true });
  }

  /** Opens (or closes) the on-screen keyboard for typing by hand. */
  setKeyboard(on: boolean): void {
    this.keyboard = on;
    this.field.inputMode = on ? "text" : "none";
    this.field.placeholder = on ? "type a code, then Enter" : "";
    this.keyboardButton.setAttribute("aria-pressed", String(on));
    // Some keyboards show only on a new focus.
    this.field.blur();
    this.field.focus({ preventScroll: true });
  }

  private stray(ev: KeyboardEvent): void {
    const a = document.activeElement;
    if (this.paused || a === this.field || a instanceof HTMLInputElement || a instanceof HTMLTextAreaElement || a instanceof HTMLSelectElement) return;
    if (a instanceof HTMLElement && a.closest("dialog[open]")) return;
    if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
      ev.preventDefault();
      this.field.focus({ preventScroll: true });
      this.field.value += ev.key;
      this.keyAt = ev.timeStamp;
      this.input();
    } else if (ev.key === "Enter" || ev.key === "Tab") {
      if (this.field.value === "") return; // a tap's Enter on a button
      ev.preventDefault();
      this.end(ev.timeStamp);
    }
  }

  private input(): void {
    // The time of the key press, from the device's event, when there was
    // one: a busy page handles queued keys in a burst, and typing must
    // not pass for a scan (nor a scan for typing) because of that.
    const now = this.keyAt ?? performance.now();
    this.keyAt = undefined;
    this.pending = undefined;
    const v = this.field.value;
    // Some scanners deliver the suffix as a character in the value.
    const cut = v.search(/[\r\n\t]/);
    if (cut >= 0) {
      this.field.value = v.slice(0, cut);
      this.times.push(now);
      this.end(now);
      return;
    }
    if (v === "") this.times = [];
    else this.times.push(now);
  }

  private keydown(ev: KeyboardEvent): void {
    this.settle();
    if (ev.key === "Enter" || ev.key === "Tab") {
      // Tab would move the focus away; Enter would submit the form.
      ev.preventDefault();
      this.end(ev.timeStamp);
    } else {
      this.keyAt = ev.timeStamp;
      if (ev.key.length === 1 && !ev.ctrlKey && !ev.metaKey && !ev.altKey) this.pending = { key: ev.key, at: ev.timeStamp };
    }
  }

  /** Puts in the text of a key pressed whose text never arrived: every
   * printable key is followed by its input event before the next key,
   * and a field that was not editable for a moment (seen in Chromium
   * just after a modal dialog closed) must not eat part of a scan. */
  private settle(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = undefined;
    this.keyAt = undefined;
    this.field.value += p.key;
    this.times.push(p.at);
  }

  /** Ends a code: suffix is when its Enter (or Tab) was pressed. */
  private end(suffix?: number): void {
    const at = performance.now();
    const endedAt = suffix ?? at;
    const code = this.field.value.trim();
    const times = this.times;
    this.field.value = "";
    this.times = [];
    if (code === "") return;
    let typed = this.keyboard;
    for (let i = 1; i < times.length && !typed; i++) {
      if (times[i] - times[i - 1] > scanGapMs) typed = true;
    }
    if (times.length > 0 && endedAt - times[times.length - 1] > scanGapMs) typed = true;
    if (this.keyboard) this.setKeyboard(false);
    this.onRead({ code, typed, at });
  }
}
