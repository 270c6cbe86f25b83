package yatasks

import "net/http"

// Routes registers every route of the surface on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/projects", h.authenticated(h.handleList))
	mux.HandleFunc("POST /api/v1/projects", h.authenticated(h.handleCreate))
	mux.HandleFunc("GET /api/v1/projects/{id}", h.authenticated(h.handleGet))
	mux.HandleFunc("PUT /api/v1/projects/{id}", h.authenticated(h.handleReplace))
	mux.HandleFunc("POST /api/v1/projects/{id}/archive", h.authenticated(h.handleArchive))
	mux.HandleFunc("GET /api/v1/operations/{id}", h.authenticated(h.handleGetOperation))
}
