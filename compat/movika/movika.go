// Package movika is the Movika Studio Pro surface: GET /studio-pro/my and its neighbours,
// and the accounts endpoints that turn one-time auth codes into sessions. It translates
// HTTP to the domain and back; the store decides visibility and permissions.
package movika

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"projectd"
	"projectd/httpserver"
)

// Store is what the surface needs of the store.
type Store interface {
	projectd.ProjectService
	projectd.SessionService
	Authenticate(ctx context.Context, secret string) (*projectd.Auth, error)
}

// Handler serves the surface.
type Handler struct {
	store    Store
	logger   *slog.Logger
	now      func() time.Time
	throttle *httpserver.Throttle
}

// New returns the surface's handler; throttle (nil for none) bounds requests and failed
// authentications.
func New(store Store, logger *slog.Logger, throttle *httpserver.Throttle) *Handler {
	return &Handler{store: store, logger: logger, now: time.Now, throttle: throttle}
}

// Error codes of the surface.
const (
	codeGeneric   = 16000
	codeForbidden = 16001
	codeNotFound  = 16003
	codeAccounts  = 1000
)

// service names the part of the API a path belongs to, as error bodies do.
func service(r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/accounts/") {
		return "accounts"
	}
	return "studio-pro"
}

// fail writes the surface's error body. On /accounts every error has code 1000.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status, code int, message string) {
	if service(r) == "accounts" {
		code = codeAccounts
	}
	body := struct {
		Error     string `json:"error"`
		Message   string `json:"message"`
		Path      string `json:"path"`
		Status    int    `json:"status"`
		Timestamp string `json:"timestamp"`
		Code      int    `json:"code"`
		Service   string `json:"service"`
	}{http.StatusText(status), message, r.URL.Path, status, h.now().UTC().Format(timeLayout), code, service(r)}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// fallback answers what no route serves in the surface's error shape: 404 for a path no
// route has, 405 with Allow for a path served for other methods.
func (h *Handler) fallback(mux httpserver.Mux, pattern string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := httpserver.AllowedMethods(mux, r, pattern)
		if len(allowed) == 0 {
			h.fail(w, r, http.StatusNotFound, codeGeneric, "No handler found for "+r.Method+" "+r.URL.Path)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		h.fail(w, r, http.StatusMethodNotAllowed, codeGeneric, "Request method '"+r.Method+"' is not supported")
	}
}

// error maps an application error to the surface's statuses and codes, in one place.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	switch projectd.ErrorCode(err) {
	case projectd.EINVALID:
		if err == httpserver.ErrBodyTooLarge {
			h.fail(w, r, http.StatusRequestEntityTooLarge, codeGeneric, projectd.ErrorMessage(err))
			return
		}
		h.fail(w, r, http.StatusBadRequest, codeGeneric, projectd.ErrorMessage(err))
	case projectd.EUNAUTHORIZED:
		h.fail(w, r, http.StatusUnauthorized, codeGeneric, projectd.ErrorMessage(err))
	case projectd.EFORBIDDEN:
		h.fail(w, r, http.StatusForbidden, codeForbidden, projectd.ErrorMessage(err))
	case projectd.ENOTFOUND:
		h.fail(w, r, http.StatusNotFound, codeNotFound, "Project not found")
	case projectd.ETOOMANY:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusTooManyRequests, codeGeneric, projectd.ErrorMessage(err))
	case projectd.EUNAVAILABLE:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusServiceUnavailable, codeGeneric, projectd.ErrorMessage(err))
	default:
		h.logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
		h.fail(w, r, http.StatusInternalServerError, codeGeneric, "Internal error")
	}
}

// client checks the headers every route takes: a registered Api-Key and, if given,
// Api-Version 2.0.
func (h *Handler) client(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if httpserver.Delegated(r.Context()) != nil {
			next(w, r) // the server's own request: it has no app of its own to name
			return
		}
		key := r.Header.Get("Api-Key")
		if key == "" {
			httpserver.NoteAuthFailure(r.Context(), httpserver.MissingCredential)
			h.fail(w, r, http.StatusUnauthorized, codeGeneric, "The Api-Key header is required")
			return
		}
		if err := h.store.CheckAppKey(r.Context(), key); err != nil {
			if projectd.ErrorCode(err) == projectd.EUNAUTHORIZED {
				httpserver.NoteAuthFailure(r.Context(), httpserver.BadAppKey)
			}
			h.error(w, r, err)
			return
		}
		if v, ok := r.Header["Api-Version"]; ok && (len(v) != 1 || strings.TrimSpace(v[0]) != "2.0") {
			h.fail(w, r, http.StatusBadRequest, codeGeneric, "Api-Version must be 2.0")
			return
		}
		next(w, r)
	}
}

// authenticated also requires Authorization: Bearer <accessToken>.
func (h *Handler) authenticated(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return h.client(httpserver.BearerAuth{Store: h.store, Throttle: h.throttle, Schemes: []string{"Bearer"},
		Missing: "Send Authorization: Bearer <accessToken>", Fail: h.error}.Wrap(next))
}

// timeLayout is how the surface writes times: UTC with milliseconds and Z.
const timeLayout = "2006-01-02T15:04:05.000Z"
