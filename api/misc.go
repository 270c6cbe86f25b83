package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"projectd"
)

func (h *Handler) handleHealthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyTimeout is how long /readyz waits for the store before calling it down.
const readyTimeout = time.Second

// handleReadyz fails while the store does not answer within readyTimeout or has migrations
// pending, and says which; the store's own error text stays in the log, since the route is
// public.
func (h *Handler) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	err := h.Store.Ping(ctx)
	if err == nil {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	h.Logger.Warn("store not ready", "err", err)
	reason := "the store does not answer"
	switch {
	case errors.Is(err, projectd.ErrMigrationsPending):
		reason = err.Error()
	case ctx.Err() != nil:
		reason = fmt.Sprintf("the store did not answer within %s", readyTimeout)
	}
	writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "reason": reason})
}

func (h *Handler) handleMe(w http.ResponseWriter, r *http.Request) {
	a := projectd.AuthFromContext(r.Context())
	writeJSON(w, http.StatusOK, map[string]any{"user": a.User, "scopes": a.Scopes})
}

// handlePutPassword changes the caller's password (for the console's sign-in).
func (h *Handler) handlePutPassword(w http.ResponseWriter, r *http.Request) {
	var req struct {
		CurrentPassword string `json:"current_password"`
		Password        string `json:"password"`
	}
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.Store.ChangePassword(r.Context(), req.CurrentPassword, req.Password); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) handleNotFound(w http.ResponseWriter, r *http.Request) {
	h.error(w, r, projectd.Errorf(projectd.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
}
