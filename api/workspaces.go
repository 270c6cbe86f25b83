package api

import (
	"net/http"
	"slices"

	"projectd"
)

type workspaceJSON struct {
	Name      string                     `json:"name"`
	CreatedAt string                     `json:"created_at"`
	UpdatedAt string                     `json:"updated_at"`
	Members   []projectd.WorkspaceMember `json:"members"`
}

func toWorkspaceJSON(ws *projectd.Workspace) workspaceJSON {
	return workspaceJSON{
		Name:      ws.Name,
		CreatedAt: ws.CreatedAt.Format(timeLayout),
		UpdatedAt: ws.UpdatedAt.Format(timeLayout),
		Members:   ws.Members,
	}
}

func (h *Handler) handleListWorkspaces(w http.ResponseWriter, r *http.Request) {
	list, err := h.Store.ListWorkspaces(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	items := make([]workspaceJSON, len(list))
	for i, ws := range list {
		items[i] = toWorkspaceJSON(ws)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

type createWorkspaceRequest struct {
	Name    string                     `json:"name"`
	Members []projectd.WorkspaceMember `json:"members"`
}

func (h *Handler) handleCreateWorkspace(w http.ResponseWriter, r *http.Request) {
	var req createWorkspaceRequest
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	ws, err := h.Store.CreateWorkspace(r.Context(), req.Name, req.Members)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Location", h.baseURL(r)+"/api/workspaces/"+ws.Name)
	writeJSON(w, http.StatusCreated, toWorkspaceJSON(ws))
}

func (h *Handler) handleGetWorkspace(w http.ResponseWriter, r *http.Request) {
	ws, err := h.Store.FindWorkspace(r.Context(), r.PathValue("name"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toWorkspaceJSON(ws))
}

func (h *Handler) handleGetMember(w http.ResponseWriter, r *http.Request) {
	ws, err := h.Store.FindWorkspace(r.Context(), r.PathValue("name"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	login := r.PathValue("login")
	i := slices.IndexFunc(ws.Members, func(m projectd.WorkspaceMember) bool { return m.Login == login })
	if i < 0 {
		h.error(w, r, projectd.Errorf(projectd.ENOTFOUND, "%s is not a member of %s", login, ws.Name))
		return
	}
	writeJSON(w, http.StatusOK, ws.Members[i])
}

type putMemberRequest struct {
	Role string `json:"role"`
}

func (h *Handler) handlePutMember(w http.ResponseWriter, r *http.Request) {
	var req putMemberRequest
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	m, err := h.Store.SetWorkspaceMember(r.Context(), r.PathValue("name"), r.PathValue("login"), req.Role)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

func (h *Handler) handleDeleteMember(w http.ResponseWriter, r *http.Request) {
	if err := h.Store.RemoveWorkspaceMember(r.Context(), r.PathValue("name"), r.PathValue("login")); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
