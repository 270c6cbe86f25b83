// Package console serves the web console: a page and its script and styles, embedded in
// the binary, that call the native API with the session cookie (POST /api/session). So
// the console has no rules of its own: what it shows and refuses is what the API does.
package console

import (
	"embed"
	"io/fs"
	"net/http"

	"projectd/httpserver"
)

//go:embed assets
var assets embed.FS

// Routes lists the console's routes: / sends browsers to it.
func Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/console/", http.StatusFound)
	})
	mux.Handle("GET /console/", secured(http.StripPrefix("/console/", http.FileServerFS(files()))))
}

func files() fs.FS {
	sub, err := fs.Sub(assets, "assets")
	if err != nil {
		panic(err) // the embedded directory is there at build time
	}
	return sub
}

// ContentSecurityPolicy lets the console's page load its own script, styles and images
// and talk to its own origin, and nothing else: no inline script or style, no frames.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// secured adds the console's security headers to every answer of h.
func secured(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Referrer-Policy", "same-origin")
		hdr.Set("Cache-Control", "no-cache")
		h.ServeHTTP(w, r)
	})
}
