package api

import "projectd/httpserver"

// Routes registers every route of the native API on mux.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /healthz", h.handleHealthz)
	mux.HandleFunc("GET /readyz", h.handleReadyz)
	mux.HandleFunc("GET /api/openapi.json", httpserver.ServeDocument(h.openAPI))

	mux.HandleFunc("POST /api/session", h.handleSignIn)
	mux.Handle("DELETE /api/session", h.authenticated(h.handleSignOut))
	mux.Handle("GET /api/me", h.authenticated(h.handleMe))
	mux.Handle("PUT /api/me/password", h.authenticated(h.handlePutPassword))

	mux.Handle("POST /api/projects", h.authenticated(h.handleCreateProject))
	mux.Handle("GET /api/projects", h.authenticated(h.handleListProjects))
	mux.Handle("GET /api/projects/{id}", h.authenticated(h.handleGetProject))
	mux.Handle("PATCH /api/projects/{id}", h.authenticated(h.handlePatchProject))
	mux.Handle("DELETE /api/projects/{id}", h.authenticated(h.handleDeleteProject))
	mux.Handle("GET /api/projects/{id}/views", h.authenticated(h.handleProjectViews))

	mux.Handle("GET /api/workspaces", h.authenticated(h.handleListWorkspaces))
	mux.Handle("POST /api/workspaces", h.authenticated(h.handleCreateWorkspace))
	mux.Handle("GET /api/workspaces/{name}", h.authenticated(h.handleGetWorkspace))
	mux.Handle("GET /api/workspaces/{name}/members/{login}", h.authenticated(h.handleGetMember))
	mux.Handle("PUT /api/workspaces/{name}/members/{login}", h.authenticated(h.handlePutMember))
	mux.Handle("DELETE /api/workspaces/{name}/members/{login}", h.authenticated(h.handleDeleteMember))

	mux.Handle("POST /api/tokens", h.authenticated(h.handleCreateToken))
	mux.Handle("GET /api/tokens", h.authenticated(h.handleListTokens))
	mux.Handle("DELETE /api/tokens/{id}", h.authenticated(h.handleDeleteToken))
	mux.Handle("POST /api/authcodes", h.authenticated(h.handleCreateAuthCode))
	mux.Handle("POST /api/keys", h.authenticated(h.handleCreateAccessKey))
	mux.Handle("GET /api/keys", h.authenticated(h.handleListAccessKeys))
	mux.Handle("POST /api/keys/{access_key}/disable", h.authenticated(h.handleDisableAccessKey))
	mux.Handle("DELETE /api/keys/{access_key}", h.authenticated(h.handleDeleteAccessKey))
	mux.Handle("GET /api/sessions", h.authenticated(h.handleListSessions))
	mux.Handle("DELETE /api/sessions/{id}", h.authenticated(h.handleDeleteSession))
	mux.Handle("GET /api/dashboard", h.authenticated(h.handleDashboard))

	mux.Handle("GET /api/users", h.authenticated(h.handleListUsers))
	mux.Handle("POST /api/users", h.authenticated(h.handleCreateUser))
	mux.Handle("PATCH /api/users/{login}", h.authenticated(h.handlePatchUser))
	mux.Handle("GET /api/appkeys", h.authenticated(h.handleListAppKeys))
	mux.Handle("POST /api/appkeys", h.authenticated(h.handleCreateAppKey))

	mux.HandleFunc("/api/", h.handleNotFound)
}
