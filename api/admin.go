package api

import (
	"net/http"

	"projectd"
)

// handleDashboard counts the projects the caller can see, for the console's dashboard.
func (h *Handler) handleDashboard(w http.ResponseWriter, r *http.Request) {
	d, err := h.Store.Dashboard(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// The routes below are admins' (the store refuses anybody else): the CLI's user and app
// key tasks, for the console.

func (h *Handler) handleListUsers(w http.ResponseWriter, r *http.Request) {
	users, err := h.Store.AllUsers(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": users})
}

func (h *Handler) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Login     string `json:"login"`
		Email     string `json:"email"`
		FirstName string `json:"first_name"`
		LastName  string `json:"last_name"`
		Role      string `json:"role"`
		Password  string `json:"password"`
	}
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	u := &projectd.User{Login: req.Login, Email: req.Email, FirstName: req.FirstName, LastName: req.LastName, Role: req.Role}
	if err := h.Store.AddUser(r.Context(), u, req.Password); err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (h *Handler) handlePatchUser(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Role string `json:"role"`
	}
	if err := readJSON(r, &req, "application/json", "application/merge-patch+json"); err != nil {
		h.error(w, r, err)
		return
	}
	u, err := h.Store.SetRole(r.Context(), r.PathValue("login"), req.Role)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (h *Handler) handleListAppKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := h.Store.ListAppKeys(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": keys})
}

func (h *Handler) handleCreateAppKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Name string `json:"name"`
	}
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	key, err := h.Store.AddAppKey(r.Context(), req.Name)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]string{"name": req.Name, "app_key": key})
}
