package httpserver_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"projectd"
	"projectd/httpserver"
)

type fakeAuthenticator map[string]error

func (f fakeAuthenticator) Authenticate(_ context.Context, secret string) (*projectd.Auth, error) {
	if err, ok := f[secret]; ok {
		return nil, err
	}
	return &projectd.Auth{User: &projectd.User{Login: secret}}, nil
}

// The one authentication step: the surface's schemes, its message for a missing
// credential, the store's verdict passed to the surface's renderer unchanged.
func TestBearerAuth(t *testing.T) {
	down := errors.New("database is down")
	store := fakeAuthenticator{"unknown": projectd.Errorf(projectd.EUNAUTHORIZED, "no such token"), "broken": down}
	var failed error
	auth := httpserver.BearerAuth{Store: store, Schemes: []string{"OAuth", "Bearer"}, Missing: "send a token",
		Fail: func(w http.ResponseWriter, r *http.Request, err error) { failed = err; w.WriteHeader(599) }}
	h := auth.Wrap(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(projectd.UserFromContext(r.Context()).Login))
	})
	for _, tc := range []struct {
		header, body string
		want         error
		code         string
	}{
		{"oauth ann", "ann", nil, ""},
		{"Bearer bob", "bob", nil, ""},
		{"", "", nil, projectd.EUNAUTHORIZED},
		{"Basic ann", "", nil, projectd.EUNAUTHORIZED},
		{"Bearer unknown", "", nil, projectd.EUNAUTHORIZED},
		{"Bearer broken", "", down, projectd.EINTERNAL},
	} {
		failed = nil
		req := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		if rec.Body.String() != tc.body || projectd.ErrorCode(failed) != tc.code {
			t.Errorf("%q: body %q, failure %v", tc.header, rec.Body.String(), failed)
		}
		if tc.want != nil && !errors.Is(failed, tc.want) {
			t.Errorf("%q: the store's error was not passed on: %v", tc.header, failed)
		}
	}
	failed = nil
	req := httptest.NewRequest("GET", "/", nil)
	h(httptest.NewRecorder(), req)
	if projectd.ErrorMessage(failed) != "send a token" {
		t.Errorf("missing credential: %v", failed)
	}
}
