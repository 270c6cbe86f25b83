package api

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"projectd"
	"projectd/httpserver"
)

// SessionCookie holds a signed-in browser's credential: a token that sign-in made (or
// the one it signed in with), sent back by the browser instead of Authorization.
const SessionCookie = "projectd_session"

// sessionName names the tokens sign-in makes, which sign-out revokes.
const sessionName = "console session"

// SessionTTL is how long a password sign-in lasts.
const SessionTTL = 12 * time.Hour

// handleSignIn checks a login and password (or a token) and sets the session cookie:
// HttpOnly, SameSite=Strict, Secure when the server is reached over https. Failures
// count against the address's failed-authentication budget.
func (h *Handler) handleSignIn(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Login    string `json:"login"`
		Password string `json:"password"`
		Token    string `json:"token"`
	}
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.Throttle.Before(r); err != nil {
		h.error(w, r, err)
		return
	}
	var secret string
	var user *projectd.User
	var expires *time.Time
	switch {
	case req.Token != "" && (req.Login != "" || req.Password != ""):
		h.error(w, r, projectd.Invalid("token", "sign in with a token or with login and password, not both"))
		return
	case req.Token != "":
		a, err := h.Store.Authenticate(r.Context(), req.Token)
		if projectd.ErrorCode(err) == projectd.EUNAUTHORIZED {
			h.Throttle.Failed(r, httpserver.BadToken)
		}
		if err != nil {
			h.error(w, r, err)
			return
		}
		secret, user, expires = req.Token, a.User, a.ExpiresAt
	case req.Login == "":
		h.error(w, r, projectd.Invalid("login", "login is required (or token)"))
		return
	default:
		u, err := h.Store.CheckPassword(r.Context(), req.Login, req.Password)
		if projectd.ErrorCode(err) == projectd.EUNAUTHORIZED {
			h.Throttle.Failed(r, httpserver.BadPassword)
		}
		if err != nil {
			h.error(w, r, err)
			return
		}
		t, err := h.Store.CreateToken(r.Context(), u.Login, sessionName, []string{projectd.ScopeRead, projectd.ScopeWrite}, SessionTTL)
		if err != nil {
			h.error(w, r, err)
			return
		}
		secret, user, expires = t.Secret, u, t.ExpiresAt
	}
	cookie := h.sessionCookie(r, secret)
	if expires != nil {
		cookie.Expires = *expires
	}
	http.SetCookie(w, cookie)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"user": user, "expires_at": expires})
}

// handleSignOut clears the session cookie and revokes the token that sign-in made for
// it; a token the caller signed in with stays valid.
func (h *Handler) handleSignOut(w http.ResponseWriter, r *http.Request) {
	a := projectd.AuthFromContext(r.Context())
	tokens, err := h.Store.ListTokens(r.Context())
	if err != nil {
		h.error(w, r, err)
		return
	}
	if slices.ContainsFunc(tokens, func(t *projectd.Token) bool { return t.ID == a.TokenID && t.Name == sessionName }) {
		if err := h.Store.DeleteToken(r.Context(), a.TokenID); err != nil {
			h.error(w, r, err)
			return
		}
	}
	cleared := h.sessionCookie(r, "")
	cleared.MaxAge = -1
	http.SetCookie(w, cleared)
	w.WriteHeader(http.StatusNoContent)
}

// sessionCookie is the session cookie holding value: HttpOnly, SameSite=Strict, for the
// whole origin, Secure when the server is reached over https.
func (h *Handler) sessionCookie(r *http.Request, value string) *http.Cookie {
	return &http.Cookie{Name: SessionCookie, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: strings.HasPrefix(h.baseURL(r), "https://")}
}
