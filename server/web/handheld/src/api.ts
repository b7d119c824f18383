// The link to the server: pickpack.v1 over the Connect protocol (binary
// protobuf on plain HTTP POSTs), on the same origin the app came from,
// with the device token in the Authorization header — never in a URL.
import { Code, ConnectError, createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { PickService } from "./gen/pickpack/v1/pick_pb";
import { PackService } from "./gen/pickpack/v1/pack_pb";
import { InventoryService } from "./gen/pickpack/v1/inventory_pb";
import { OrderService } from "./gen/pickpack/v1/order_pb";
import { SignInService } from "./gen/pickpack/v1/signin_pb";
import { TaskService } from "./gen/pickpack/v1/tasks_pb";
import { WarehouseService } from "./gen/pickpack/v1/warehouse_pb";
import { Role } from "./gen/pickpack/v1/types_pb";

/** Who is signed in on this device; kept in localStorage so a reload, a
 * sleep or a rotation keeps the shift. */
export interface Session {
  token: string;
  user: string;
  role: Role;
  /** Milliseconds since the epoch; 0 for a token without end. */
  expires: number;
}

const sessionKey = "pickpack-handheld-session";

export function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(sessionKey) ?? "null");
    if (s && typeof s.token === "string" && s.token !== "") return s as Session;
  } catch {
    // A damaged entry is no session.
  }
  return null;
}

export function saveSession(s: Session | null): void {
  if (s) localStorage.setItem(sessionKey, JSON.stringify(s));
  else localStorage.removeItem(sessionKey);
}

let token = "";

/** Sets the token sent on every call. */
export function useToken(t: string): void {
  token = t;
}

const bearer: Interceptor = (next) => async (req) => {
  if (token) req.header.set("Authorization", "Bearer " + token);
  return next(req);
};

/** How long one call may take before it counts as a lost link. */
export const callTimeoutMs = 8000;

const transport = createConnectTransport({
  baseUrl: new URL("/", location.href).href,
  useBinaryFormat: true,
  interceptors: [bearer],
  defaultTimeoutMs: callTimeoutMs,
});

export const pick: Client<typeof PickService> = createClient(PickService, transport);
export const pack: Client<typeof PackService> = createClient(PackService, transport);
export const inventory: Client<typeof InventoryService> = createClient(InventoryService, transport);
export const orders: Client<typeof OrderService> = createClient(OrderService, transport);
export const signin: Client<typeof SignInService> = createClient(SignInService, transport);
export const tasks: Client<typeof TaskService> = createClient(TaskService, transport);
export const warehouse: Client<typeof WarehouseService> = createClient(WarehouseService, transport);

/** True when an error is the link's, not the request's: the request may be
 * sent again later (and, carrying its scan id, is applied once). */
export function linkFailure(err: unknown): boolean {
  const e = ConnectError.from(err);
  switch (e.code) {
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.Aborted:
    case Code.Canceled:
      return true;
    case Code.Unknown:
      // fetch failed: no network, or the server is down or restarting.
      return !navigator.onLine || e.cause instanceof TypeError || /fetch|network/i.test(e.rawMessage);
    case Code.Internal:
      // A proxy's 502/504 while the server restarts.
      return /HTTP 50[234]/.test(e.rawMessage);
  }
  return false;
}

/** True when the token is no longer good: sign in again. */
export function signedOut(err: unknown): boolean {
  return ConnectError.from(err).code === Code.Unauthenticated;
}

/** The error in words for a person. */
export function describe(err: unknown): string {
  const e = ConnectError.from(err);
  if (linkFailure(e)) return "No link to the server";
  return e.rawMessage || Code[e.code];
}

/** What a role may do on a handheld. */
export function modesFor(role: Role): string[] {
  switch (role) {
    case Role.PICKER:
      return ["pick"];
    case Role.PACKER:
      return ["pack", "handoff"];
    case Role.RECEIVER:
      return ["receive", "putaway", "transfer"];
    case Role.COUNTER:
      return ["count", "transfer"];
    case Role.ADMIN:
      return ["pick", "pack", "handoff", "receive", "putaway", "transfer", "count"];
  }
  return [];
}

/** A role's name for a person. */
export function roleName(role: Role): string {
  return (Role[role] ?? "unknown").toLowerCase();
}
