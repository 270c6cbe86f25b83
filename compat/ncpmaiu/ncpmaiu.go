// Package ncpmaiu is the NAVER Cloud Media AI Understanding surface: the workspace
// project API under /api/v1/workspaces, behind API Gateway signature v2. It translates
// HTTP to the domain and back; the store decides membership and permissions.
package ncpmaiu

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"projectd"
	"projectd/httpserver"
)

// Store is what the surface needs of the store.
type Store interface {
	projectd.ProjectService
	projectd.WorkspaceService
	FindAccessKey(ctx context.Context, accessKey string) (*projectd.Auth, []byte, error)
	SpendSignature(ctx context.Context, signature string, until time.Time) error
}

// Handler serves the surface.
type Handler struct {
	store         Store
	logger        *slog.Logger
	now           func() time.Time
	refuseReplays bool
	throttle      *httpserver.Throttle
}

// New returns the surface's handler. Like NAVER's gateway, it accepts every correctly
// signed request within the window, repeats included; with refuseReplays it accepts a
// signature once, which also refuses identical requests signed in one millisecond.
// throttle (nil for none) bounds requests per user and failed signatures per address.
func New(store Store, logger *slog.Logger, refuseReplays bool, throttle *httpserver.Throttle) *Handler {
	return &Handler{store: store, logger: logger, now: time.Now, refuseReplays: refuseReplays, throttle: throttle}
}

// Window is how far a request's timestamp may be from the server's clock.
const Window = 5 * time.Minute

// Sign computes an API Gateway signature v2: standard Base64 of HMAC-SHA256, keyed with
// the secret key, over "METHOD URI\ntimestamp\naccessKey", where URI is the path with its
// query as the client sent it.
func Sign(secret []byte, method, uri, timestamp, accessKey string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(method + " " + uri + "\n" + timestamp + "\n" + accessKey))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// gatewayError is an answer of the gateway, before the surface runs.
type gatewayError struct {
	status                 int
	code, message, details string
	failure                httpserver.AuthFailure // why authentication failed, if it did
}

func authFailed(why httpserver.AuthFailure, details string) *gatewayError {
	return &gatewayError{http.StatusUnauthorized, "200", "Authentication Failed", details, why}
}

// gatewayFail writes the gateway's error body.
func (h *Handler) gatewayFail(w http.ResponseWriter, e *gatewayError) {
	body := map[string]map[string]string{"error": {"errorCode": e.code, "message": e.message, "details": e.details}}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	json.NewEncoder(w).Encode(body)
}

// signed checks the signature headers and runs next as the key's user, within the
// throttle's budgets: an address that failed too often, or a user over the rate limit, is
// the gateway's 429. With refuseReplays a signature is accepted once: a replay within the
// window is refused, across restarts and replicas too (spent signatures are kept in the
// store until they expire).
func (h *Handler) signed(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := httpserver.Delegated(r.Context()); d != nil {
			next(w, r.WithContext(projectd.NewContextWithAuth(r.Context(), d)))
			return
		}
		if err := h.throttle.Before(r); err != nil {
			h.tooMany(w, err)
			return
		}
		auth, at, signature, gwErr, err := h.verify(r)
		if err != nil {
			h.error(w, r, err)
			return
		}
		if gwErr != nil {
			h.throttle.Failed(r, gwErr.failure)
			h.gatewayFail(w, gwErr)
			return
		}
		if err := h.throttle.User(auth.User.ID); err != nil {
			h.tooMany(w, err)
			return
		}
		leave, err := h.throttle.Enter(auth.User.ID)
		if err != nil {
			h.tooMany(w, err)
			return
		}
		defer leave()
		if h.refuseReplays && !h.spend(w, r, signature, at) {
			return
		}
		httpserver.NoteUser(r.Context(), auth.User.ID)
		next(w, r.WithContext(projectd.NewContextWithAuth(r.Context(), auth)))
	}
}

func (h *Handler) tooMany(w http.ResponseWriter, err error) {
	httpserver.SetRetryAfter(w, err)
	h.gatewayFail(w, &gatewayError{status: http.StatusTooManyRequests, code: "429", message: "Too Many Requests", details: projectd.ErrorMessage(err)})
}

// verify checks a request's signature headers: the key's user, the request's time and
// signature, or the gateway's refusal; err is a store that could not answer.
func (h *Handler) verify(r *http.Request) (auth *projectd.Auth, at time.Time, signature string, gwErr *gatewayError, err error) {
	timestamp := r.Header.Get("x-ncp-apigw-timestamp")
	accessKey := r.Header.Get("x-ncp-iam-access-key")
	signature = r.Header.Get("x-ncp-apigw-signature-v2")
	if timestamp == "" || accessKey == "" || signature == "" {
		return nil, at, "", authFailed(httpserver.MissingCredential, "send x-ncp-apigw-timestamp, x-ncp-iam-access-key and x-ncp-apigw-signature-v2"), nil
	}
	ms, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return nil, at, "", authFailed(httpserver.StaleTimestamp, "x-ncp-apigw-timestamp must be milliseconds since the epoch"), nil
	}
	at = time.UnixMilli(ms)
	if skew := h.now().Sub(at); skew > Window || skew < -Window {
		return nil, at, "", authFailed(httpserver.StaleTimestamp, "the timestamp is more than 5 minutes away from the server's clock"), nil
	}
	auth, secret, err := h.store.FindAccessKey(r.Context(), accessKey)
	switch projectd.ErrorCode(err) {
	case "":
	case projectd.EFORBIDDEN:
		return nil, at, "", &gatewayError{http.StatusUnauthorized, "210", "Permission Denied", "the access key is disabled", httpserver.DisabledKey}, nil
	case projectd.EUNAUTHORIZED:
		return nil, at, "", authFailed(httpserver.BadAccessKey, projectd.ErrorMessage(err)), nil
	default:
		return nil, at, "", nil, err
	}
	if !hmac.Equal([]byte(signature), []byte(Sign(secret, r.Method, r.RequestURI, timestamp, accessKey))) {
		return nil, at, "", authFailed(httpserver.BadSignature, "the signature does not match the request"), nil
	}
	return auth, at, signature, nil, nil
}

// spend records a signature as used, answering a replay (or a store failure) itself.
func (h *Handler) spend(w http.ResponseWriter, r *http.Request, signature string, at time.Time) bool {
	err := h.store.SpendSignature(r.Context(), signature, at.Add(Window))
	switch projectd.ErrorCode(err) {
	case "":
		return true
	case projectd.ECONFLICT:
		httpserver.NoteAuthFailure(r.Context(), httpserver.ReplayedSignature)
		h.gatewayFail(w, authFailed(httpserver.ReplayedSignature, "this signature was used already"))
	default:
		h.error(w, r, err)
	}
	return false
}

// fallback answers what no route serves: 404 10404 for a path no route has, 405 10405
// with Allow for a path served for other methods.
func (h *Handler) fallback(mux httpserver.Mux, pattern string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		allowed := httpserver.AllowedMethods(mux, r, pattern)
		if len(allowed) == 0 {
			h.fail(w, r, http.StatusNotFound, "10404", "Not found. No such resource: "+r.URL.Path)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		h.fail(w, r, http.StatusMethodNotAllowed, "10405", "Method not allowed. Allowed: "+strings.Join(allowed, ", "))
	}
}

// fail writes the surface's error body: {"code", "message"}.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"code": code, "message": message})
}

// error maps an application error to the surface's statuses and codes, in one place.
func (h *Handler) error(w http.ResponseWriter, r *http.Request, err error) {
	switch projectd.ErrorCode(err) {
	case projectd.EINVALID:
		h.fail(w, r, http.StatusBadRequest, "10001", "Invalid Request. "+projectd.ErrorMessage(err))
	case projectd.EFORBIDDEN:
		h.fail(w, r, http.StatusForbidden, "10403", "Permission denied. "+projectd.ErrorMessage(err))
	case projectd.ENOTFOUND:
		h.fail(w, r, http.StatusNotFound, "10404", "Not found. "+projectd.ErrorMessage(err))
	case projectd.ECONFLICT:
		h.fail(w, r, http.StatusConflict, "10409", "Conflict. "+projectd.ErrorMessage(err))
	case projectd.EUNAVAILABLE:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusServiceUnavailable, "10503", "Service unavailable. "+projectd.ErrorMessage(err))
	default:
		h.logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
		h.fail(w, r, http.StatusInternalServerError, "10500", "Internal error")
	}
}
