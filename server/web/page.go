package web

import (
	"embed"
	"io/fs"
	"net/http"
)

// assets are the supervisor page: plain HTML, CSS and JavaScript, embedded
// so the binary is all a site installs; nothing is built or fetched.
//
//go:embed assets
var assets embed.FS

// page serves index.html at / and the files under /assets/. The policy
// allows only the page's own files: no inline script, nothing from
// elsewhere, so an injected order id cannot run as code.
func page() http.Handler {
	sub, _ := fs.Sub(assets, "assets")
	files := http.StripPrefix("/assets/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		if r.URL.Path == "/" {
			http.ServeFileFS(w, r, sub, "index.html")
			return
		}
		files.ServeHTTP(w, r)
	})
}
