package textking

import "projectd/httpserver"

// fallbackPattern catches what no route under /v1/ serves.
const fallbackPattern = "/v1/"

// Routes registers every route of the surface on mux. Item routes are singular
// (/v1/project/{id}), as in the original API.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /v1/projects", h.negotiated(h.handleList))
	mux.HandleFunc("POST /v1/projects", h.negotiated(h.handleCreate))
	mux.HandleFunc("GET /v1/project/{id}", h.negotiated(h.handleGet))
	mux.HandleFunc("PUT /v1/project/{id}", h.negotiated(h.handleUpdate))
	mux.HandleFunc("DELETE /v1/project/{id}", h.negotiated(h.handleDelete))
	mux.HandleFunc(fallbackPattern, h.fallback(mux))
}
