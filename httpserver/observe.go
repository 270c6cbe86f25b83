package httpserver

import (
	"context"
	"strings"
	"time"
)

// Observer learns of every request that Middleware serves: Begin as it arrives, End
// once it is answered (a metrics registry, say).
type Observer interface {
	Begin()
	End(Served)
}

// Served is what an Observer learns of an answered request.
type Served struct {
	Surface string // the surface whose route served it; "" when none did
	// Route is the path pattern of the route that served it ("/api/projects/{id}"): what
	// the server was written with, never what the client sent. "" when none matched.
	Route       string
	Method      string // as the client sent it: any token
	Status      int
	Bytes       int64
	Duration    time.Duration
	AuthFailure AuthFailure // why authentication failed; "" when it did not
}

// AuthFailure is why a request's credential was refused: one of a few kinds, never the
// credential's own text.
type AuthFailure string

const (
	MissingCredential AuthFailure = "missing_credential"
	BadToken          AuthFailure = "bad_token"      // unknown, expired or revoked token
	BadPassword       AuthFailure = "bad_password"   // a sign-in's login and password
	BadCode           AuthFailure = "bad_code"       // an auth code or refresh token
	BadAppKey         AuthFailure = "bad_app_key"    // a client application's key
	BadAccessKey      AuthFailure = "bad_access_key" // unknown or expired access key
	DisabledKey       AuthFailure = "disabled_key"
	BadSignature      AuthFailure = "bad_signature"
	StaleTimestamp    AuthFailure = "stale_timestamp"
	ReplayedSignature AuthFailure = "replayed_signature"
)

// AuthFailures lists every AuthFailure.
var AuthFailures = []AuthFailure{MissingCredential, BadToken, BadPassword, BadCode, BadAppKey, BadAccessKey, DisabledKey, BadSignature, StaleTimestamp, ReplayedSignature}

// NoteAuthFailure records why the request's authentication failed, for its Observer.
func NoteAuthFailure(ctx context.Context, why AuthFailure) { noteOf(ctx).authFailure = why }

// routeOf is the path of a ServeMux pattern ("GET /api/projects/{id}" → "/api/projects/{id}").
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		return strings.TrimLeft(pattern[i:], " \t")
	}
	return pattern
}
