// Package api is projectd's native HTTP API under /api/: project CRUD with ETags, the rich
// list with signed keyset cursors, workspaces, the caller's tokens and the OpenAPI
// document. Errors are RFC 9457 problem+json naming the offending parameter or field.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"projectd"
	"projectd/httpserver"
)

// Store is what the native API needs of the store.
type Store interface {
	projectd.ProjectService
	projectd.WorkspaceService
	projectd.TokenService
	projectd.CredentialService
	projectd.AdminService
	projectd.DashboardService
	ChangePassword(ctx context.Context, current, password string) error
	CheckPassword(ctx context.Context, login, password string) (*projectd.User, error)
	CreateAuthCode(ctx context.Context, login string) (string, error)
	ListSessions(ctx context.Context) ([]*projectd.SessionInfo, error)
	DeleteSession(ctx context.Context, id int64) error
	Ping(ctx context.Context) error
}

// Config configures the native API.
type Config struct {
	Store     Store
	Logger    *slog.Logger
	PublicURL string // scheme://host[:port] of links; "" means the request's own
	CursorKey []byte // signs list cursors; at least 32 bytes
	Ext       *projectd.Extensions
	Surfaces  []string // the names of the surfaces served beside the native API
	Throttle  *httpserver.Throttle
	// Views shows a project as every surface answers it (compat.ShowProject); nil for
	// a server without surfaces.
	Views func(ctx context.Context, a *projectd.Auth, base string, p *projectd.Project) ([]projectd.SurfaceView, error)
}

// Handler serves the native API.
type Handler struct {
	Config
	clearExt json.RawMessage // the merge patch that "ext": null stands for
	openAPI  []byte
}

// New returns the native API's handler; Routes registers it.
func New(cfg Config) *Handler {
	return &Handler{Config: cfg, clearExt: clearAll(cfg.Ext.Names()), openAPI: OpenAPIDocument(cfg.Ext, cfg.Surfaces)}
}

// clearAll is the merge patch that removes every namespace of ext.
func clearAll(namespaces []string) json.RawMessage {
	patch := map[string]any{}
	for _, ns := range namespaces {
		patch[ns] = nil
	}
	b, _ := json.Marshal(patch)
	return b
}

// authenticated puts the bearer token's caller into the request context, or answers 401.
func (h *Handler) authenticated(next http.HandlerFunc) http.Handler {
	return httpserver.BearerAuth{Store: h.Store, Throttle: h.Throttle, Schemes: []string{"Bearer"}, Cookie: SessionCookie,
		Missing: "send Authorization: Bearer <token>, or sign in (POST /api/session)", Fail: h.error}.Wrap(next)
}

// statusOf maps application error codes to HTTP statuses, in one place.
var statusOf = map[string]int{
	projectd.EINVALID:      http.StatusBadRequest,
	projectd.EUNAUTHORIZED: http.StatusUnauthorized,
	projectd.EFORBIDDEN:    http.StatusForbidden,
	projectd.ENOTFOUND:     http.StatusNotFound,
	projectd.ECONFLICT:     http.StatusConflict,
	projectd.EPRECONDITION: http.StatusPreconditionFailed,
	projectd.ETOOMANY:      http.StatusTooManyRequests,
	projectd.EUNAVAILABLE:  http.StatusServiceUnavailable,
	projectd.EINTERNAL:     http.StatusInternalServerError,
}

// problem is an RFC 9457 problem details body.
type problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail"`
	Instance      string         `json:"instance,omitempty"`
	RequestID     string         `json:"request_id"`
	InvalidParams []invalidParam `json:"invalid_params,omitempty"`
}

type invalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// error renders err as problem+json; internal errors are logged and not shown.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf[projectd.ErrorCode(err)]
	httpserver.SetRetryAfter(w, err)
	var mediaErr *mediaTypeError
	switch {
	case errors.Is(err, httpserver.ErrBodyTooLarge):
		status = http.StatusRequestEntityTooLarge
	case errors.As(err, &mediaErr):
		status = http.StatusUnsupportedMediaType
	case status == http.StatusInternalServerError:
		h.Logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
	}
	p := problem{
		Type:      "about:blank",
		Title:     http.StatusText(status),
		Status:    status,
		Detail:    projectd.ErrorMessage(err),
		Instance:  r.URL.Path,
		RequestID: httpserver.RequestID(r),
	}
	if mediaErr != nil {
		p.Detail = mediaErr.Error()
	}
	if f := projectd.ErrorField(err); f != "" {
		p.InvalidParams = []invalidParam{{Name: f, Reason: p.Detail}}
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="projectd"`)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}

// mediaTypeError is a body of a media type the route does not take (415).
type mediaTypeError struct{ want string }

func (e *mediaTypeError) Error() string { return "send the body as Content-Type: " + e.want }

// readJSON reads a JSON body of one of the given media types into v.
func readJSON(r *http.Request, v any, mediaTypes ...string) error {
	if len(mediaTypes) == 0 {
		mediaTypes = []string{"application/json"}
	}
	mt := httpserver.MediaType(r)
	ok := false
	for _, want := range mediaTypes {
		ok = ok || mt == want
	}
	if !ok {
		return &mediaTypeError{want: mediaTypes[0]}
	}
	body, err := httpserver.ReadBody(r)
	if err != nil {
		return err
	}
	return httpserver.DecodeJSON(body, v)
}

// writeJSON writes v as a JSON response.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the values written here always encode
	}
	httpserver.WriteJSON(w, status, append(b, '\n'))
}

// baseURL is where links point: the configured public URL or the request's own origin.
func (h *Handler) baseURL(r *http.Request) string { return httpserver.Origin(r, h.PublicURL) }
