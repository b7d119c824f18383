// The service worker: keeps the app's own files so the app opens and works
// without a link after its first load. Calls to the server (the API) are
// never cached: scans wait in the outbox instead.
/// <reference lib="webworker" />
declare const SHELL: string[];
declare const CAMERA: string[];
declare const VERSION: string;

const sw = self as unknown as ServiceWorkerGlobalScope;
const cacheName = "pickpack-handheld-" + VERSION;

/** Chromium's static routes (from version 123): calls to the API go
 * straight to the network without waking this worker, which would add its
 * dispatch to every scan's time to verdict. */
interface RouterEvent extends ExtendableEvent {
  addRoutes?(rules: { condition: Record<string, unknown>; source: string }[]): Promise<void>;
}

sw.addEventListener("install", (ev: ExtendableEvent) => {
  const add = (ev as RouterEvent).addRoutes?.bind(ev);
  // Each rule alone: a browser that knows one kind of condition and not
  // the other still takes the one. Without either, the fetch handler
  // below lets API calls pass.
  add?.([{ condition: { requestMethod: "POST" }, source: "network" }]).catch(() => {});
  if ("URLPattern" in self) {
    add?.([{ condition: { urlPattern: new URLPattern({ pathname: "/pickpack.v1.*" }) }, source: "network" }]).catch(() => {});
  }
  ev.waitUntil(
    caches
      .open(cacheName)
      .then((c) => c.addAll(SHELL))
      .then(() => sw.skipWaiting()),
  );
});

sw.addEventListener("activate", (ev: ExtendableEvent) => {
  ev.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("pickpack-handheld-") && k !== cacheName).map((k) => caches.delete(k))))
      .then(() => sw.clients.claim()),
  );
});

sw.addEventListener("fetch", (ev: FetchEvent) => {
  const req = ev.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== location.origin || !url.pathname.startsWith(new URL("./", location.href).pathname)) return;
  const name = url.pathname.slice(new URL("./", location.href).pathname.length);
  if (name === "" || name === "index.html") {
    // The page: fresh when the link is up (a new version), else the kept one.
    ev.respondWith(
      fetch(req)
        .then((r) => {
          if (r.ok) {
            const copy = r.clone();
            void caches.open(cacheName).then((c) => c.put("./", copy));
          }
          return r;
        })
        .catch(() => caches.match("./").then((r) => r ?? Response.error())),
    );
    return;
  }
  ev.respondWith(
    caches.match(req).then(
      (hit) =>
        hit ??
        fetch(req).then((r) => {
          // The camera decoder is kept once used.
          if (r.ok && CAMERA.includes(name)) {
            const copy = r.clone();
            void caches.open(cacheName).then((c) => c.put(req, copy));
          }
          return r;
        }),
    ),
  );
});
