package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"projectd"
	"projectd/client"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

func ptr[T any](v T) *T { return &v }

// The iterator pages through 10,000 projects, each once, while another client edits
// some of them; a list error ends it with the API's problem.
func TestProjectsIteratorFollowsCursors(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		token := s.User("ann", false)
		db := testserver.OpenStore(t, s.DSN)
		ann, err := db.FindUserByLogin(t.Context(), "ann")
		if err != nil {
			t.Fatal(err)
		}
		const n = 10_000
		testserver.LoadProjects(t, db, n, func(i int) *projectd.Project {
			return &projectd.Project{Name: fmt.Sprintf("bulk %05d", i), Owner: ann}
		})
		db.Close()
		c, editor := client.New(s.Base, token), client.New(s.Base, token)
		seen := map[int64]int{}
		var edited atomic.Int64
		for p, err := range c.Projects(t.Context(), client.ListOptions{Owner: "ann", Limit: 250}) {
			if err != nil {
				t.Fatal(err)
			}
			seen[p.ID]++
			if len(seen)%97 == 0 { // edit one of the projects still ahead of the loop, and one behind it
				for _, id := range []int64{p.ID - 50, p.ID + 50} {
					if _, err := editor.UpdateProject(t.Context(), fmt.Sprint(id), projectd.ProjectUpdate{Description: ptr("edited during the loop")}, ""); err == nil {
						edited.Add(1)
					}
				}
			}
		}
		if len(seen) != n || edited.Load() < 100 {
			t.Fatalf("saw %d projects (want %d) with %d edits", len(seen), n, edited.Load())
		}
		for id, times := range seen {
			if times != 1 {
				t.Fatalf("project %d came %d times", id, times)
			}
		}
		count := 0
		for p, err := range c.Projects(t.Context(), client.ListOptions{Sort: "bogus"}) {
			var e *client.Error
			if !errors.As(err, &e) || !errors.Is(err, client.ErrInvalid) || p.ID != 0 {
				t.Fatalf("a bad sort: %v", err)
			}
			if _, ok := e.Param("sort"); !ok {
				t.Fatalf("the problem names %+v, not sort", e.InvalidParams)
			}
			count++
		}
		if count != 1 {
			t.Fatalf("a failing list yielded %d times", count)
		}
		page, err := c.ListProjects(t.Context(), client.ListOptions{Owner: "ann", Limit: 3}, "", true)
		if err != nil || page.Total == nil || *page.Total != n || len(page.Projects) != 3 || !page.HasMore || page.NextCursor == "" {
			t.Fatalf("one page with its total: %+v %v", page, err)
		}
	})
}

// A write conditioned on a project's ETag happens only while the project is that
// version; over a newer one it is a *ConflictError that matches ErrStale.
func TestConditionalWrites(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := client.New(s.Base, s.User("ann", false))
		ctx := t.Context()
		p, err := c.CreateProject(ctx, projectd.ProjectCreate{Name: "draft", Ext: json.RawMessage(`{"tasks":{"private_comment":"x"}}`)})
		if err != nil || p.Version != 1 || p.Owner.Login != "ann" || p.CreatedBy.Login != "ann" {
			t.Fatalf("create: %+v %v", p, err)
		}
		first := p.ETag()
		p2, err := c.UpdateProject(ctx, p.UID, projectd.ProjectUpdate{Name: ptr("final"), Ext: json.RawMessage(`{"tasks":{"private_comment":"y"}}`)}, first)
		if err != nil || p2.Version != 2 || p2.Name != "final" || string(p2.Ext) != `{"tasks":{"private_comment":"y"}}` {
			t.Fatalf("a conditional update: %+v %v", p2, err)
		}
		_, err = c.UpdateProject(ctx, p.UID, projectd.ProjectUpdate{Name: ptr("lost")}, first)
		var conflict *client.ConflictError
		if !errors.As(err, &conflict) || conflict.ETag != first || !errors.Is(err, client.ErrStale) || conflict.Problem.Status != 412 {
			t.Fatalf("an update over a newer version: %v", err)
		}
		if err := c.DeleteProject(ctx, p.UID, first); !errors.As(err, &conflict) {
			t.Fatalf("a delete over a newer version: %v", err)
		}
		if got, err := c.Project(ctx, p.UID); err != nil || got.Name != "final" {
			t.Fatalf("after refused writes: %+v %v", got, err)
		}
		if err := c.DeleteProject(ctx, p.UID, p2.ETag()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Project(ctx, p.UID); !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("a deleted project: %v", err)
		}
	})
}

// Refusals are *Error values with the problem document; they match the sentinel of
// their status.
func TestErrorsCarryTheProblem(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	c := client.New(s.Base, s.User("ann", false))
	_, err := c.CreateProject(t.Context(), projectd.ProjectCreate{Name: "", Status: "gone"})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 400 || !errors.Is(err, client.ErrInvalid) || e.Detail == "" {
		t.Fatalf("a bad project: %v", err)
	}
	if _, ok := e.Param("name"); !ok {
		if _, ok := e.Param("status"); !ok {
			t.Fatalf("the problem names neither field: %+v", e.InvalidParams)
		}
	}
	if _, err := client.New(s.Base, "pd_wrong").Me(t.Context()); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("a wrong token: %v", err)
	}
	if _, err := c.Users(t.Context()); !errors.Is(err, client.ErrForbidden) {
		t.Fatalf("a member listing users: %v", err)
	}
	if _, err := c.CreateWorkspace(t.Context(), "wsp", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateWorkspace(t.Context(), "wsp", nil); !errors.Is(err, client.ErrConflict) {
		t.Fatalf("a taken name: %v", err)
	}
	if _, err := client.New("http://127.0.0.1:1", "x").Me(t.Context()); err == nil || errors.As(err, &e) {
		t.Fatalf("an unreachable server: %v", err)
	}
}

// flaky stands in front of the real server and answers the first request of each
// method with a 429 (with Retry-After) or a 503 (without).
type flaky struct {
	mu      sync.Mutex
	refused map[string]bool
	hits    map[string]int
	next    http.Handler
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.hits[r.Method]++
	first := !f.refused[r.Method]
	f.refused[r.Method] = true
	f.mu.Unlock()
	switch {
	case first && r.Method == http.MethodGet:
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"status":429,"title":"Too Many Requests","detail":"slow down"}`))
	case first:
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("upstream is restarting"))
	default:
		f.next.ServeHTTP(w, r)
	}
}

// Requests that are safe to repeat are sent again after a 429 (waiting as Retry-After
// says) or a 503 (with backoff); a POST is not, and a cancelled context stops the wait.
func TestRetriesOnlySafeRequests(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	token := s.User("ann", false)
	target, _ := url.Parse(s.Base)
	f := &flaky{refused: map[string]bool{}, hits: map[string]int{}, next: httputil.NewSingleHostReverseProxy(target)}
	proxy := httptest.NewServer(f)
	defer proxy.Close()
	c := client.New(proxy.URL, token)
	c.RetryWait = 10 * time.Millisecond
	start := time.Now()
	if _, err := c.Me(t.Context()); err != nil || f.hits["GET"] != 2 || time.Since(start) < time.Second {
		t.Fatalf("GET after a 429: %v, %d sends in %s", err, f.hits["GET"], time.Since(start))
	}
	if err := c.ChangePassword(t.Context(), "", "a long password"); err != nil || f.hits["PUT"] != 2 {
		t.Fatalf("PUT after a 503: %v, %d sends", err, f.hits["PUT"])
	}
	_, err := c.CreateWorkspace(t.Context(), "wsp", nil)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 503 || f.hits["POST"] != 1 || e.Detail != "upstream is restarting" {
		t.Fatalf("POST after a 503: %v, %d sends", err, f.hits["POST"])
	}

	f.refused["DELETE"] = false
	f.next = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	if err := c.DeleteToken(ctx, 1); !errors.Is(err, client.ErrTooMany) || time.Since(start) > 5*time.Second {
		t.Fatalf("a wait cut short by the context: %v after %s", err, time.Since(start))
	}
	c.Retries = 0
	f.hits["GET"] = 0
	if _, err := c.Me(t.Context()); !errors.Is(err, client.ErrTooMany) || f.hits["GET"] != 1 {
		t.Fatalf("Retries 0: %v, %d sends", err, f.hits["GET"])
	}
}

// Every other route: me, password and sign-in, workspaces and members, tokens, auth
// codes, access keys, sessions, views, the dashboard, and the admins' users and app keys.
func TestEveryRoute(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	ctx := t.Context()
	admin := client.New(s.Base, s.User("ada", true))
	c := client.New(s.Base, s.User("ann", false))
	s.User("bob", false)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Ready(ctx); err != nil {
		t.Fatal(err)
	}
	for _, surface := range []string{"", "yatasks"} {
		doc, err := c.OpenAPI(ctx, surface)
		if err != nil || !strings.Contains(string(doc), `"openapi":`) {
			t.Fatalf("OpenAPI(%q): %v %.80s", surface, err, doc)
		}
	}
	if _, err := c.OpenAPI(ctx, "nosuch"); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("the document of no surface: %v", err)
	}
	me, err := c.Me(ctx)
	must(err)
	if me.User.Login != "ann" || len(me.Scopes) != 2 {
		t.Fatalf("me: %+v", me)
	}
	must(c.ChangePassword(ctx, "", "ann's password"))
	session, err := c.SignIn(ctx, "ann", "ann's password")
	must(err)
	signedIn := client.New(s.Base, session)
	if me, err := signedIn.Me(ctx); err != nil || me.User.Login != "ann" {
		t.Fatalf("the session token: %+v %v", me, err)
	}
	must(signedIn.SignOut(ctx))
	if _, err := signedIn.Me(ctx); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("after sign-out: %v", err)
	}
	if _, err := c.SignIn(ctx, "ann", "wrong"); !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("a wrong password: %v", err)
	}

	ws, err := c.CreateWorkspace(ctx, "studio", []projectd.WorkspaceMember{{Login: "bob", Role: "member"}})
	must(err)
	if ws.Name != "studio" || len(ws.Members) != 2 {
		t.Fatalf("workspace: %+v", ws)
	}
	must(c.SetMember(ctx, "studio", "ada", "owner"))
	if m, err := c.Member(ctx, "studio", "ada"); err != nil || m.Role != "owner" {
		t.Fatalf("member: %+v %v", m, err)
	}
	must(c.RemoveMember(ctx, "studio", "ada"))
	if got, err := c.Workspace(ctx, "studio"); err != nil || len(got.Members) != 2 {
		t.Fatalf("after removing: %+v %v", got, err)
	}
	if list, err := c.Workspaces(ctx); err != nil || len(list) != 1 {
		t.Fatalf("workspaces: %+v %v", list, err)
	}

	tok, err := c.CreateToken(ctx, "ci", []string{"read"}, "1h")
	must(err)
	if tok.Secret == "" || tok.ExpiresAt == nil {
		t.Fatalf("token: %+v", tok)
	}
	if me, err := client.New(s.Base, tok.Secret).Me(ctx); err != nil || len(me.Scopes) != 1 {
		t.Fatalf("the new token: %+v %v", me, err)
	}
	tokens, err := c.Tokens(ctx)
	must(err)
	if len(tokens) != 2 || tokens[1].Secret != "" {
		t.Fatalf("tokens: %+v", tokens)
	}
	must(c.DeleteToken(ctx, tok.ID))

	code, err := c.CreateAuthCode(ctx)
	must(err)
	if code.Code == "" || code.ExpiresAt == "" {
		t.Fatalf("auth code: %+v", code)
	}
	sessions, err := c.Sessions(ctx)
	must(err)
	if len(sessions) != 0 {
		t.Fatalf("sessions before any exchange: %+v", sessions)
	}
	if err := c.DeleteSession(ctx, 999); !errors.Is(err, client.ErrNotFound) {
		t.Fatalf("an unknown session: %v", err)
	}

	key, err := c.CreateAccessKey(ctx, "")
	must(err)
	if key.AccessKey == "" || key.SecretKey == "" {
		t.Fatalf("access key: %+v", key)
	}
	must(c.DisableAccessKey(ctx, key.AccessKey))
	keys, err := c.AccessKeys(ctx)
	must(err)
	if len(keys) != 1 || !keys[0].Disabled {
		t.Fatalf("keys: %+v", keys)
	}
	must(c.DeleteAccessKey(ctx, key.AccessKey))

	p, err := c.CreateProject(ctx, projectd.ProjectCreate{Name: "shown", Workspace: "studio"})
	must(err)
	views, err := c.ProjectViews(ctx, fmt.Sprint(p.ID))
	must(err)
	if len(views) < 6 || views[0].Status != 200 || views[0].Body == "" {
		t.Fatalf("views: %+v", views)
	}
	d, err := c.Dashboard(ctx)
	must(err)
	if d.Total != 1 || d.ByStatus["active"] != 1 {
		t.Fatalf("dashboard: %+v", d)
	}

	cy, err := admin.CreateUser(ctx, projectd.User{Login: "cy", Email: "cy@example.com"}, "cy's password")
	must(err)
	if cy.Role != "member" || cy.UID == "" {
		t.Fatalf("user: %+v", cy)
	}
	if u, err := admin.SetRole(ctx, "cy", "admin"); err != nil || u.Role != "admin" {
		t.Fatalf("role: %+v %v", u, err)
	}
	users, err := admin.Users(ctx)
	must(err)
	if len(users) != 4 {
		t.Fatalf("users: %+v", users)
	}
	appKey, err := admin.CreateAppKey(ctx, "player")
	must(err)
	apps, err := admin.AppKeys(ctx)
	must(err)
	if appKey == "" || len(apps) != 1 || apps[0].Name != "player" {
		t.Fatalf("app keys: %q %+v", appKey, apps)
	}
}
