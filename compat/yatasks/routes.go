package yatasks

import "projectd/httpserver"

// fallbackPattern catches every path under /api/v1/ that no route of this surface (or
// a more specific surface, such as NAVER's /api/v1/workspaces) serves.
const fallbackPattern = "/api/v1/"

// Routes registers every route of the surface on mux.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /api/v1/projects", h.authenticated(h.handleList))
	mux.HandleFunc("POST /api/v1/projects", h.authenticated(h.handleCreate))
	mux.HandleFunc("GET /api/v1/projects/{id}", h.authenticated(h.handleGet))
	mux.HandleFunc("PUT /api/v1/projects/{id}", h.authenticated(h.handleReplace))
	mux.HandleFunc("POST /api/v1/projects/{id}/archive", h.authenticated(h.handleArchive))
	mux.HandleFunc("GET /api/v1/operations", h.authenticated(h.handleListOperations))
	mux.HandleFunc("GET /api/v1/operations/{id}", h.authenticated(h.handleGetOperation))
	mux.HandleFunc("GET /api/v1/operations/{id}/log", h.authenticated(h.handleOperationLog))
	mux.HandleFunc(fallbackPattern, h.fallback(mux))
}
