package web

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// handheldDist is the handheld app as built by server/web/handheld
// (npm ci && npm run build): checked in like generated Go, so building
// the server needs no Node.
//
//go:embed handheld/dist
var handheldDist embed.FS

// hashed names files whose name carries a hash of their content: they
// never change, so browsers may keep them for good.
var hashed = regexp.MustCompile(`-[0-9A-Z]{8,}\.(js|css)$`)

// handheldTypes are the content types Go's table lacks or varies on.
var handheldTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".webmanifest": "application/manifest+json",
	".png":         "image/png",
	".wasm":        "application/wasm",
}

// handheldFile is one file of the app, with its gzip-compressed form when
// that is smaller.
type handheldFile struct {
	data, gz []byte
	ctype    string
	etag     string
}

var handheldFiles = sync.OnceValue(func() map[string]handheldFile {
	files := map[string]handheldFile{}
	fs.WalkDir(handheldDist, "handheld/dist", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := handheldDist.ReadFile(p)
		if err != nil {
			return err
		}
		f := handheldFile{data: data, ctype: handheldTypes[path.Ext(p)], etag: `"` + strconv.FormatUint(fnv64(data), 36) + `"`}
		if f.ctype == "" {
			f.ctype = "application/octet-stream"
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(data)
		zw.Close()
		if b.Len() < len(data)*9/10 {
			f.gz = b.Bytes()
		}
		files[strings.TrimPrefix(p, "handheld/dist/")] = f
		return nil
	})
	return files
})

func fnv64(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// handheld serves the handheld app under /handheld/. Like the supervisor
// page it holds no data and is public; the policy allows only its own
// files and calls to this server (the API), and WebAssembly for the
// camera decoder. The page, the service worker and the manifest are
// checked on every load so a new version arrives; files named by their
// content's hash are kept for a year.
func handheld() http.Handler {
	const csp = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; media-src 'self' blob:; " +
		"worker-src 'self'; manifest-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
	modTime := time.Unix(0, 0)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/handheld/")
		if name == "" {
			name = "index.html"
		}
		f, ok := handheldFiles()[name]
		if !ok || name != path.Clean(name) {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Type", f.ctype)
		h.Set("ETag", f.etag)
		h.Set("Vary", "Accept-Encoding")
		if hashed.MatchString(name) {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		if name == "sw.js" {
			h.Set("Service-Worker-Allowed", "/handheld/")
		}
		data := f.data
		if f.gz != nil && acceptsGzip(r) {
			h.Set("Content-Encoding", "gzip")
			h.Set("ETag", strings.TrimSuffix(f.etag, `"`)+`-gz"`)
			data = f.gz
		}
		http.ServeContent(w, r, "", modTime, bytes.NewReader(data))
	})
}

// acceptsGzip says whether the client takes gzip-encoded answers.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
