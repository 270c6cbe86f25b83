package api

import "projectd/httpserver"

// routes lists every route of the native API.
func (h *Handler) routes() {
	h.mux.HandleFunc("GET /healthz", h.handleHealthz)
	h.mux.HandleFunc("GET /readyz", h.handleReadyz)
	h.mux.HandleFunc("GET /api/openapi.json", httpserver.ServeDocument(openAPIDocument))

	h.mux.Handle("GET /api/me", h.authenticated(h.handleMe))

	h.mux.Handle("POST /api/projects", h.authenticated(h.handleCreateProject))
	h.mux.Handle("GET /api/projects", h.authenticated(h.handleListProjects))
	h.mux.Handle("GET /api/projects/{id}", h.authenticated(h.handleGetProject))
	h.mux.Handle("PATCH /api/projects/{id}", h.authenticated(h.handlePatchProject))
	h.mux.Handle("DELETE /api/projects/{id}", h.authenticated(h.handleDeleteProject))

	h.mux.Handle("GET /api/workspaces", h.authenticated(h.handleListWorkspaces))
	h.mux.Handle("POST /api/workspaces", h.authenticated(h.handleCreateWorkspace))
	h.mux.Handle("GET /api/workspaces/{name}", h.authenticated(h.handleGetWorkspace))
	h.mux.Handle("GET /api/workspaces/{name}/members/{login}", h.authenticated(h.handleGetMember))
	h.mux.Handle("PUT /api/workspaces/{name}/members/{login}", h.authenticated(h.handlePutMember))
	h.mux.Handle("DELETE /api/workspaces/{name}/members/{login}", h.authenticated(h.handleDeleteMember))

	h.mux.Handle("POST /api/tokens", h.authenticated(h.handleCreateToken))
	h.mux.Handle("GET /api/tokens", h.authenticated(h.handleListTokens))
	h.mux.Handle("DELETE /api/tokens/{id}", h.authenticated(h.handleDeleteToken))
	h.mux.Handle("POST /api/authcodes", h.authenticated(h.handleCreateAuthCode))
	h.mux.Handle("POST /api/keys", h.authenticated(h.handleCreateAccessKey))

	h.mux.HandleFunc("/api/", h.handleNotFound)
}
