package api

import (
	"net/http"
	"strconv"
	"time"

	"projectd"
)

type createTokenRequest struct {
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresIn string   `json:"expires_in"` // a Go duration such as "720h"; "" never expires
}

type tokenJSON struct {
	ID         int64    `json:"id"`
	Name       string   `json:"name"`
	Scopes     []string `json:"scopes"`
	ExpiresAt  *string  `json:"expires_at"`
	LastUsedAt *string  `json:"last_used_at"`
	CreatedAt  string   `json:"created_at"`
	Token      string   `json:"token,omitempty"`
}

func optTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := t.UTC().Format(timeLayout)
	return &s
}

func toTokenJSON(t *projectd.Token) tokenJSON {
	return tokenJSON{
		ID: t.ID, Name: t.Name, Scopes: t.Scopes,
		ExpiresAt: optTime(t.ExpiresAt), LastUsedAt: optTime(t.LastUsedAt),
		CreatedAt: t.CreatedAt.UTC().Format(timeLayout), Token: t.Secret,
	}
}

func (h *Handler) handleCreateToken(w http.ResponseWriter, r *http.Request) {
	var req createTokenRequest
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	ttl, err := parseExpiresIn(req.ExpiresIn)
	if err != nil {
		h.error(w, r, err)
		return
	}
	t, err := h.Store.CreateToken(r.Context(), "", req.Name, req.Scopes, ttl)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, toTokenJSON(t))
}

func (h *Handler) handleListTokens(w http.ResponseWriter, r *http.Request) {
	list, err := h.Store.ListTokens(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	items := make([]tokenJSON, len(list))
	for i, t := range list {
		items[i] = toTokenJSON(t)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

func (h *Handler) handleDeleteToken(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		h.error(w, r, projectd.Errorf(projectd.ENOTFOUND, "no token %s", r.PathValue("id")))
		return
	}
	if err := h.Store.DeleteToken(r.Context(), id); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// handleCreateAuthCode issues a one-time code for the caller, which a Movika client
// exchanges at /accounts/identity/session.
func (h *Handler) handleCreateAuthCode(w http.ResponseWriter, r *http.Request) {
	code, err := h.Store.CreateAuthCode(r.Context(), "")
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, map[string]string{
		"auth_code":  code,
		"expires_at": time.Now().Add(projectd.AuthCodeTTL).UTC().Format(timeLayout),
	})
}

// parseExpiresIn reads an expires_in: a positive duration such as 720h, or "" for none.
func parseExpiresIn(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, projectd.Invalid("expires_in", "expires_in must be a positive duration such as 720h")
	}
	return d, nil
}

// handleCreateAccessKey issues an HMAC signing key pair for the caller (NAVER's signed
// requests), with the caller's token's scopes and no later expiry; an optional body
// {"expires_in": "720h"} shortens its life. The secret is shown once.
func (h *Handler) handleCreateAccessKey(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ExpiresIn string `json:"expires_in"`
	}
	if r.ContentLength != 0 {
		if err := readJSON(r, &req); err != nil {
			h.error(w, r, err)
			return
		}
	}
	ttl, err := parseExpiresIn(req.ExpiresIn)
	if err != nil {
		h.error(w, r, err)
		return
	}
	k, err := h.Store.CreateAccessKey(r.Context(), "", ttl)
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, k)
}

func (h *Handler) handleListAccessKeys(w http.ResponseWriter, r *http.Request) {
	keys, err := h.Store.ListAccessKeys(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": keys})
}

func (h *Handler) handleDisableAccessKey(w http.ResponseWriter, r *http.Request) {
	if err := h.Store.DisableAccessKey(r.Context(), r.PathValue("access_key")); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) handleDeleteAccessKey(w http.ResponseWriter, r *http.Request) {
	if err := h.Store.DeleteAccessKey(r.Context(), r.PathValue("access_key")); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) handleListSessions(w http.ResponseWriter, r *http.Request) {
	sessions, err := h.Store.ListSessions(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": sessions})
}

func (h *Handler) handleDeleteSession(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		err = h.Store.DeleteSession(r.Context(), id)
	} else {
		err = projectd.Errorf(projectd.ENOTFOUND, "no session %s", r.PathValue("id"))
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
