package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"projectd/api"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// sessionCookie returns the session cookie a response set, or nil.
func sessionCookie(r *testserver.Response) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == api.SessionCookie {
			return c
		}
	}
	return nil
}

// Sign-in with a password sets an HttpOnly, SameSite=Strict cookie that the native API
// takes instead of Authorization; a request with it from another origin that would
// change something is refused; sign-out clears it and revokes what sign-in made; a
// wrong password is a 401 and counts against the address's failed-authentication budget.
func TestSignInWithPassword(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("ann", false)
		var out, errs bytes.Buffer
		if err := s.Program.Run(context.Background(), []string{"user", "passwd", "--login", "ann"}, s.Getenv, strings.NewReader("correct horse\n"), &out, &errs); err != nil {
			t.Fatal(err)
		}
		r := s.Do("POST", "/api/session", "", `{"login":"ann","password":"correct horse"}`)
		c := sessionCookie(r)
		if r.StatusCode != http.StatusOK || c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Secure || c.Expires.IsZero() {
			t.Fatalf("sign-in: %d %s, cookie %+v", r.StatusCode, r.Body, c)
		}
		cookie := api.SessionCookie + "=" + c.Value
		if r := s.Do("GET", "/api/me", "", "", "Cookie", cookie); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"login":"ann"`) {
			t.Fatalf("/api/me with the cookie: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("POST", "/api/projects", "", `{"name":"from elsewhere"}`, "Cookie", cookie, "Sec-Fetch-Site", "cross-site"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("a cross-site create with the cookie: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("POST", "/api/projects", "", `{"name":"from the console"}`, "Cookie", cookie, "Sec-Fetch-Site", "same-origin"); r.StatusCode != http.StatusCreated {
			t.Fatalf("a same-origin create with the cookie: %d %s", r.StatusCode, r.Body)
		}
		r = s.Do("DELETE", "/api/session", "", "", "Cookie", cookie, "Sec-Fetch-Site", "same-origin")
		if c := sessionCookie(r); r.StatusCode != http.StatusNoContent || c == nil || c.MaxAge >= 0 {
			t.Fatalf("sign-out: %d %s, cookie %+v", r.StatusCode, r.Body, c)
		}
		if r := s.Do("GET", "/api/me", "", "", "Cookie", cookie); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("the cookie after sign-out: %d", r.StatusCode)
		}
		for _, body := range []string{`{"login":"ann","password":"wrong horse"}`, `{"login":"nobody","password":"correct horse"}`} {
			if r := s.Do("POST", "/api/session", "", body); r.StatusCode != http.StatusUnauthorized || sessionCookie(r) != nil {
				t.Errorf("%s: %d %s", body, r.StatusCode, r.Body)
			}
		}
		for body, field := range map[string]string{`{"password":"x"}`: "login", `{"login":"ann","token":"t"}`: "token", `{"login":"ann","extra":1}`: "extra"} {
			if r := s.Do("POST", "/api/session", "", body); r.StatusCode != http.StatusBadRequest || !strings.Contains(string(r.Body), `"`+field+`"`) {
				t.Errorf("%s: %d %s, want a 400 naming %s", body, r.StatusCode, r.Body, field)
			}
		}
	})
}

// Signing in with a token sets the cookie to it; signing out leaves the token valid.
func TestSignInWithToken(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		r := s.Do("POST", "/api/session", "", `{"token":"`+ann+`"}`)
		c := sessionCookie(r)
		if r.StatusCode != http.StatusOK || c == nil || c.Value != ann {
			t.Fatalf("sign-in with a token: %d %s, cookie %+v", r.StatusCode, r.Body, c)
		}
		if r := s.Do("DELETE", "/api/session", "", "", "Cookie", api.SessionCookie+"="+ann); r.StatusCode != http.StatusNoContent {
			t.Fatalf("sign-out: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", "/api/me", ann, ""); r.StatusCode != http.StatusOK {
			t.Fatalf("the token after signing out of its session: %d", r.StatusCode)
		}
		if r := s.Do("POST", "/api/session", "", `{"token":"pd_not-a-token"}`); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("a bad token: %d %s", r.StatusCode, r.Body)
		}
	})
}

// Failed sign-ins from one address stop at --auth-failure-limit with a 429.
func TestSignInFailuresAreLimited(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--auth-failure-limit", "3")
	s.User("ann", false)
	var statuses []int
	for range 5 {
		statuses = append(statuses, s.Do("POST", "/api/session", "", `{"login":"ann","password":"guess guess"}`).StatusCode)
	}
	if statuses[0] != 401 || statuses[4] != 429 {
		t.Fatalf("five wrong passwords: %v, want 401s and then 429s", statuses)
	}
}
