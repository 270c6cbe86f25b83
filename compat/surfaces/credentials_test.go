package surfaces_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectd/compat/ncpmaiu"
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

// Auth codes, the sessions they open and access keys carry the scopes of the token that
// made them and end no later; deleting a session's access token ends the session; a
// refresh never lengthens it.
func TestDerivedCredentialsAreBounded(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "studio"))
		_, writeOnly := mint(t, s, ann, `{"name":"w","scopes":["write"],"expires_in":"30m"}`)
		var code struct {
			AuthCode string `json:"auth_code"`
		}
		s.Do("POST", "/api/authcodes", writeOnly.Token, "").JSON(t, &code)
		var session struct{ AccessToken, RefreshToken string }
		r := s.Do("POST", "/accounts/identity/session", "", `{"auth_code":"`+code.AuthCode+`"}`, "Api-Key", appKey)
		r.JSON(t, &session)
		if r.StatusCode != 200 {
			t.Fatalf("session: %d %s", r.StatusCode, r.Body)
		}
		// The session's access token can write but not read, and ends with its parent.
		var list struct{ Items []tokenJSON }
		s.Do("GET", "/api/tokens", ann, "").JSON(t, &list)
		tokens := list.Items
		var access tokenJSON
		for _, tok := range tokens {
			if len(tok.Scopes) == 1 && tok.Scopes[0] == "write" && tok.ID != writeOnly.ID {
				access = tok
			}
		}
		if access.ID == 0 || access.ExpiresAt == nil || access.ExpiresAt.After(*writeOnly.ExpiresAt) {
			t.Fatalf("the session's access token: %+v among %+v", access, tokens)
		}
		if r := s.Do("GET", "/studio-pro/my", session.AccessToken, "", "Api-Key", appKey); r.StatusCode != 403 {
			t.Fatalf("a write-only session read: %d %s", r.StatusCode, r.Body)
		}
		// A refresh keeps the session's end; deleting the access token ends the session.
		var next struct{ AccessToken, RefreshToken string }
		r = s.Do("POST", "/accounts/token", "", `{"grantType":"session","refreshToken":"`+session.RefreshToken+`"}`, "Api-Key", appKey)
		r.JSON(t, &next)
		if r.StatusCode != 200 {
			t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
		}
		s.Do("GET", "/api/tokens", ann, "").JSON(t, &list)
		for _, tok := range list.Items {
			if tok.Scopes[0] == "write" && len(tok.Scopes) == 1 && tok.ID != writeOnly.ID {
				if tok.ExpiresAt.After(*writeOnly.ExpiresAt) {
					t.Fatalf("a refresh outlived the parent: %v", tok.ExpiresAt)
				}
				if r := s.Do("DELETE", "/api/tokens/"+jsonInt(tok.ID), ann, ""); r.StatusCode != 204 {
					t.Fatalf("delete the access token: %d", r.StatusCode)
				}
			}
		}
		r = s.Do("POST", "/accounts/token", "", `{"grantType":"session","refreshToken":"`+next.RefreshToken+`"}`, "Api-Key", appKey)
		if r.StatusCode != 401 {
			t.Fatalf("a session whose access token was deleted refreshed: %d %s", r.StatusCode, r.Body)
		}
		// An access key minted by the write-only token signs with write alone, and expires.
		var key struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		s.Do("POST", "/api/keys", writeOnly.Token, `{"expires_in":"10m"}`).JSON(t, &key)
		s.Do("POST", "/api/keys", writeOnly.Token, `{"expires_in":"2h"}`).WantProblem(t, 400, "expires_in")
		s.CLI("workspace", "create", "--name", "team", "--owner", "ann")
		uri := "/api/v1/workspaces/team/projects"
		ts := strconvMillis()
		sig := []string{"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", key.AccessKey,
			"x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(key.SecretKey), "GET", uri, ts, key.AccessKey)}
		if r := s.Do("GET", uri, "", "", sig...); r.StatusCode != 403 {
			t.Fatalf("a write-only key read: %d %s", r.StatusCode, r.Body)
		}
	})
}

func strconvMillis() string { return strconv.FormatInt(time.Now().UnixMilli(), 10) }

// Users list, disable and delete their own access keys, and list and end their own
// sessions, through the native API; nobody else's.
func TestOwnKeysAndSessions(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann, bob := s.User("ann", false), s.User("bob", false)
		appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "studio"))
		var key struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		s.Do("POST", "/api/keys", ann, "").JSON(t, &key)
		var keys struct {
			Items []map[string]any `json:"items"`
		}
		r := s.Do("GET", "/api/keys", ann, "")
		r.JSON(t, &keys)
		if len(keys.Items) != 1 || keys.Items[0]["access_key"] != key.AccessKey || strings.Contains(string(r.Body), key.SecretKey) {
			t.Fatalf("ann's keys: %s", r.Body)
		}
		s.Do("POST", "/api/keys/"+key.AccessKey+"/disable", bob, "").WantProblem(t, 404, "")
		s.Do("DELETE", "/api/keys/"+key.AccessKey, bob, "").WantProblem(t, 404, "")
		if r := s.Do("POST", "/api/keys/"+key.AccessKey+"/disable", ann, ""); r.StatusCode != 204 {
			t.Fatalf("disable: %d %s", r.StatusCode, r.Body)
		}
		uri, ts := "/api/v1/workspaces/team/projects", strconvMillis()
		r = s.Do("GET", uri, "", "", "x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", key.AccessKey,
			"x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(key.SecretKey), "GET", uri, ts, key.AccessKey))
		if r.StatusCode != 401 || !strings.Contains(string(r.Body), `"210"`) {
			t.Fatalf("a disabled key signed: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("DELETE", "/api/keys/"+key.AccessKey, ann, ""); r.StatusCode != 204 {
			t.Fatalf("delete: %d %s", r.StatusCode, r.Body)
		}
		s.Do("GET", "/api/keys", ann, "").JSON(t, &keys)
		if len(keys.Items) != 0 {
			t.Fatalf("a deleted key is listed: %+v", keys.Items)
		}
		// Sessions.
		var code struct {
			AuthCode string `json:"auth_code"`
		}
		s.Do("POST", "/api/authcodes", ann, "").JSON(t, &code)
		var session struct{ AccessToken, RefreshToken string }
		s.Do("POST", "/accounts/identity/session", "", `{"auth_code":"`+code.AuthCode+`"}`, "Api-Key", appKey).JSON(t, &session)
		var sessions struct {
			Items []struct{ ID int64 } `json:"items"`
		}
		s.Do("GET", "/api/sessions", ann, "").JSON(t, &sessions)
		if len(sessions.Items) != 1 {
			t.Fatalf("sessions: %+v", sessions)
		}
		id := jsonInt(sessions.Items[0].ID)
		s.Do("DELETE", "/api/sessions/"+id, bob, "").WantProblem(t, 404, "")
		if r := s.Do("DELETE", "/api/sessions/"+id, ann, ""); r.StatusCode != 204 {
			t.Fatalf("end session: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", "/studio-pro/my", session.AccessToken, "", "Api-Key", appKey); r.StatusCode != 401 {
			t.Fatalf("an ended session's access token: %d", r.StatusCode)
		}
		if r := s.Do("POST", "/accounts/token", "", `{"grantType":"session","refreshToken":"`+session.RefreshToken+`"}`, "Api-Key", appKey); r.StatusCode != 401 {
			t.Fatalf("an ended session refreshed: %d", r.StatusCode)
		}
	})
}
