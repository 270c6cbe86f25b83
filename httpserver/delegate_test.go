package httpserver_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"projectd"
	"projectd/httpserver"
)

// A request the server makes to itself for a caller it has authenticated passes
// BearerAuth as that caller without a credential, and lands in a Recorder; a request
// from outside with no credential is still refused.
func TestDelegatedRequests(t *testing.T) {
	auth := httpserver.BearerAuth{Store: fakeAuthenticator{}, Schemes: []string{"Bearer"}, Missing: "send a token",
		Fail: func(w http.ResponseWriter, r *http.Request, err error) { w.WriteHeader(http.StatusUnauthorized) }}
	h := auth.Wrap(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(projectd.UserFromContext(r.Context()).Login))
	})
	outside := httptest.NewRecorder()
	h(outside, httptest.NewRequest("GET", "/", nil))
	if outside.Code != http.StatusUnauthorized {
		t.Fatalf("no credential: %d", outside.Code)
	}
	ann := &projectd.Auth{User: &projectd.User{Login: "ann"}, Scopes: []string{projectd.ScopeRead}}
	req := httptest.NewRequest("GET", "/", nil).WithContext(httpserver.Delegate(t.Context(), ann))
	if httpserver.Delegated(req.Context()) != ann || httpserver.Delegated(t.Context()) != nil {
		t.Fatal("Delegated does not read what Delegate wrote")
	}
	rec := httpserver.NewRecorder()
	h(rec, req)
	if rec.Status != http.StatusOK || rec.Body.String() != "ann" || rec.Header().Get("Content-Type") != "text/plain" {
		t.Fatalf("delegated: %d %q %v", rec.Status, rec.Body.String(), rec.Header())
	}
}
