package surfaces_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"projectd/internal/testserver"
)

type tokenJSON struct {
	ID        int64      `json:"id"`
	Scopes    []string   `json:"scopes"`
	ExpiresAt *time.Time `json:"expires_at"`
	Token     string     `json:"token"`
}

func mint(t *testing.T, s *testserver.Server, parent, body string) (*testserver.Response, tokenJSON) {
	t.Helper()
	r := s.Do("POST", "/api/tokens", parent, body)
	var tok tokenJSON
	json.Unmarshal(r.Body, &tok)
	return r, tok
}

// A token never mints one that outranks or outlives it, and a token revoked on one
// replica mints nothing on another, and stops working there within two seconds.
func TestDerivedTokensAreBoundedByTheirParent(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, a *testserver.Server) {
		ann := a.User("ann", false)
		_, short := mint(t, a, ann, `{"name":"short","expires_in":"20s"}`)
		r, child := mint(t, a, short.Token, `{"name":"child"}`)
		if r.StatusCode != 201 || child.ExpiresAt == nil || child.ExpiresAt.After(*short.ExpiresAt) {
			t.Fatalf("a child of a 20 s token: %d %s", r.StatusCode, r.Body)
		}
		a.Do("POST", "/api/tokens", short.Token, `{"name":"longer","expires_in":"1h"}`).WantProblem(t, 400, "expires_in")
		_, ro := mint(t, a, ann, `{"name":"ro","scopes":["read"]}`)
		a.Do("POST", "/api/tokens", ro.Token, `{"name":"rw","scopes":["read","write"]}`).WantProblem(t, 403, "")

		// Two replicas on one database: a token cached on b, revoked on a.
		b := testserver.Start(t, a.DSN)
		_, victim := mint(t, a, ann, `{"name":"victim"}`)
		if r := b.Do("GET", "/api/me", victim.Token, ""); r.StatusCode != 200 {
			t.Fatalf("victim on b: %d", r.StatusCode)
		}
		if r := a.Do("DELETE", "/api/tokens/"+jsonInt(victim.ID), ann, ""); r.StatusCode != 204 {
			t.Fatalf("revoke: %d %s", r.StatusCode, r.Body)
		}
		if r := b.Do("POST", "/api/tokens", victim.Token, `{"name":"heir"}`); r.StatusCode != 401 {
			t.Fatalf("a revoked token still cached on b minted: %d %s", r.StatusCode, r.Body)
		}
		deadline := time.Now().Add(2 * time.Second)
		for b.Do("GET", "/api/me", victim.Token, "").StatusCode != 401 {
			if time.Now().After(deadline) {
				t.Fatal("the revoked token still works on b after 2 seconds")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return strings.TrimSpace(string(b)) }
