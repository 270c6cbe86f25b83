// Package yatasks is the Yandex Tasks (Toloka API) surface: /api/v1/projects and
// /api/v1/operations, wire-compatible with the public API and its clients (toloka-kit).
// It translates HTTP to the domain's list query and back; the store decides visibility
// and permissions.
package yatasks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"projectd"
	"projectd/httpserver"
)

// Store is what the surface needs of the store.
type Store interface {
	projectd.ProjectService
	projectd.OperationService
	Authenticate(ctx context.Context, secret string) (*projectd.Auth, error)
}

// Handler serves the surface.
type Handler struct {
	store    Store
	logger   *slog.Logger
	throttle *httpserver.Throttle
}

// New returns the surface's handler; throttle (nil for none) bounds each user's requests
// and each address's failed authentications, answered with 429 TOO_MANY_REQUESTS as the
// Toloka API does.
func New(store Store, logger *slog.Logger, throttle *httpserver.Throttle) *Handler {
	return &Handler{store: store, logger: logger, throttle: throttle}
}

// authenticated accepts "OAuth <token>", "ApiKey <token>" and "Bearer <token>".
func (h *Handler) authenticated(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return httpserver.BearerAuth{Store: h.store, Throttle: h.throttle, Schemes: []string{"OAuth", "ApiKey", "Bearer"},
		Missing: "Send Authorization: OAuth <token>", Fail: h.error}.Wrap(next)
}

// fieldError is one entry of a VALIDATION_ERROR payload.
type fieldError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// validation collects field errors for one VALIDATION_ERROR answer.
type validation map[string]fieldError

func (v validation) add(field, code, format string, args ...any) {
	if _, seen := v[field]; !seen {
		v[field] = fieldError{Code: code, Message: fmt.Sprintf(format, args...)}
	}
}

// fail writes the surface's error body: {"request_id", "code", "message", "payload"}.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, message string, payload any) {
	body := struct {
		RequestID string `json:"request_id"`
		Code      string `json:"code"`
		Message   string `json:"message"`
		Payload   any    `json:"payload,omitempty"`
	}{httpserver.RequestID(r), code, message, payload}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (h *Handler) invalid(w http.ResponseWriter, r *http.Request, v validation) {
	h.fail(w, r, http.StatusBadRequest, "VALIDATION_ERROR", "Validation failed", v)
}

// error maps an application error to the surface's statuses and codes, in one place.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	switch projectd.ErrorCode(err) {
	case projectd.EINVALID:
		field := projectd.ErrorField(err)
		if err == httpserver.ErrBodyTooLarge {
			h.invalid(w, r, validation{"body": {"VALUE_GREATER_THAN_MAX", projectd.ErrorMessage(err)}})
			return
		}
		h.invalid(w, r, validation{toTolokaField(field): {"INVALID_VALUE", projectd.ErrorMessage(err)}})
	case projectd.EUNAUTHORIZED:
		h.fail(w, r, http.StatusUnauthorized, "AUTHENTICATION_ERROR", projectd.ErrorMessage(err), nil)
	case projectd.EFORBIDDEN:
		h.fail(w, r, http.StatusForbidden, "ACCESS_DENIED", projectd.ErrorMessage(err), nil)
	case projectd.ENOTFOUND:
		h.fail(w, r, http.StatusNotFound, "DOES_NOT_EXIST", "Object does not exist", nil)
	case projectd.ECONFLICT:
		h.fail(w, r, http.StatusConflict, "INAPPROPRIATE_STATUS", projectd.ErrorMessage(err), nil)
	case projectd.ETOOMANY: // as the Toloka API answers its rate limit
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", projectd.ErrorMessage(err), map[string]string{"interval": "MIN"})
	case projectd.EUNAVAILABLE: // toloka-kit retries a 503, after Retry-After
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", projectd.ErrorMessage(err), nil)
	default:
		h.logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "INTERNAL_ERROR", "Internal error", nil)
	}
}

// toTolokaField names a core field as this surface does.
func toTolokaField(field string) string {
	switch field {
	case "name":
		return "public_name"
	case "description":
		return "public_description"
	}
	if f, ok := strings.CutPrefix(field, "ext.tasks."); ok {
		return f
	}
	return field
}

// timeLayout is how the surface writes times: UTC, milliseconds, no zone.
const timeLayout = "2006-01-02T15:04:05.000"

// fallback answers what no route serves in Toloka's error shape, which toloka-kit reads
// on every error: a path no route has is 404 DOES_NOT_EXIST; a path served for other
// methods is 405 METHOD_NOT_ALLOWED with Allow.
func (h *Handler) fallback(mux httpserver.Mux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := httpserver.AllowedMethods(mux, r, fallbackPattern)
		if len(allowed) == 0 {
			h.fail(w, r, http.StatusNotFound, "DOES_NOT_EXIST", "Object does not exist", nil)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		h.fail(w, r, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED",
			fmt.Sprintf("%s is not allowed here; allowed: %s", r.Method, strings.Join(allowed, ", ")), nil)
	}
}
