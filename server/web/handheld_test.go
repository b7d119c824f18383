package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"strings"
	"testing"
)

// The handheld app as a browser fetches it: each file with its type, the
// page and the service worker checked on every load, hashed files kept,
// gzip when asked for, and the same policy as the supervisor page.
func TestHandheldServed(t *testing.T) {
	e := newEnv(t)
	index := e.fetch(t, "/handheld/", "")
	if index.status != 200 || !strings.HasPrefix(index.header.Get("Content-Type"), "text/html") {
		t.Fatalf("/handheld/: %d %s", index.status, index.header.Get("Content-Type"))
	}
	// The page names its script and style by hash.
	var js, css string
	for _, f := range strings.Fields(strings.NewReplacer(`"`, " ").Replace(string(index.body))) {
		if strings.HasPrefix(f, "app-") && strings.HasSuffix(f, ".js") {
			js = f
		}
		if strings.HasPrefix(f, "app-") && strings.HasSuffix(f, ".css") {
			css = f
		}
	}
	if js == "" || css == "" {
		t.Fatalf("index.html names no app script or style:\n%s", index.body)
	}
	for _, tt := range []struct {
		path, ctype, cache string
	}{
		{"/handheld/", "text/html; charset=utf-8", "no-cache"},
		{"/handheld/index.html", "text/html; charset=utf-8", "no-cache"},
		{"/handheld/sw.js", "text/javascript; charset=utf-8", "no-cache"},
		{"/handheld/manifest.webmanifest", "application/manifest+json", "no-cache"},
		{"/handheld/icon-192.png", "image/png", "no-cache"},
		{"/handheld/" + js, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/handheld/" + css, "text/css; charset=utf-8", "public, max-age=31536000, immutable"},
		{"/handheld/zxing_reader.wasm", "application/wasm", "no-cache"},
	} {
		r := e.fetch(t, tt.path, "gzip")
		if got := r.header.Get("Content-Type"); r.status != 200 || got != tt.ctype {
			t.Errorf("%s: %d %q, want 200 %q", tt.path, r.status, got, tt.ctype)
		}
		if got := r.header.Get("Cache-Control"); got != tt.cache {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, got, tt.cache)
		}
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Errorf("%s: policy %q", tt.path, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", tt.path)
		}
	}
	// Compressed when asked, and the same bytes once decompressed.
	plain, zipped := e.fetch(t, "/handheld/"+js, ""), e.fetch(t, "/handheld/"+js, "gzip, deflate")
	if zipped.header.Get("Content-Encoding") != "gzip" || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding: %q with gzip asked, %q without", zipped.header.Get("Content-Encoding"), plain.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped.body))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.body) || len(zipped.body) >= len(plain.body) {
		t.Errorf("gzip: %d bytes for %d, equal after decompressing: %v", len(zipped.body), len(plain.body), bytes.Equal(unzipped, plain.body))
	}
	if r := e.fetch(t, "/handheld", ""); r.status != http.StatusMovedPermanently {
		t.Errorf("/handheld: %d, want a redirect to /handheld/", r.status)
	}
}

// The app a handheld downloads before it can work, gzip-compressed: at
// most 200 KB, the camera decoder (loaded only by a phone without a
// scanner and without BarcodeDetector) apart.
func TestHandheldAppSize(t *testing.T) {
	const budget = 200 * 1000
	var total, decoder int
	err := fs.WalkDir(handheldDist, "handheld/dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := handheldDist.ReadFile(p)
		if err != nil {
			return err
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		name := p[len("handheld/dist/"):]
		if strings.HasPrefix(name, "camera-") || strings.HasSuffix(name, ".wasm") {
			decoder += b.Len()
			return nil
		}
		total += b.Len()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("handheld app: %d bytes gzip-compressed (budget %d); camera decoder apart: %d bytes", total, budget, decoder)
	if total > budget {
		t.Errorf("the handheld app is %d bytes compressed, over its budget of %d", total, budget)
	}
}

type fetched struct {
	status int
	header http.Header
	body   []byte
}

func (e *env) fetch(t *testing.T, path, encoding string) fetched {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	// Redirects and encodings are what is tested: the transport must not
	// follow or undo them.
	c := &http.Client{Transport: &http.Transport{DisableCompression: true}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{resp.StatusCode, resp.Header, body}
}
