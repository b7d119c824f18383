// The camera decoder for browsers without BarcodeDetector: ZXing compiled
// to WebAssembly (the barcode-detector package), its .wasm served from
// this app's own directory instead of the package's default CDN.
import { BarcodeDetector, prepareZXingModule } from "barcode-detector/ponyfill";

prepareZXingModule({
  overrides: {
    locateFile: (path: string, prefix: string) => (path.endsWith(".wasm") ? new URL(path, document.baseURI).href : prefix + path),
  },
});

export function decoder(formats: string[]) {
  return new BarcodeDetector({ formats: formats as never });
}
