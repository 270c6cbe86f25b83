package httpserver

import (
	"net/http"
)

// probedMethods are the methods a fallback asks the mux about for an Allow header.
var probedMethods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// AllowedMethods returns the methods that mux routes for r's path to a pattern other than
// fallback (the catch-all pattern that is answering r), so that a surface's own catch-all
// can tell "no such path" (none) from "not that method" (some, for Allow and a 405).
func AllowedMethods(mux Mux, r *http.Request, fallback string) []string {
	var allowed []string
	for _, m := range probedMethods {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != fallback {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
