package httpserver

import "net/http"

// Mux is what routes are registered on: the server's *http.ServeMux, or one that also
// records them (the test that checks the table of routes in compat/README.md).
type Mux interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
	Handler(r *http.Request) (h http.Handler, pattern string)
	ServeHTTP(w http.ResponseWriter, r *http.Request)
}

var _ Mux = (*http.ServeMux)(nil)
