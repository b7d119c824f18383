package main

import (
	"bufio"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/chromedp/chromedp"
)

// A phone without a scanner scans with its camera. Chromium's fake camera
// films a Code 128 label; headless Chromium on Linux has no
// BarcodeDetector, so the app loads its own decoder (ZXing in
// WebAssembly, served by this server) and the code read is a scan like
// any other: here the picker's first tote.
func TestHandheldCameraInChromium(t *testing.T) {
	s := startDemo(t)
	video := filepath.Join(t.TempDir(), "label.y4m")
	writeY4M(t, video, "TOTE-0001")
	p := newPhone(t, s, chromedp.Flag("use-fake-device-for-media-stream", true), chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-video-capture", video))
	p.open(s.tokens["picker"])
	p.wait("a tote asked", `document.getElementById('work').dataset.expect === 'TOTE'`)
	if eval[bool](p, `'BarcodeDetector' in window`) {
		t.Log("this Chromium has BarcodeDetector: the decoder's fallback is not exercised")
	}
	before := p.verdictSeq()
	p.do(chromedp.Click("#camera"))
	v := p.nextVerdict(before, "the camera's scan")
	if v.tone != "right" || !hasWord(v, "right", "tote-0001") {
		t.Fatalf("camera scan of TOTE-0001: %+v", v)
	}
	if !eval[bool](p, `document.getElementById('camera-view').hidden`) {
		t.Error("the camera view stays open after the scan")
	}
}

// writeY4M writes a few frames of video (YUV 4:2:0) filming a Code 128
// label of code, black on white, for Chromium's fake camera.
func writeY4M(t *testing.T, path, code string) {
	t.Helper()
	const w, h = 640, 480
	raw, err := code128.Encode(code)
	if err != nil {
		t.Fatal(err)
	}
	bc, err := barcode.Scale(raw, 520, 200)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := bufio.NewWriter(f)
	out.WriteString("YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
	frame := make([]byte, w*h*3/2)
	luma := frame[:w*h]
	for i := range luma {
		luma[i] = 235
	}
	for i := w * h; i < len(frame); i++ {
		frame[i] = 128 // no colour
	}
	at := image.Pt((w-520)/2, (h-200)/2)
	for y := range 200 {
		for x := range 520 {
			if r, _, _, _ := bc.At(x, y).RGBA(); r < 0x8000 {
				luma[(at.Y+y)*w+at.X+x] = 16
			}
		}
	}
	for range 10 {
		out.WriteString("FRAME\n")
		out.Write(frame)
	}
	if err := out.Flush(); err != nil {
		t.Fatal(err)
	}
}
