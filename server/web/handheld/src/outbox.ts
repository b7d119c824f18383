// The outbox: every request that changes something (a scan, a receipt, a
// move, a count) is written here with its device-made scan id before and
// while it is sent, and removed only once the server has answered. Requests
// made without a link wait here, survive a reload or a flat battery, and
// are sent in the order they were made when the link returns. The server
// answers a scan id it has seen with its first answer, so sending one again
// after a lost answer applies nothing twice.

/** One request waiting for its answer. */
export interface Entry {
  /** Order of making, per device. */
  seq: number;
  /** The user who made it: sent only with that user's token. */
  user: string;
  /** Which call: see Sender. */
  kind: string;
  /** The request, binary protobuf. */
  body: Uint8Array;
  /** The code as scanned, for the screen. */
  code: string;
}

const dbName = "pickpack-handheld";
const storeName = "outbox";

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(storeName, { keyPath: "seq" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** Sends one entry; throws what the call threw. */
export type Sender = (e: Entry) => Promise<unknown>;

/** How the outbox tells the app what happened. */
export interface Listener {
  answered(e: Entry, response: unknown): void;
  /** The server refused the request: it is dropped, sending it again would
   * be refused again. */
  refused(e: Entry, err: unknown): void;
  /** The link went down (false) or came back (true). */
  link(up: boolean): void;
  /** The number of requests waiting changed. */
  pending(n: number): void;
  /** The token is no longer good: sending stops until signIn. */
  signedOut(): void;
  /** The device could not keep a request: it is sent all the same, but
   * would be lost with a reload before its answer. */
  storage(err: unknown): void;
}

/** Outbox sends entries one at a time, in order. */
export class Outbox {
  private db: Promise<IDBDatabase> | null = null;
  private queue: Entry[] = [];
  private written = new Map<number, Promise<void>>();
  private sending = false;
  private user = "";
  private retryTimer = 0;
  private retryMs = 500;
  private up = true;
  private nextSeq = 1;

  constructor(
    private send: Sender,
    private isLinkFailure: (err: unknown) => boolean,
    private isSignedOut: (err: unknown) => boolean,
    private listener: Listener,
  ) {}

  /** Opens the database and loads what was left waiting. */
  async open(): Promise<void> {
    const db = await this.conn();
    const tx = db.transaction(storeName, "readonly");
    const all = tx.objectStore(storeName).getAll();
    await done(tx);
    const entries = all.result as Entry[];
    entries.sort((a, b) => a.seq - b.seq);
    this.queue = entries;
    // Sequence numbers only order this device's entries: after the
    // highest left, or from the clock so a cleared database never reuses
    // a number while entries of an older tab could still be in flight.
    this.nextSeq = Math.max(Date.now(), entries.length ? entries[entries.length - 1].seq + 1 : 0);
    addEventListener("online", () => this.kick(true));
  }

  /** The database, opened again when the browser closed it (it may, e.g.
   * when storage is cleared or under memory pressure). */
  private conn(): Promise<IDBDatabase> {
    this.db ??= open().then((db) => {
      db.onclose = () => (this.db = null);
      db.onversionchange = () => {
        db.close();
        this.db = null;
      };
      return db;
    });
    this.db.catch(() => (this.db = null));
    return this.db;
  }

  /** Runs one read-write transaction on the outbox. */
  private async write(f: (s: IDBObjectStore) => void): Promise<void> {
    let db = await this.conn();
    let tx: IDBTransaction;
    try {
      tx = db.transaction(storeName, "readwrite");
    } catch {
      // Closed under us: once more on a new connection.
      this.db = null;
      db = await this.conn();
      tx = db.transaction(storeName, "readwrite");
    }
    f(tx.objectStore(storeName));
    await done(tx);
  }

  /** Sets whose entries are sent (the signed-in user), and sends them. */
  signIn(user: string): void {
    this.user = user;
    this.report();
    this.kick(true);
  }

  /** Entries of the signed-in user still waiting. */
  count(): number {
    return this.queue.filter((e) => e.user === this.user).length;
  }

  /** Entries of other users left on this device. */
  others(): number {
    return this.queue.length - this.count();
  }

  /** Adds a request and sends it as soon as those before it are answered. */
  add(kind: string, body: Uint8Array, code: string): Entry {
    const e: Entry = { seq: this.nextSeq++, user: this.user, kind, body, code };
    this.queue.push(e);
    // Written while it is sent: the answer is not waited on the disk, and
    // the entry is removed only after both.
    const w = this.write((s) => s.put(e));
    this.written.set(e.seq, w);
    w.catch((err) => this.listener.storage(err)).finally(() => this.written.delete(e.seq));
    this.report();
    this.kick(false);
    return e;
  }

  /** True while the link is thought to be up. */
  linkUp(): boolean {
    return this.up;
  }

  private report(): void {
    this.listener.pending(this.count());
  }

  /** Starts sending unless it is under way; now skips a retry wait. */
  private kick(now: boolean): void {
    if (now && this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = 0;
    }
    if (!this.sending && !this.retryTimer) void this.drain();
  }

  private async drain(): Promise<void> {
    this.sending = true;
    try {
      for (;;) {
        const e = this.queue.find((q) => q.user === this.user);
        if (!e || !this.user) return;
        let response: unknown;
        try {
          response = await this.send(e);
        } catch (err) {
          if (this.isLinkFailure(err)) {
            this.setUp(false);
            this.retryTimer = window.setTimeout(() => {
              this.retryTimer = 0;
              this.kick(false);
            }, this.retryMs);
            this.retryMs = Math.min(this.retryMs * 2, 8000);
            return;
          }
          if (this.isSignedOut(err)) {
            this.user = "";
            this.listener.signedOut();
            return;
          }
          this.setUp(true);
          this.take(e);
          this.listener.refused(e, err);
          await this.forget(e);
          continue;
        }
        this.retryMs = 500;
        this.setUp(true);
        // The answer is shown before the entry leaves the disk: a reload
        // in between sends it again, and gets the same answer.
        this.take(e);
        this.listener.answered(e, response);
        await this.forget(e);
      }
    } finally {
      this.sending = false;
    }
  }

  private setUp(up: boolean): void {
    if (up !== this.up) {
      this.up = up;
      this.listener.link(up);
    }
  }

  private take(e: Entry): void {
    this.queue.splice(this.queue.indexOf(e), 1);
    this.report();
  }

  private async forget(e: Entry): Promise<void> {
    await this.written.get(e.seq)?.catch(() => {});
    await this.write((s) => s.delete(e.seq)).catch((err) => this.listener.storage(err));
  }
}
