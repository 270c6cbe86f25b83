package api

import (
	"net/http"

	"projectd"
)

func (h *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	if err := h.Store.Ping(r.Context()); err != nil {
		h.Logger.Warn("store not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "store unreachable"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (h *Handler) handleMe(w http.ResponseWriter, r *http.Request) {
	a := projectd.AuthFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"user": a.User, "scopes": a.Scopes})
}

func (h *Handler) handleNotFound(w http.ResponseWriter, r *http.Request) {
	h.error(w, r, projectd.Errorf(projectd.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
}
