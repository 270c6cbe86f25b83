package httpserver

import (
	"context"
	"net/http"

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
	// Schemes are the Authorization schemes accepted, case-insensitively ("Bearer").
	Schemes []string
	// Missing is the message of the EUNAUTHORIZED error for a request without one.
	Missing string
	// Fail renders an error in the surface's shape: EUNAUTHORIZED for a missing or
	// unknown credential, the store's own error (a 500) when it could not check.
	Fail func(w http.ResponseWriter, r *http.Request, err error)
}

// Wrap runs next with the caller in the request's context, or answers the failure.
func (a BearerAuth) Wrap(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		secret := Credential(r, a.Schemes...)
		if secret == "" {
			a.Fail(w, r, projectd.Errorf(projectd.EUNAUTHORIZED, "%s", a.Missing))
			return
		}
		auth, err := a.Store.Authenticate(r.Context(), secret)
		if err != nil {
			a.Fail(w, r, err)
			return
		}
		next(w, r.WithContext(projectd.NewContextWithAuth(r.Context(), auth)))
	}
}
