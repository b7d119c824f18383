// The app's icons, drawn here as PNGs so nothing is fetched or kept as a
// binary source: a white tote with a black scan line on the pack-station
// green. Maskable icons keep their drawing inside the central 80 %.
import { deflateSync } from "node:zlib";

export function icon(size, maskable) {
  const bg = [0x0b, 0x6e, 0x3b];
  const raw = Buffer.alloc((size * 3 + 1) * size);
  const inset = maskable ? 0.22 : 0.14;
  const lo = Math.round(size * inset), hi = size - lo;
  const line = Math.round(size * 0.06);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      let c = bg;
      const inBox = x >= lo && x < hi && y >= lo + (hi - lo) * 0.2 && y < hi;
      if (inBox) c = [0xff, 0xff, 0xff];
      if (inBox && Math.abs(y - (lo + hi) / 2 - (hi - lo) * 0.1) < line / 2) c = [0, 0, 0];
      if (inBox && ((x - lo) * 7 % (hi - lo) < (hi - lo) * 0.35) && y > hi - (hi - lo) * 0.3 && y < hi - (hi - lo) * 0.1) c = [0, 0, 0];
      raw.set(c, row + 1 + x * 3);
    }
  }
  const chunks = [chunk("IHDR", Buffer.from([...u32(size), ...u32(size), 8, 2, 0, 0, 0])), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", Buffer.alloc(0))];
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), ...chunks]);
}

function u32(n) {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  return Buffer.concat([Buffer.from(u32(data.length)), body, Buffer.from(u32(crc32(body)))]);
}

const table = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = table[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
