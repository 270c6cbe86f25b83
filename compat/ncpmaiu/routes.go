package ncpmaiu

import "projectd/httpserver"

// Routes registers every route of the surface on mux, with catch-alls that answer the
// rest of /api/v1/workspaces in the surface's own error shape.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("POST /api/v1/workspaces", h.signed(h.handleCreateWorkspace))
	mux.HandleFunc("GET /api/v1/workspaces/{workspace_name}/projects", h.signed(h.handleList))
	mux.HandleFunc("POST /api/v1/workspaces/{workspace_name}/projects", h.signed(h.handleCreate))
	mux.HandleFunc("GET /api/v1/workspaces/{workspace_name}/projects/{project_id}", h.signed(h.handleGet))
	mux.HandleFunc("PATCH /api/v1/workspaces/{workspace_name}/projects/{project_id}", h.signed(h.handleRename))
	mux.HandleFunc("DELETE /api/v1/workspaces/{workspace_name}/projects/{project_id}", h.signed(h.handleDelete))
	for _, pattern := range fallbackPatterns {
		mux.HandleFunc(pattern, h.fallback(mux, pattern))
	}
}

// fallbackPatterns are the catch-alls of the surface's part of /api/v1/.
var fallbackPatterns = []string{"/api/v1/workspaces", "/api/v1/workspaces/"}
