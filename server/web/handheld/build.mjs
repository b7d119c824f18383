// Builds the handheld app into dist/, which is checked in and embedded in
// the server (go:embed): run `npm ci && npm run build` after changing src/
// or static/. The output is deterministic, so CI can check it is fresh.
//
//   dist/app-HASH.js       the app (src/main.ts and what it imports)
//   dist/camera-HASH.js    the camera decoder, loaded only when a phone
//                          without BarcodeDetector opens the camera
//   dist/zxing_reader.wasm its WebAssembly, served from here, never a CDN
//   dist/sw.js             the service worker (fixed name: its scope)
//   dist/index.html, app.css, manifest.webmanifest, icons
import * as esbuild from "esbuild";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { icon } from "./icons.mjs";

const dist = "dist";
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);

const app = await esbuild.build({
  entryPoints: { app: "src/main.ts", camera: "src/camera-decoder.ts" },
  bundle: true,
  minify: true,
  format: "esm",
  splitting: true,
  target: ["chrome87"],
  entryNames: "[name]-[hash]",
  chunkNames: "chunk-[hash]",
  outdir: dist,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});
const outputs = Object.keys(app.metafile.outputs).map((p) => p.slice(dist.length + 1));
const appJS = outputs.find((f) => f.startsWith("app-"));
const cameraJS = outputs.find((f) => f.startsWith("camera-"));

copyFileSync("node_modules/zxing-wasm/dist/reader/zxing_reader.wasm", `${dist}/zxing_reader.wasm`);
writeFileSync(`${dist}/icon-192.png`, icon(192, false));
writeFileSync(`${dist}/icon-512.png`, icon(512, false));
writeFileSync(`${dist}/icon-maskable-512.png`, icon(512, true));

const css = readFileSync("static/app.css");
const cssName = `app-${hash(css)}.css`;
writeFileSync(`${dist}/${cssName}`, css);
const html = readFileSync("static/index.html", "utf8").replace("{{APP_JS}}", appJS).replace("{{APP_CSS}}", cssName);
writeFileSync(`${dist}/index.html`, html);
copyFileSync("static/manifest.webmanifest", `${dist}/manifest.webmanifest`);

// The shell the service worker keeps for offline use: everything but the
// camera decoder, which is cached when first used.
const shell = ["./", appJS, cssName, "manifest.webmanifest", "icon-192.png", "icon-512.png", "icon-maskable-512.png",
  ...outputs.filter((f) => f.startsWith("chunk-"))].sort();
const version = hash(shell.map((f) => (f === "./" ? html : readFileSync(`${dist}/${f}`))).join("\0")).slice(0, 12);
await esbuild.build({
  entryPoints: ["src/sw.ts"],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["chrome87"],
  outfile: `${dist}/sw.js`,
  define: { SHELL: JSON.stringify(shell), VERSION: JSON.stringify(version), CAMERA: JSON.stringify([cameraJS, "zxing_reader.wasm"]) },
  legalComments: "none",
  logLevel: "warning",
});

// What a handheld downloads before it can work, gzip-compressed (the
// budget is 200 KB without the camera decoder).
let total = 0;
for (const f of [...shell.filter((f) => f !== "./"), "index.html", "sw.js"]) {
  total += gzipSync(readFileSync(`${dist}/${f}`), { level: 9 }).length;
}
console.log(`app shell: ${shell.length + 1} files, ${(total / 1024).toFixed(1)} KiB gzip-compressed (camera decoder apart: ${cameraJS} + zxing_reader.wasm)`);
console.log(readdirSync(dist).join(" "));

function hash(data) {
  return createHash("sha256").update(data).digest("hex").slice(0, 10).toUpperCase();
}
