package api_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"projectd/internal/testserver"
)

// An operator sets a password with `user passwd` (from standard input); the user changes
// it with PUT /api/me/password, which names the field of every refusal.
func TestChangePassword(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		passwd := func(login, stdin string) (string, error) {
			var out, errs bytes.Buffer
			err := s.Program.Run(context.Background(), []string{"user", "passwd", "--login", login}, s.Getenv, strings.NewReader(stdin), &out, &errs)
			return out.String(), err
		}
		if out, err := passwd("ann", "correct horse\n"); err != nil || out != "password of ann set\n" {
			t.Fatalf("user passwd: %q %v", out, err)
		}
		if _, err := passwd("ann", "short\n"); err == nil || !strings.Contains(err.Error(), "password") {
			t.Fatalf("a short password from user passwd: %v", err)
		}
		if _, err := passwd("nobody", "long enough\n"); err == nil || !strings.Contains(err.Error(), "nobody") {
			t.Fatalf("user passwd for an unknown login: %v", err)
		}
		for _, tc := range []struct {
			body   string
			status int
			field  string
		}{
			{`{"current_password":"wrong","password":"battery staple"}`, http.StatusForbidden, "current_password"},
			{`{"current_password":"correct horse","password":"tiny"}`, http.StatusBadRequest, "password"},
			{`{"current_password":"correct horse","password":"battery staple","extra":1}`, http.StatusBadRequest, "extra"},
			{`{"current_password":"correct horse","password":"battery staple"}`, http.StatusNoContent, ""},
			{`{"current_password":"correct horse","password":"again and again"}`, http.StatusForbidden, "current_password"},
		} {
			r := s.Do("PUT", "/api/me/password", ann, tc.body)
			if r.StatusCode != tc.status || (tc.field != "" && !strings.Contains(string(r.Body), `"`+tc.field+`"`)) {
				t.Errorf("%s: %d %s, want %d naming %q", tc.body, r.StatusCode, r.Body, tc.status, tc.field)
			}
		}
		store := testserver.OpenStore(t, s.DSN)
		if _, err := store.CheckPassword(context.Background(), "ann", "battery staple"); err != nil {
			t.Fatalf("the changed password does not sign in: %v", err)
		}
	})
}
