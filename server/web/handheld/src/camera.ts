// Scanning with the phone's camera, for a phone without a scanner: the
// browser's BarcodeDetector where it has one, else a decoder loaded only
// now (camera-*.js and its WebAssembly, served by this server).
import { $ } from "./ui";

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

const formats = ["code_128", "ean_13", "ean_8", "upc_a", "qr_code", "code_39", "data_matrix", "itf"];

async function detector(): Promise<Detector> {
  const native = (globalThis as { BarcodeDetector?: { new (o: object): Detector; getSupportedFormats(): Promise<string[]> } }).BarcodeDetector;
  if (native) {
    const have = await native.getSupportedFormats();
    if (have.length) return new native({ formats: formats.filter((f) => have.includes(f)) });
  }
  const m = await import("./camera-decoder");
  return m.decoder(formats);
}

/** Opens the camera until a code is read or the person closes it. */
export async function openCamera(onCode: (code: string) => void): Promise<void> {
  const view = $("camera-view"), video = $<HTMLVideoElement>("camera-video"), status = $("camera-status");
  view.hidden = false;
  status.textContent = "Starting the camera…";
  let stream: MediaStream | null = null;
  let open = true;
  const closed = new Promise<void>((resolve) => {
    $("camera-close").onclick = () => {
      open = false;
      resolve();
    };
  });
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
    video.srcObject = stream;
    await video.play();
    const d = await detector();
    status.textContent = "Point the camera at the barcode.";
    while (open) {
      const found = await Promise.race([d.detect(video), closed.then(() => [])]);
      if (found.length) {
        onCode(found[0].rawValue);
        break;
      }
      await new Promise((r) => setTimeout(r, 120));
    }
  } catch (err) {
    status.textContent = `No camera: ${String(err)}`;
    await closed;
  } finally {
    stream?.getTracks().forEach((t) => t.stop());
    video.srcObject = null;
    view.hidden = true;
  }
}
