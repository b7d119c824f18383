package web

import (
	"net/http"
	"testing"
)

// Paths under /handheld/ name only the app's own files: anything else,
// however spelled, is not found, and nothing from the request becomes a
// path on disk (the files are embedded).
func TestAbuseHandheldPaths(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{
		"/handheld/../web.go",
		"/handheld/%2e%2e/web.go",
		"/handheld/..%2fweb.go",
		"/handheld/./index.html/",
		"/handheld//sw.js",
		"/handheld/dist/index.html",
		"/handheld/src/main.ts",
		"/handheld/package.json",
		"/handheld/node_modules/esbuild/package.json",
		"/handheld/%00",
		"/handheld/index.html%00.png",
		"/handheld/.gitignore",
		"/handheld/nothing.js",
	} {
		r := e.fetch(t, path, "")
		if r.status == http.StatusOK {
			t.Errorf("%s: 200 with %d bytes, want not found", path, len(r.body))
		}
	}
}
