// Renders a ZPL file to PNG files, one per label, offline: zpl-renderer-js
// is a WebAssembly build of the zebrash renderer (no Labelary, no network).
// Usage: NODE_PATH=<dir>/node_modules node render.cjs in.zpl outprefix
// writes outprefix-1.png, outprefix-2.png ... and prints their count.
const fs = require("node:fs");
const { ready } = require("zpl-renderer-js");

async function main() {
  const [, , input, prefix] = process.argv;
  if (!input || !prefix) {
    throw new Error("usage: node render.cjs in.zpl outprefix");
  }
  const zpl = fs.readFileSync(input, "utf8");
  const { api } = await ready;
  // 4 x 6 in at 8 dots/mm (203 dpi): the labels' size.
  const pngs = await api.zplToBase64MultipleAsync(zpl, 101.6, 152.4, 8);
  pngs.forEach((b64, i) => {
    fs.writeFileSync(`${prefix}-${i + 1}.png`, Buffer.from(b64, "base64"));
  });
  console.log(pngs.length);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err && err.stack ? err.stack : String(err));
    process.exit(1);
  },
);
