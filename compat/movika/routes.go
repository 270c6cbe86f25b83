package movika

import "projectd/httpserver"

// fallbackPatterns catch what no route of the surface serves.
var fallbackPatterns = []string{"/studio-pro/", "/accounts/"}

// Routes registers every route of the surface on mux.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /studio-pro/my", h.authenticated(h.handleMy))
	mux.HandleFunc("GET /studio-pro/{projectId}", h.authenticated(h.handleGet))
	mux.HandleFunc("POST /accounts/identity/session", h.client(h.handleSession))
	mux.HandleFunc("POST /accounts/token", h.client(h.handleToken))
	for _, pattern := range fallbackPatterns {
		mux.HandleFunc(pattern, h.fallback(mux, pattern))
	}
}
