package httpserver

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"projectd"
)

// Authenticator checks the secret of a bearer credential.
type Authenticator interface {
	Authenticate(ctx context.Context, secret string) (*projectd.Auth, error)
}

// BearerAuth is the one authentication step of the native API and the surfaces that take
// a token in Authorization: each says which schemes it reads and how a failure looks.
type BearerAuth struct {
	Store Authenticator
	// Throttle bounds failed authentications per client address and requests per user
	// (nil: no bound).
	Throttle *Throttle
	// Schemes are the Authorization schemes accepted, case-insensitively ("Bearer").
	Schemes []string
	// Missing is the message of the EUNAUTHORIZED error for a request without one.
	Missing string
	// Fail renders an error in the surface's shape: EUNAUTHORIZED for a missing or
	// unknown credential, the store's own error (a 500) when it could not check.
	Fail func(w http.ResponseWriter, r *http.Request, err error)
	// Cookie, when set, names a cookie whose value is taken as the credential when a
	// request has no Authorization header (the console's session). A browser sends
	// cookies on its own, so such a request that is not safe (POST, PATCH, DELETE…) must
	// come from this origin: CrossOriginProtection refuses it otherwise.
	Cookie string
}

// crossOrigin refuses cross-origin unsafe requests by their Sec-Fetch-Site or Origin
// header, as browsers send them; requests without either (not from a browser) pass.
var crossOrigin = http.NewCrossOriginProtection()

// Wrap runs next with the caller in the request's context, or answers the failure.
func (a BearerAuth) Wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if d := Delegated(r.Context()); d != nil {
			next(w, r.WithContext(projectd.NewContextWithAuth(r.Context(), d)))
			return
		}
		secret := Credential(r, a.Schemes...)
		if secret == "" && a.Cookie != "" && r.Header.Get("Authorization") == "" {
			if c, err := r.Cookie(a.Cookie); err == nil && c.Value != "" {
				if err := crossOrigin.Check(r); err != nil {
					a.Fail(w, r, projectd.Errorf(projectd.EFORBIDDEN, "a request with the session cookie from another origin is refused"))
					return
				}
				secret = c.Value
			}
		}
		if secret == "" {
			NoteAuthFailure(r.Context(), MissingCredential)
			a.Fail(w, r, projectd.Errorf(projectd.EUNAUTHORIZED, "%s", a.Missing))
			return
		}
		if err := a.Throttle.Before(r); err != nil {
			a.Fail(w, r, err)
			return
		}
		auth, err := a.Store.Authenticate(r.Context(), secret)
		if projectd.ErrorCode(err) == projectd.EUNAUTHORIZED {
			a.Throttle.Failed(r, BadToken)
		}
		if err == nil {
			err = a.Throttle.User(auth.User.ID)
		}
		var leave func()
		if err == nil {
			leave, err = a.Throttle.Enter(auth.User.ID)
		}
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		defer leave()
		NoteUser(r.Context(), auth.User.ID)
		next(w, r.WithContext(projectd.NewContextWithAuth(r.Context(), auth)))
	}
}

// Throttle is the budgets every surface applies, answered as ETOOMANY errors that each
// surface renders as its 429 with Retry-After. The zero value and nil allow everything.
type Throttle struct {
	// PerUser bounds each authenticated user's requests a minute.
	PerUser *Limiter
	// FailedAuth bounds each client address's failed authentications a minute: past it,
	// the address may not try again until its budget refills. The address is the
	// connection's (behind a load balancer, the balancer's).
	FailedAuth *Limiter
	// Concurrent bounds each user's requests in progress at once (0: no bound), so that
	// one user's stalled clients cannot take every worker of the server.
	Concurrent int

	mu      sync.Mutex
	running map[int64]int
}

// Before refuses a request whose address has spent its failed authentications.
func (t *Throttle) Before(r *http.Request) error {
	if t == nil {
		return nil
	}
	if spent, wait := t.FailedAuth.Exhausted(clientAddress(r)); spent {
		return projectd.TooMany(wait, "too many failed authentications from this address; try again in %s", wait)
	}
	return nil
}

// Failed records a failed authentication from r's address, and why (for the Observer).
func (t *Throttle) Failed(r *http.Request, why AuthFailure) {
	NoteAuthFailure(r.Context(), why)
	if t != nil {
		t.FailedAuth.Allow(clientAddress(r))
	}
}

// User spends one of the user's requests, or refuses when they are spent.
func (t *Throttle) User(id int64) error {
	if t == nil {
		return nil
	}
	if ok, wait := t.PerUser.Allow(strconv.FormatInt(id, 10)); !ok {
		return projectd.TooMany(wait, "too many requests; try again in %s", wait)
	}
	return nil
}

// SetRetryAfter sets Retry-After for an ETOOMANY error (and nothing for others).
func SetRetryAfter(w http.ResponseWriter, err error) {
	if n := projectd.RetryAfter(err); n > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(n))
	}
}

// Enter counts a request of the user in progress, or refuses one past Concurrent; leave
// must be called when it ends.
func (t *Throttle) Enter(id int64) (leave func(), err error) {
	if t == nil || t.Concurrent <= 0 {
		return func() {}, nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.running[id] >= t.Concurrent {
		return nil, projectd.TooMany(time.Second, "more than %d requests of yours are in progress", t.Concurrent)
	}
	if t.running == nil {
		t.running = map[int64]int{}
	}
	t.running[id]++
	return func() {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.running[id]--; t.running[id] == 0 {
			delete(t.running, id)
		}
	}, nil
}

func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
