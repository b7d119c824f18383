// The modes of the handheld: pick, pack, handoff, and the stock modes
// (receive, put-away, transfer, count). Each turns scans into requests,
// queued in the outbox, and answers into the screen.
import { create, fromBinary, fromJson, toBinary, toJson, toJsonString, fromJsonString, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import * as api from "./api";
import type { Entry } from "./outbox";
import { verdict, type Tone } from "./feedback";
import { choose, keypad, type Action, type Line, type View } from "./ui";
import {
  Expect,
  InstructionSchema,
  ScanAction,
  ScanOneRequestSchema,
  ShortReason,
  TaskSchema,
  Verdict,
  type Instruction,
  type ScanAnswer,
  type ScanOneResponse,
  type Task,
} from "./gen/pickpack/v1/pick_pb";
import { HandoffOneRequestSchema, PackOneRequestSchema, type HandoffOneResponse, type PackOneResponse } from "./gen/pickpack/v1/pack_pb";
import {
  PutAwayRequestSchema,
  ReceiveRequestSchema,
  SubmitCountRequestSchema,
  TransferRequestSchema,
  type Delivery,
  type InventoryAnswer,
  type PutAwayResponse,
  type ReceiveResponse,
  type SubmitCountResponse,
  type TransferResponse,
} from "./gen/pickpack/v1/inventory_pb";

/** What the modes need from the app. */
export interface App {
  /** Queues a request; its answer comes to the mode's answered. */
  queue<D extends DescMessage>(kind: string, schema: D, req: MessageShape<D>, code: string): Entry;
  /** A new scan id: unique per device and user (the idempotency key). */
  scanId(): string;
  /** Redraws the work screen from the current mode. */
  render(): void;
  /** Saves the current mode's state so a reload resumes it. */
  save(): void;
}

/** A mode of the handheld. */
export interface Mode {
  name: string;
  title: string;
  /** Loads what the mode works on (a task, a delivery); called on entry. */
  start(): Promise<void>;
  /** A code read by the scanner, the camera or typed. */
  scan(code: string, typed: boolean): void;
  /** An answer from the server to a request the mode queued. */
  answered(kind: string, e: Entry, response: unknown): void;
  view(): View;
  /** The mode's half-done state, to keep across a reload. */
  state(): string;
  restore(s: string): void;
}

/** How each kind of queued request is sent. */
export const senders: Record<string, (body: Uint8Array) => Promise<unknown>> = {
  pick: (b) => api.pick.scanOne(fromBinary(ScanOneRequestSchema, b)),
  pack: (b) => api.pack.packOne(fromBinary(PackOneRequestSchema, b)),
  handoff: (b) => api.pack.handoffOne(fromBinary(HandoffOneRequestSchema, b)),
  receive: (b) => api.inventory.receive(fromBinary(ReceiveRequestSchema, b)),
  putaway: (b) => api.inventory.putAway(fromBinary(PutAwayRequestSchema, b)),
  transfer: (b) => api.inventory.transfer(fromBinary(TransferRequestSchema, b)),
  count: (b) => api.inventory.submitCount(fromBinary(SubmitCountRequestSchema, b)),
};

/** Encodes a request for the outbox. */
export function encode<D extends DescMessage>(schema: D, req: MessageShape<D>): Uint8Array {
  return toBinary(schema, req);
}

/** The colour and sound of a verdict. */
export function toneOf(v: Verdict): Tone {
  switch (v) {
    case Verdict.RIGHT:
    case Verdict.LINE_DONE:
      return "right";
    case Verdict.TASK_DONE:
      return "done";
    case Verdict.SHORT_RECORDED:
    case Verdict.DISCREPANCY:
      return "held";
  }
  return "wrong";
}

/** Shows an answer: its colour, and its words (the server names the
 * wrong thing: "wrong item: that is SKU-00306, take SKU-00521 ..."). */
export function showAnswer(a: { verdict: Verdict; message: string; reason: string } | undefined): void {
  if (!a) return;
  verdict(toneOf(a.verdict), a.message || a.reason);
}

const shortReasons = [
  { value: String(ShortReason.EMPTY_BIN), label: "Bin is empty" },
  { value: String(ShortReason.DAMAGED), label: "Damaged" },
  { value: String(ShortReason.CANNOT_FIND), label: "Cannot find it" },
];

function scanOf(app: App, code: string, extra: Partial<{ action: ScanAction; quantity: bigint; shortReason: ShortReason; weightG: bigint }> = {}) {
  return { scanId: app.scanId(), deviceTime: timestampNow(), code, ...extra };
}

function plural(n: number | bigint, what: string): string {
  return `${n} ${what}${n === 1 || n === 1n ? "" : "s"}`;
}

/** Picking: a tote scanned for each order, the task's stops in walking
 * order (bin, then item), then the drop-off code at the pack station
 * before the next task. */
export class PickMode implements Mode {
  name = "pick";
  title = "Pick";
  task: Task | undefined;
  next: Instruction | undefined;
  /** Why there is no task on the screen ("" when there is one). */
  loading = "";
  /** True while asking for a task. */
  asking = false;

  constructor(private app: App) {}

  async start(): Promise<void> {
    const kept = this.task;
    this.asking = true;
    if (!kept) {
      this.loading = "Asking for work…";
      this.app.render();
    }
    try {
      const r = await api.pick.nextTask({});
      this.task = r.task;
      this.next = r.next;
      this.loading = r.task ? "" : "No work right now.";
    } catch (err) {
      if (kept && api.linkFailure(err)) {
        // No link after a reload: go on with the task as it was kept;
        // the scans wait in the outbox.
        verdict("held", "No link: going on with the task kept on this device");
      } else {
        this.loading = api.describe(err);
      }
    }
    this.asking = false;
    this.app.save();
    this.app.render();
  }

  scan(code: string): void {
    this.app.queue("pick", ScanOneRequestSchema, create(ScanOneRequestSchema, { scan: scanOf(this.app, code) }), code);
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    const a = (response as ScanOneResponse).answer;
    showAnswer(a);
    if (a?.next) this.next = a.next;
    if (a?.next?.expect === Expect.TOTE || a?.reason === "TOTE_SET") void this.refreshTask();
    if (a?.reason === "DROPPED_OFF") {
      // The totes are at the pack station: the next task may be given.
      this.task = undefined;
      void this.start();
      return;
    }
    if (a?.verdict === Verdict.TASK_DONE && a.next?.expect !== Expect.DROP_OFF) this.task = undefined;
    this.app.save();
    this.app.render();
  }

  /** Reads the task again: the totes scanned so far. */
  private async refreshTask(): Promise<void> {
    if (!this.task) return;
    try {
      const r = await api.pick.getTask({ id: this.task.id });
      this.task = r.task;
      this.app.render();
    } catch {
      // The instruction alone is enough to go on.
    }
  }

  private async quantity(): Promise<void> {
    const stop = this.next?.stop;
    const n = await keypad(`How many more of ${stop?.sku ?? "the item"}?`);
    if (n === null || n <= 0) return;
    this.app.queue("pick", ScanOneRequestSchema,
      create(ScanOneRequestSchema, { scan: scanOf(this.app, "", { action: ScanAction.QUANTITY, quantity: BigInt(n) }) }), `+${n}`);
  }

  private async short(): Promise<void> {
    const stop = this.next?.stop;
    const r = await choose(`Why can ${stop?.sku ?? "the item"} not be picked in full at ${stop?.bin ?? "this bin"}?`, shortReasons);
    if (r === null) return;
    this.app.queue("pick", ScanOneRequestSchema,
      create(ScanOneRequestSchema, { scan: scanOf(this.app, "", { action: ScanAction.SHORT, shortReason: Number(r) as ShortReason }) }), "short");
  }

  private postpone(): void {
    this.app.queue("pick", ScanOneRequestSchema,
      create(ScanOneRequestSchema, { scan: scanOf(this.app, "", { action: ScanAction.POSTPONE }) }), "later");
  }

  /** Gives the task back (end of shift): what is picked and reserved is
   * sorted out by the server; the screen says what goes back to a bin. */
  private async release(): Promise<void> {
    if (!this.task) return;
    const ok = await choose(`Give task ${this.task.id} back? Orders not finished go back to the queue.`, [{ value: "release", label: "Give it back (end of shift)" }]);
    if (!ok) return;
    try {
      const r = await api.tasks.releaseTask({ taskId: this.task.id, reason: "end of shift (handheld)" });
      verdict("done", r.message || "Task given back");
      this.task = undefined;
      this.next = undefined;
      this.loading = "Task given back.";
      this.putBack = r.putBack.map((p) => ({ text: `${p.sku} → ${p.bin}${p.toteCode ? ` (from ${p.toteCode})` : ""}`, n: `× ${p.units}` }));
    } catch (err) {
      verdict("wrong", api.describe(err));
    }
    this.app.render();
  }

  putBack: Line[] = [];

  view(): View {
    const next = this.next;
    const stop = next?.stop;
    if (this.loading || !this.task || !next || next.expect === Expect.NOTHING || next.expect === Expect.UNSPECIFIED) {
      return {
        data: { expect: this.asking ? "LOADING" : "NOTHING" },
        step: this.loading || (this.task ? "Task done" : "No task"),
        detail: this.putBack.length ? "Put these back in their bins:" : this.task ? "" : "Ask for the next task when you are at the pack station.",
        lines: this.putBack,
        actions: [{ id: "next-task", label: "Next task", run: () => { this.putBack = []; void this.start(); }, wide: true, primary: true }],
      };
    }
    const task = this.task;
    const data = { expect: Expect[next.expect], bin: stop?.bin ?? "", sku: stop?.sku ?? "", remaining: String(next.remaining), task: task.id, order: next.orderId };
    const release: Action = { id: "release", label: "End shift", run: () => void this.release() };
    const totes = task.orders.map((o) => ({ text: o.orderId, n: o.toteCode || `position ${o.tote}: no tote yet` }));
    if (next.expect === Expect.TOTE) {
      return {
        data,
        step: `Scan an empty tote for position ${next.tote}`,
        target: next.orderId,
        detail: "Its barcode label: TOTE-…",
        progress: `${task.orders.filter((o) => o.toteCode).length} of ${plural(task.orders.length, "tote")} · task ${task.id}`,
        lines: totes,
        actions: [release],
        due: next.dueAt,
      };
    }
    if (next.expect === Expect.DROP_OFF) {
      return {
        data,
        step: "Picked: take the totes to the pack station",
        target: "Drop off",
        detail: "Scan the pack station's drop-off code (DROP-…).",
        lines: totes,
        actions: [release],
      };
    }
    const progress = `Line ${Math.min(next.done + 1, next.total)} of ${next.total} · task ${task.id}`;
    const tote = stop ? stop.toteCode || `tote ${stop.tote}` : "";
    const actions: Action[] = [
      { id: "qty", label: "Quantity", run: () => void this.quantity() },
      { id: "short", label: "Short", run: () => void this.short() },
      { id: "later", label: "Skip for now", run: () => this.postpone() },
      release,
    ];
    if (next.expect === Expect.BIN && stop) {
      return { data, step: "Go to bin", target: stop.bin, detail: `${stop.quantity} × ${stop.sku} ${stop.name} → ${tote}`, progress, actions, due: next.dueAt };
    }
    if (next.expect === Expect.ITEM && stop) {
      return {
        data,
        step: `Take ${next.remaining} ×`,
        target: stop.sku,
        detail: `${stop.name} · from ${stop.bin} into ${tote}`,
        progress,
        actions,
        due: next.dueAt,
      };
    }
    return { data, step: "Scan", detail: Expect[next.expect] ?? "", progress, actions, due: next.dueAt };
  }

  state(): string {
    if (!this.task || !this.next) return "";
    return JSON.stringify({ task: toJson(TaskSchema, this.task), next: toJson(InstructionSchema, this.next) });
  }

  restore(s: string): void {
    this.task = this.next = undefined;
    if (!s) return;
    try {
      const v = JSON.parse(s);
      this.task = fromJson(TaskSchema, v.task);
      this.next = fromJson(InstructionSchema, v.next);
    } catch {
      this.task = this.next = undefined;
    }
  }
}

/** The code of the pack station's NEW BOX card (and "!b" typed, as in
 * the terminal client): the box being filled is full. */
const newBoxCode = /^(NEW-BOX|!b)$/i;

/** Packing at the station: the order's barcode, every item again (the
 * server's answer lists each SKU with what is left to verify), a new box
 * when one is full, and each box's weight. */
export class PackMode implements Mode {
  name = "pack";
  title = "Pack";
  next: Instruction | undefined;
  /** The SKU whose count the last answer moved, marked on the screen. */
  hit = "";
  constructor(private app: App) {}

  async start(): Promise<void> {
    this.app.render();
  }

  scan(code: string): void {
    if (this.next?.expect === Expect.ITEM || this.next?.expect === Expect.WEIGHT) {
      if (newBoxCode.test(code)) {
        this.newBox();
        return;
      }
      // A scale that types its reading: the weight, when one is expected.
      const w = /^(\d{1,7})\s*g?$/i.exec(code);
      if (this.next.expect === Expect.WEIGHT && w) {
        this.weigh(Number(w[1]));
        return;
      }
    }
    this.app.queue("pack", PackOneRequestSchema, create(PackOneRequestSchema, { scan: scanOf(this.app, code) }), code);
  }

  private newBox(): void {
    this.app.queue("pack", PackOneRequestSchema,
      create(PackOneRequestSchema, { scan: scanOf(this.app, "", { action: ScanAction.NEW_BOX }) }), "new box");
  }

  private weigh(g: number): void {
    this.app.queue("pack", PackOneRequestSchema,
      create(PackOneRequestSchema, { scan: scanOf(this.app, "", { action: ScanAction.WEIGHT, weightG: BigInt(g) }) }), `${g} g`);
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    const a = (response as PackOneResponse).answer;
    showAnswer(a);
    if (a?.next) {
      // The line whose verified count went up: the item just taken.
      const before = new Map((this.next?.orderId === a.next.orderId ? this.next.packLines : []).map((l) => [l.sku, l.verified]));
      this.hit = a.next.packLines.find((l) => l.verified > (before.get(l.sku) ?? 0n))?.sku ?? "";
      this.next = a.next;
    }
    this.app.render();
    this.app.save();
  }

  /** The order's SKUs with what is still to scan of each. */
  private lines(n: Instruction): Line[] {
    return n.packLines.map((l) => {
      const left = l.quantity - l.verified;
      return {
        text: l.name ? `${l.sku} ${l.name}` : l.sku,
        n: left > 0n ? `${left} of ${l.quantity} to scan` : `all ${l.quantity} ✓`,
        done: left === 0n,
        hit: l.sku === this.hit,
        data: { sku: l.sku, left: String(left) },
      };
    });
  }

  view(): View {
    const n = this.next;
    if (!n || n.expect === Expect.ORDER || n.expect === Expect.NOTHING || n.expect === Expect.UNSPECIFIED) {
      return { data: { expect: "ORDER" }, step: "Scan the order", detail: "The barcode on the pick list or tote.", actions: [] };
    }
    const box = n.box || 1;
    // A box of its own to weigh: a closed box with items left for the
    // next, or the last of several.
    const boxes = box > 1 || n.remaining > 0n;
    const data = { expect: Expect[n.expect], order: n.orderId, remaining: String(n.remaining), box: String(box) };
    const progress = `${n.done} of ${plural(n.total, "item")} checked`;
    const lines = this.lines(n);
    if (n.expect === Expect.WEIGHT) {
      const what = boxes ? `Box ${box}` : "Parcel";
      const actions: Action[] = [{
        id: "weight", label: boxes ? `Weigh box ${box}` : "Enter weight", wide: true, primary: true,
        run: () => void keypad(`${what} weight in grams`).then((g) => g && this.weigh(g)),
      }];
      return {
        data, step: boxes ? `Box ${box} – weigh it` : "Weigh the parcel", target: n.orderId,
        detail: boxes && n.remaining > 0n ? `Box ${box} is closed. Put it on the scale; then box ${box + 1} opens.` : "Put it on the scale, then enter or scan the weight.",
        progress, lines, actions, due: n.dueAt,
      };
    }
    // Another box only once something is verified and something is left
    // (the server refuses an empty box in words all the same).
    const split = n.done > 0 && n.remaining > 0n;
    const actions: Action[] = split ? [{ id: "new-box", label: `Box ${box} is full: new box`, wide: true, run: () => this.newBox() }] : [];
    return {
      data, step: box > 1 ? `Box ${box} – scan its items: ${n.remaining} to go` : `Scan the items: ${n.remaining} to go`,
      target: n.orderId, detail: split && box === 1 ? "Box full before the end? Press New box (or scan the NEW-BOX card)." : "",
      progress, lines, actions, due: n.dueAt,
    };
  }

  state(): string {
    return this.next ? toJsonString(InstructionSchema, this.next) : "";
  }

  restore(s: string): void {
    this.next = undefined;
    if (!s) return;
    try {
      this.next = fromJsonString(InstructionSchema, s);
    } catch {
      this.next = undefined;
    }
  }
}

/** Handoff: the courier takes parcels; each waybill's barcode is scanned.
 * A typed code is refused here: the label itself must be scanned. */
export class HandoffMode implements Mode {
  name = "handoff";
  title = "Handoff";
  handed = 0;
  constructor(private app: App) {}

  async start(): Promise<void> {}

  scan(code: string, typed: boolean): void {
    if (typed) {
      verdict("wrong", "Scan the waybill's barcode: a typed code is not taken at handoff.");
      return;
    }
    this.app.queue("handoff", HandoffOneRequestSchema, create(HandoffOneRequestSchema, { scan: scanOf(this.app, code) }), code);
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    const a = (response as HandoffOneResponse).answer;
    showAnswer(a);
    if (a && toneOf(a.verdict) !== "wrong") this.handed++;
    this.app.render();
  }

  view(): View {
    return { step: "Scan each parcel's waybill", detail: "As the courier takes it: its order's clock stops.", progress: this.handed ? `${plural(this.handed, "parcel")} handed off on this screen` : "" };
  }

  state(): string {
    return "";
  }

  restore(): void {}
}

function invAnswer(a: InventoryAnswer | undefined): void {
  if (a) verdict(toneOf(a.verdict), a.message || a.reason);
}

/** Receiving at the dock against a delivery (purchase order or notice). */
export class ReceiveMode implements Mode {
  name = "receive";
  title = "Receive";
  delivery: Delivery | undefined;
  deliveryId = "";
  damaged = false;
  qty = 1;
  note = "";
  constructor(private app: App) {}

  async start(): Promise<void> {
    if (this.deliveryId) await this.load(this.deliveryId);
  }

  private async load(id: string): Promise<void> {
    try {
      const r = await api.inventory.getDelivery({ id });
      this.delivery = r.delivery;
      this.deliveryId = id;
      this.note = "";
    } catch (err) {
      verdict("wrong", api.describe(err));
      if (!this.delivery) this.deliveryId = "";
    }
    this.app.save();
    this.app.render();
  }

  scan(code: string): void {
    if (!this.deliveryId) {
      void this.load(code);
      return;
    }
    const req = create(ReceiveRequestSchema, {
      scanId: this.app.scanId(),
      deviceTime: timestampNow(),
      deliveryId: this.deliveryId,
      code,
      quantity: this.damaged ? 0n : BigInt(this.qty),
      damaged: this.damaged ? BigInt(this.qty) : 0n,
    });
    this.damaged = false;
    this.qty = 1;
    this.app.queue("receive", ReceiveRequestSchema, req, code);
    this.app.render();
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    const r = response as ReceiveResponse;
    invAnswer(r.answer);
    if (r.line && this.delivery) {
      const i = this.delivery.lines.findIndex((l) => l.sku === r.line!.sku);
      if (i >= 0) this.delivery.lines[i] = r.line;
    }
    this.note = r.putAway?.bin ? `Put ${r.putAway.sku} away to ${r.putAway.bin} (${r.putAway.atDock} at the dock)` : "";
    this.app.render();
  }

  private async close(): Promise<void> {
    const ok = await choose(`Close delivery ${this.deliveryId}? Nothing more can be received on it.`, [{ value: "close", label: "Close it" }]);
    if (!ok) return;
    try {
      const r = await api.inventory.closeDelivery({ id: this.deliveryId });
      verdict(r.discrepancies.length ? "held" : "done",
        r.discrepancies.length ? `Closed: ${plural(r.discrepancies.length, "line")} differ from what was expected` : "Closed: all as expected");
      this.delivery = undefined;
      this.deliveryId = "";
    } catch (err) {
      verdict("wrong", api.describe(err));
    }
    this.app.save();
    this.app.render();
  }

  view(): View {
    if (!this.deliveryId) return { step: "Scan the delivery", detail: "The purchase order or delivery notice number." };
    const lines = (this.delivery?.lines ?? []).map((l) => ({
      text: l.sku,
      n: `${l.received}/${l.expected}${l.damaged ? ` +${l.damaged} dmg` : ""}`,
      done: l.received >= l.expected,
    }));
    return {
      step: this.damaged ? `Scan the DAMAGED item (${this.qty})` : this.qty > 1 ? `Scan the item: ${this.qty} units` : "Scan each item",
      target: this.deliveryId,
      detail: this.note,
      lines,
      actions: [
        { id: "qty", label: "Quantity", run: () => void keypad("Units of the next item scanned").then((n) => { if (n) { this.qty = n; this.app.render(); } }) },
        { id: "damaged", label: this.damaged ? "Not damaged" : "Damaged", run: () => { this.damaged = !this.damaged; this.app.render(); } },
        { id: "close", label: "Close delivery", run: () => void this.close() },
        { id: "other", label: "Other delivery", run: () => { this.deliveryId = ""; this.delivery = undefined; this.app.save(); this.app.render(); } },
      ],
    };
  }

  state(): string {
    return this.deliveryId;
  }

  restore(s: string): void {
    this.deliveryId = s;
  }
}

/** Put-away: an item from the dock (again for more units), then the bin. */
export class PutAwayMode implements Mode {
  name = "putaway";
  title = "Put away";
  item = "";
  qty = 0;
  suggestion = "";
  constructor(private app: App) {}

  async start(): Promise<void> {}

  scan(code: string): void {
    if (!this.item || (code === this.item)) {
      if (!this.item) void this.suggest(code);
      this.item = code;
      this.qty++;
      this.app.save();
      this.app.render();
      return;
    }
    const req = create(PutAwayRequestSchema, { scanId: this.app.scanId(), deviceTime: timestampNow(), code: this.item, quantity: BigInt(this.qty), bin: code });
    this.app.queue("putaway", PutAwayRequestSchema, req, code);
    this.item = "";
    this.qty = 0;
    this.suggestion = "";
    this.app.save();
    this.app.render();
  }

  private async suggest(code: string): Promise<void> {
    try {
      const r = await api.inventory.suggestBin({ code });
      this.suggestion = `${r.sku}: put it in ${r.bin} (${r.reason}); ${r.atDock} at the dock`;
    } catch (err) {
      this.suggestion = api.describe(err);
    }
    this.app.render();
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    invAnswer((response as PutAwayResponse).answer);
    this.app.render();
  }

  view(): View {
    if (!this.item) return { step: "Scan an item from the dock" };
    return {
      step: "Scan the bin it goes in",
      target: `${this.qty} × ${this.item}`,
      detail: this.suggestion,
      progress: "Scan the item again for one more unit.",
      actions: [
        { id: "qty", label: "Quantity", run: () => void keypad(`Units of ${this.item}`).then((n) => { if (n) { this.qty = n; this.app.render(); } }) },
        { id: "drop", label: "Start again", run: () => { this.item = ""; this.qty = 0; this.app.save(); this.app.render(); } },
      ],
    };
  }

  state(): string {
    return JSON.stringify({ item: this.item, qty: this.qty });
  }

  restore(s: string): void {
    try {
      const v = JSON.parse(s);
      this.item = String(v.item ?? "");
      this.qty = Number(v.qty ?? 0);
    } catch {
      // Nothing half done.
    }
  }
}

/** Transfer: the bin the units come from, the item (again for more), the
 * bin they go to. */
export class TransferMode implements Mode {
  name = "transfer";
  title = "Transfer";
  from = "";
  item = "";
  qty = 0;
  constructor(private app: App) {}

  async start(): Promise<void> {}

  scan(code: string): void {
    if (!this.from) this.from = code;
    else if (!this.item || code === this.item) {
      this.item = code;
      this.qty++;
    } else {
      const req = create(TransferRequestSchema, { scanId: this.app.scanId(), deviceTime: timestampNow(), fromBin: this.from, code: this.item, quantity: BigInt(this.qty), toBin: code });
      this.app.queue("transfer", TransferRequestSchema, req, code);
      this.from = this.item = "";
      this.qty = 0;
    }
    this.app.save();
    this.app.render();
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    invAnswer((response as TransferResponse).answer);
    this.app.render();
  }

  view(): View {
    const actions: Action[] = [{ id: "drop", label: "Start again", wide: true, run: () => { this.from = this.item = ""; this.qty = 0; this.app.save(); this.app.render(); } }];
    if (!this.from) return { step: "Scan the bin to take from" };
    if (!this.item) return { step: "Scan the item", target: this.from, detail: "From this bin.", actions };
    return {
      step: "Scan the bin it goes to",
      target: `${this.qty} × ${this.item}`,
      detail: `From ${this.from}. Scan the item again for one more unit.`,
      actions: [{ id: "qty", label: "Quantity", run: () => void keypad(`Units of ${this.item}`).then((n) => { if (n) { this.qty = n; this.app.render(); } }) }, ...actions],
    };
  }

  state(): string {
    return JSON.stringify({ from: this.from, item: this.item, qty: this.qty });
  }

  restore(s: string): void {
    try {
      const v = JSON.parse(s);
      this.from = String(v.from ?? "");
      this.item = String(v.item ?? "");
      this.qty = Number(v.qty ?? 0);
    } catch {
      // Nothing half done.
    }
  }
}

/** Counting a bin blind: the bin, then every unit in it, then "counted". */
export class CountMode implements Mode {
  name = "count";
  title = "Count";
  bin = "";
  counted = new Map<string, number>();
  last = "";
  constructor(private app: App) {}

  async start(): Promise<void> {}

  scan(code: string): void {
    if (!this.bin) {
      void this.begin(code);
      return;
    }
    this.counted.set(code, (this.counted.get(code) ?? 0) + 1);
    this.last = code;
    verdict("right", `${code}: ${this.counted.get(code)}`);
    this.app.save();
    this.app.render();
  }

  private async begin(bin: string): Promise<void> {
    try {
      await api.inventory.startCount({ bin });
      this.bin = bin;
      this.counted.clear();
      verdict("right", `Counting ${bin}`);
    } catch (err) {
      verdict("wrong", api.describe(err));
    }
    this.app.save();
    this.app.render();
  }

  private submit(): void {
    const req = create(SubmitCountRequestSchema, {
      scanId: this.app.scanId(),
      deviceTime: timestampNow(),
      bin: this.bin,
      items: [...this.counted].map(([code, n]) => ({ code, quantity: BigInt(n) })),
    });
    this.app.queue("count", SubmitCountRequestSchema, req, this.bin);
  }

  answered(_kind: string, _e: Entry, response: unknown): void {
    const r = response as SubmitCountResponse;
    invAnswer(r.answer);
    if (r.done) {
      this.bin = "";
      this.counted.clear();
    } else {
      this.counted.clear(); // count again from nothing
    }
    this.app.save();
    this.app.render();
  }

  view(): View {
    if (!this.bin) return { step: "Scan the bin to count" };
    const lines = [...this.counted].map(([code, n]) => ({ text: code, n: String(n) }));
    return {
      step: "Scan every unit in the bin",
      target: this.bin,
      lines,
      actions: [
        { id: "counted", label: "Bin counted", wide: true, primary: true, run: () => this.submit() },
        {
          id: "set",
          label: "Set quantity",
          run: () =>
            void keypad(`How many of ${this.last || "the last item"} in all?`).then((n) => {
              if (n === null || !this.last) return;
              if (n === 0) this.counted.delete(this.last);
              else this.counted.set(this.last, n);
              this.app.save();
              this.app.render();
            }),
        },
        { id: "drop", label: "Start again", run: () => { this.bin = ""; this.counted.clear(); this.app.save(); this.app.render(); } },
      ],
    };
  }

  state(): string {
    return JSON.stringify({ bin: this.bin, counted: [...this.counted], last: this.last });
  }

  restore(s: string): void {
    try {
      const v = JSON.parse(s);
      this.bin = String(v.bin ?? "");
      this.counted = new Map(v.counted ?? []);
      this.last = String(v.last ?? "");
    } catch {
      // Nothing half done.
    }
  }
}

/** Builds the modes by name. */
export function makeModes(app: App): Record<string, Mode> {
  const all: Mode[] = [new PickMode(app), new PackMode(app), new HandoffMode(app), new ReceiveMode(app), new PutAwayMode(app), new TransferMode(app), new CountMode(app)];
  return Object.fromEntries(all.map((m) => [m.name, m]));
}

export type { ScanAnswer };
