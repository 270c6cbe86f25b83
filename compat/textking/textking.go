// Package textking is the TextKing surface: /v1/projects and /v1/project/{id}, with pages,
// a state filter, links, and JSON or XML as negotiated. It translates HTTP to the domain's
// list query and back; the store decides visibility and permissions.
package textking

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"projectd"
	"projectd/httpserver"
)

// Store is what the surface needs of the store.
type Store interface {
	projectd.ProjectService
	Authenticate(ctx context.Context, secret string) (*projectd.Auth, error)
}

// Handler serves the surface.
type Handler struct {
	store     Store
	logger    *slog.Logger
	publicURL string
	throttle  *httpserver.Throttle
}

// New returns the surface's handler; links point at publicURL, or at the request's origin
// when it is empty; throttle (nil for none) bounds requests and failed authentications.
func New(store Store, logger *slog.Logger, publicURL string, throttle *httpserver.Throttle) *Handler {
	return &Handler{store: store, logger: logger, publicURL: publicURL, throttle: throttle}
}

const (
	mediaJSON = "application/json"
	mediaXML  = "application/xml"
)

type formatKey struct{}

// negotiated answers 406 for an Accept it cannot meet, echoes Accept-Language, and
// authenticates the bearer token; the handler then finds the format in the context.
func (h *Handler) negotiated(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := httpserver.Negotiate(r, mediaJSON, mediaXML)
		if format == "" {
			h.fail(w, r, http.StatusNotAcceptable, "not_acceptable", "Accept application/json or application/xml")
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), formatKey{}, format))
		if lang := contentLanguage(r.Header.Get("Accept-Language")); lang != "" {
			w.Header().Set("Content-Language", lang)
		}
		httpserver.BearerAuth{Store: h.store, Throttle: h.throttle, Schemes: []string{"Bearer"},
			Missing: "Send Authorization: Bearer <token>", Fail: h.error}.Wrap(next)(w, r)
	}
}

// contentLanguage picks en or de from Accept-Language, in the caller's order of preference.
func contentLanguage(header string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			q, _ = strconv.ParseFloat(v, 64)
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if (base == "en" || base == "de") && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

func format(r *http.Request) string {
	if f, ok := r.Context().Value(formatKey{}).(string); ok {
		return f
	}
	return mediaJSON
}

// write renders doc in the negotiated format.
func (h *Handler) write(w http.ResponseWriter, r *http.Request, status int, doc node) {
	var body []byte
	if format(r) == mediaXML {
		w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		body = doc.xmlDocument()
	} else {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		body = append(doc.appendJSON(nil), '\n')
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// fallback answers what no route serves in the surface's error shape (JSON unless XML
// is asked for): not_found for a path no route has, 405 with Allow for a path served
// for other methods.
func (h *Handler) fallback(mux httpserver.Mux) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if httpserver.Negotiate(r, mediaJSON, mediaXML) == mediaXML {
			r = r.WithContext(context.WithValue(r.Context(), formatKey{}, mediaXML))
		}
		allowed := httpserver.AllowedMethods(mux, r, fallbackPattern)
		if len(allowed) == 0 {
			h.fail(w, r, http.StatusNotFound, "not_found", "No resource "+r.URL.Path)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		h.fail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not allowed here; allowed: "+strings.Join(allowed, ", "))
	}
}

// fail writes the surface's error body: {"status", "error", "message"}.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="projectd"`)
	}
	h.write(w, r, status, object("error", number("status", strconv.Itoa(status)), str("error", code), str("message", message)))
}

// error maps an application error to the surface's statuses and codes, in one place.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	switch projectd.ErrorCode(err) {
	case projectd.EINVALID:
		code := "invalid_body"
		if isParamError(err) {
			code = "invalid_parameter"
		}
		h.fail(w, r, http.StatusBadRequest, code, projectd.ErrorMessage(err))
	case projectd.EUNAUTHORIZED:
		h.fail(w, r, http.StatusUnauthorized, "unauthorized", projectd.ErrorMessage(err))
	case projectd.ENOTFOUND:
		h.fail(w, r, http.StatusNotFound, "not_found", "No such project")
	case projectd.EFORBIDDEN: // another customer's project is ENOTFOUND already (ownProject)
		h.fail(w, r, http.StatusForbidden, "forbidden", projectd.ErrorMessage(err))
	case projectd.ECONFLICT, projectd.EPRECONDITION:
		h.fail(w, r, http.StatusConflict, "conflict", projectd.ErrorMessage(err))
	case projectd.ETOOMANY:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusTooManyRequests, "too_many_requests", projectd.ErrorMessage(err))
	case projectd.EUNAVAILABLE:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusServiceUnavailable, "service_unavailable", projectd.ErrorMessage(err))
	default:
		h.logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "internal_error", "Internal error")
	}
}

// paramError is an invalid query or path parameter (as opposed to a body field).
type paramError struct{ err *projectd.Error }

func invalidParam(field, format string, args ...any) error {
	return paramError{projectd.Invalid(field, format, args...)}
}

func (e paramError) Error() string { return e.err.Error() }
func (e paramError) Unwrap() error { return e.err }

func isParamError(err error) bool {
	_, ok := err.(paramError)
	return ok
}

// base is the origin that links point at.
func (h *Handler) base(r *http.Request) string { return httpserver.Origin(r, h.publicURL) }
