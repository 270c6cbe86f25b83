package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

type projectJSON struct {
	ID          int64  `json:"id"`
	UID         string `json:"uid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Owner       struct {
		Login string `json:"login"`
	} `json:"owner"`
	Workspace *string         `json:"workspace"`
	CreatedAt string          `json:"created_at"`
	UpdatedBy string          `json:"updated_by"`
	Version   int64           `json:"version"`
	Ext       json.RawMessage `json:"ext"`
}

type pageJSON struct {
	Items      []projectJSON `json:"items"`
	HasMore    bool          `json:"has_more"`
	NextCursor *string       `json:"next_cursor"`
	Total      *int64        `json:"total"`
}

func (s *server) create(token, body string) projectJSON {
	s.t.Helper()
	r := s.do("POST", "/api/projects", token, body)
	if r.StatusCode != http.StatusCreated {
		s.t.Fatalf("create %s: %d %s", body, r.StatusCode, r.body)
	}
	var p projectJSON
	r.json(s.t, &p)
	return p
}

func (s *server) list(token, query string) pageJSON {
	s.t.Helper()
	r := s.do("GET", "/api/projects?"+query, token, "")
	if r.StatusCode != http.StatusOK {
		s.t.Fatalf("list %s: %d %s", query, r.StatusCode, r.body)
	}
	var p pageJSON
	r.json(s.t, &p)
	return p
}

func ids(ps []projectJSON) []int64 {
	out := make([]int64, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func TestProjectLifecycle(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		r := s.do("POST", "/api/projects", ann, `{"name":"Atlas","description":"maps","ext":{"textking":{"state":"prepared"}}}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.body)
		}
		var p projectJSON
		r.json(t, &p)
		if p.Name != "Atlas" || p.Status != "active" || p.Owner.Login != "ann" || p.Version != 1 || p.Workspace != nil {
			t.Fatalf("created %+v", p)
		}
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("%s/api/projects/%d", s.base, p.ID) {
			t.Fatalf("Location %q", loc)
		}
		etag := r.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f-]{36}\.1"$`).MatchString(etag) {
			t.Fatalf("ETag %q", etag)
		}
		// By id and by uid, with conditional GETs.
		for _, ref := range []string{fmt.Sprint(p.ID), p.UID} {
			r = s.do("GET", "/api/projects/"+ref, ann, "")
			if r.StatusCode != 200 || r.Header.Get("ETag") != etag {
				t.Fatalf("get %s: %d %s", ref, r.StatusCode, r.Header.Get("ETag"))
			}
			r = s.do("GET", "/api/projects/"+ref, ann, "", "If-None-Match", etag)
			if r.StatusCode != http.StatusNotModified || len(r.body) != 0 {
				t.Fatalf("If-None-Match current: %d", r.StatusCode)
			}
			r = s.do("GET", "/api/projects/"+ref, ann, "", "If-None-Match", `"other"`)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("If-None-Match other: %d", r.StatusCode)
			}
		}
		// Merge patch with the current ETag; the version moves on.
		r = s.do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"name":"Atlas 2","ext":{"textking":{"state":"running"}}}`,
			"If-Match", etag, "Content-Type", "application/merge-patch+json")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("patch: %d %s", r.StatusCode, r.body)
		}
		var p2 projectJSON
		r.json(t, &p2)
		if p2.Name != "Atlas 2" || p2.Version != 2 || p2.Description != "maps" || string(p2.Ext) != `{"textking":{"state":"running"}}` {
			t.Fatalf("patched %+v", p2)
		}
		etag2 := r.Header.Get("ETag")
		// The stale ETag is a 412, and changes nothing.
		r = s.do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"name":"lost"}`, "If-Match", etag)
		r.wantProblem(t, http.StatusPreconditionFailed, "")
		r = s.do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "", "If-Match", etag)
		r.wantProblem(t, http.StatusPreconditionFailed, "")
		// Clearing fields: workspace null, ext null.
		r = s.do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"ext":null,"workspace":null,"status":"archived"}`)
		r.json(t, &p2)
		if r.StatusCode != 200 || string(p2.Ext) != "{}" || p2.Status != "archived" || p2.Version != 3 {
			t.Fatalf("clear: %d %s", r.StatusCode, r.body)
		}
		r = s.do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "", "If-Match", etag2)
		r.wantProblem(t, http.StatusPreconditionFailed, "")
		r = s.do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "")
		if r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode, r.body)
		}
		s.do("GET", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").wantProblem(t, 404, "")
		s.do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").wantProblem(t, 404, "")
	})
}

func TestWalkByCursor(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		want := map[int64]bool{}
		for i := 0; i < 250; i++ {
			p := s.create(ann, fmt.Sprintf(`{"name":"p%03d"}`, i))
			want[p.ID] = true
		}
		for _, sort := range []string{"", "&sort=-created", "&sort=name,-id", "&sort=-updated,name"} {
			seen := map[int64]int{}
			query := "limit=100" + sort
			pages := 0
			for {
				r := s.do("GET", "/api/projects?"+query, ann, "")
				var page pageJSON
				r.json(t, &page)
				pages++
				for _, p := range page.Items {
					seen[p.ID]++
				}
				if !page.HasMore {
					if page.NextCursor != nil || r.Header.Get("Link") != "" {
						t.Fatalf("last page has a cursor or link")
					}
					break
				}
				// The Link header and next_cursor agree; follow the Link.
				link := r.Header.Get("Link")
				m := regexp.MustCompile(`^<([^>]+)>; rel="next"$`).FindStringSubmatch(link)
				if m == nil || !strings.Contains(m[1], "cursor="+url.QueryEscape(*page.NextCursor)) {
					t.Fatalf("Link %q, cursor %q", link, *page.NextCursor)
				}
				u, _ := url.Parse(m[1])
				query = u.RawQuery
			}
			if pages != 3 || len(seen) != 250 {
				t.Fatalf("sort %q: %d pages, %d distinct projects", sort, pages, len(seen))
			}
			for id, n := range seen {
				if n != 1 || !want[id] {
					t.Fatalf("sort %q: project %d seen %d times", sort, id, n)
				}
			}
		}
		page := s.list(ann, "limit=10&count=exact")
		if page.Total == nil || *page.Total != 250 || len(page.Items) != 10 {
			t.Fatalf("count=exact: %+v", page.Total)
		}
		if s.list(ann, "limit=10").Total != nil {
			t.Fatal("total without count=exact")
		}
	})
}

func TestListFilters(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		bob := s.user("bob", false)
		ada := s.user("ada", true)
		s.cli("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		a1 := s.create(ann, `{"name":"alpha","description":"first needle"}`)
		a2 := s.create(ann, `{"name":"beta","workspace":"team","status":"archived"}`)
		b1 := s.create(bob, `{"name":"gamma","workspace":"team"}`)
		b2 := s.create(bob, `{"name":"delta"}`)
		a3 := s.create(ann, `{"name":"Alpha two","status":"archived"}`)
		all := []projectJSON{a1, a2, b1, b2, a3}
		for _, tc := range []struct {
			token, query string
			want         []projectJSON
		}{
			{ada, "", all},
			{ann, "", []projectJSON{a1, a2, b1, a3}},
			{bob, "", []projectJSON{a2, b1, b2}},
			{ada, "status=archived", []projectJSON{a2, a3}},
			{ada, "owner=bob", []projectJSON{b1, b2}},
			{ada, "workspace=team", []projectJSON{a2, b1}},
			{ada, "q=ALPHA", []projectJSON{a1, a3}},
			{ada, "q=needle", []projectJSON{a1}},
			{ada, fmt.Sprintf("id_gt=%d&id_lte=%d", a1.ID, b2.ID), []projectJSON{a2, b1, b2}},
			{ada, fmt.Sprintf("id_gte=%d&id_lt=%d", a2.ID, b2.ID), []projectJSON{a2, b1}},
			{ada, "created_gte=" + url.QueryEscape(b1.CreatedAt), []projectJSON{b1, b2, a3}},
			{ada, "created_lt=" + url.QueryEscape(b1.CreatedAt), []projectJSON{a1, a2}},
			{ada, "created_gt=" + url.QueryEscape(b1.CreatedAt) + "&created_lte=" + url.QueryEscape(b2.CreatedAt), []projectJSON{b2}},
			{ada, "created_gte=2000-01-01&updated_lt=2999-12-31", all},
			{ada, "updated_gt=2999-01-01", nil},
			{ada, "sort=name", []projectJSON{a3, a1, a2, b2, b1}},
			{ada, "sort=-name", []projectJSON{b1, b2, a2, a1, a3}},
			{ada, "sort=-id", []projectJSON{a3, b2, b1, a2, a1}},
			{ada, "sort=-created", []projectJSON{a3, b2, b1, a2, a1}},
			{ada, "sort=updated", all},
			{ada, "status=active&owner=ann", []projectJSON{a1}},
		} {
			got := s.list(tc.token, tc.query)
			if !slices.Equal(ids(got.Items), ids(tc.want)) {
				t.Errorf("%s: got %v, want %v", tc.query, ids(got.Items), ids(tc.want))
			}
		}
	})
}

func TestVisibilityThroughAPI(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		cat := s.user("cat", false)
		r := s.do("POST", "/api/workspaces", ann, `{"name":"team"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("workspace: %d %s", r.StatusCode, r.body)
		}
		var made []projectJSON
		for i := 0; i < 5; i++ {
			made = append(made, s.create(ann, fmt.Sprintf(`{"name":"t%d","workspace":"team"}`, i)))
		}
		private := s.create(ann, `{"name":"private"}`)
		if got := s.list(cat, ""); len(got.Items) != 0 {
			t.Fatalf("cat lists %v", ids(got.Items))
		}
		for _, p := range append(made, private) {
			s.do("GET", fmt.Sprintf("/api/projects/%d", p.ID), cat, "").wantProblem(t, 404, "")
			s.do("GET", "/api/projects/"+p.UID, cat, "").wantProblem(t, 404, "")
			s.do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), cat, `{"name":"x"}`).wantProblem(t, 404, "")
			s.do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), cat, "").wantProblem(t, 404, "")
		}
		// Only a workspace owner adds members.
		s.do("PUT", "/api/workspaces/team/members/cat", cat, `{"role":"member"}`).wantProblem(t, 404, "")
		r = s.do("PUT", "/api/workspaces/team/members/cat", ann, `{"role":"member"}`)
		if r.StatusCode != 200 {
			t.Fatalf("add cat: %d %s", r.StatusCode, r.body)
		}
		if got := s.list(cat, "sort=id"); !slices.Equal(ids(got.Items), ids(made)) {
			t.Fatalf("cat, a member, lists %v, want %v", ids(got.Items), ids(made))
		}
		s.do("GET", fmt.Sprintf("/api/projects/%d", private.ID), cat, "").wantProblem(t, 404, "")
		// Seeing is not changing: a plain member gets 403 on writes.
		s.do("PATCH", fmt.Sprintf("/api/projects/%d", made[0].ID), cat, `{"name":"x"}`).wantProblem(t, 403, "")
		r = s.do("GET", "/api/workspaces/team/members/cat", cat, "")
		if r.StatusCode != 200 {
			t.Fatalf("get member: %d", r.StatusCode)
		}
		s.do("DELETE", "/api/workspaces/team/members/cat", cat, "").wantProblem(t, 403, "")
		if r := s.do("DELETE", "/api/workspaces/team/members/cat", ann, ""); r.StatusCode != 204 {
			t.Fatalf("remove cat: %d", r.StatusCode)
		}
		if got := s.list(cat, ""); len(got.Items) != 0 {
			t.Fatalf("cat, removed, lists %v", ids(got.Items))
		}
		s.do("GET", "/api/workspaces/team", cat, "").wantProblem(t, 404, "")
		s.do("GET", "/api/workspaces/team/members/cat", ann, "").wantProblem(t, 404, "")
		s.do("DELETE", "/api/workspaces/team/members/ann", ann, "").wantProblem(t, 409, "")
		s.do("POST", "/api/workspaces", cat, `{"name":"team"}`).wantProblem(t, 409, "name")
		var wl struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		}
		s.do("GET", "/api/workspaces", ann, "").json(t, &wl)
		if len(wl.Items) != 1 || wl.Items[0].Name != "team" {
			t.Fatalf("workspaces %+v", wl)
		}
	})
}

func TestBadInput(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		for i := 0; i < 3; i++ {
			s.create(ann, fmt.Sprintf(`{"name":"p%d"}`, i))
		}
		page := s.list(ann, "limit=1&sort=name")
		cursor := *page.NextCursor
		tampered := []byte(cursor)
		tampered[5] ^= 1
		for _, tc := range []struct{ query, param string }{
			{"cursor=" + url.QueryEscape(string(tampered)) + "&limit=1&sort=name", "cursor"},
			{"cursor=" + url.QueryEscape(cursor[:len(cursor)-2]) + "&limit=1&sort=name", "cursor"},
			{"cursor=" + url.QueryEscape(cursor) + "&limit=1&sort=-name", "cursor"},
			{"cursor=" + url.QueryEscape(cursor) + "&limit=1&sort=name&status=active", "cursor"},
			{"cursor=garbage", "cursor"},
			{"sort=owner", "sort"},
			{"sort=name,name", "sort"},
			{"sort=", "sort"},
			{"sort=id,", "sort"},
			{"created_gt=yesterday", "created_gt"},
			{"created_lte=2024-13-01", "created_lte"},
			{"updated_gte=2024-01-01T25:00:00Z", "updated_gte"},
			{"id_gt=abc", "id_gt"},
			{"id_lte=1.5", "id_lte"},
			{"limit=0", "limit"},
			{"limit=1001", "limit"},
			{"limit=-5", "limit"},
			{"limit=ten", "limit"},
			{"status=deleted", "status"},
			{"count=approx", "count"},
			{"colour=red", "colour"},
			{"owner=", "owner"},
			{"limit=5&limit=6", "limit"},
		} {
			t.Run(tc.query, func(t *testing.T) {
				s.do("GET", "/api/projects?"+tc.query, ann, "").wantProblem(t, 400, tc.param)
			})
		}
		// The same cursor works with a different limit: limits may change between pages.
		if r := s.do("GET", "/api/projects?sort=name&limit=2&cursor="+url.QueryEscape(cursor), ann, ""); r.StatusCode != 200 {
			t.Fatalf("cursor with another limit: %d %s", r.StatusCode, r.body)
		}
		for _, tc := range []struct{ body, field string }{
			{`{}`, "name"},
			{`{"name":""}`, "name"},
			{`{"name":"` + strings.Repeat("n", 257) + `"}`, "name"},
			{`{"name":"x","colour":"red"}`, "colour"},
			{`{"name":7}`, "name"},
			{`{"name":"x","status":"gone"}`, "status"},
			{`{"name":"x","description":["a"]}`, "description"},
			{`{"name":"x","ext":[]}`, "ext"},
			{`{"name":"x","ext":{"other":{}}}`, "ext.other"},
			{`{"name":"x","workspace":"nope"}`, "workspace"},
			{`{"name":"x"} {"name":"y"}`, "body"},
			{`{"name":`, "body"},
			{`["name"]`, "body"},
			{"{\"name\":\"bad \xff\"}", "name"},
		} {
			t.Run(tc.body, func(t *testing.T) {
				s.do("POST", "/api/projects", ann, tc.body).wantProblem(t, 400, tc.field)
			})
		}
		s.do("POST", "/api/projects", ann, `{"name":"x","owner":"ada"}`).wantProblem(t, 403, "owner")
		s.do("POST", "/api/projects", ann, `{"name":"x"}`, "Content-Type", "text/plain").wantProblem(t, 415, "")
		s.do("POST", "/api/projects", ann, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`).wantProblem(t, 413, "")
		s.do("PATCH", "/api/projects/1", ann, `{"colour":"red"}`).wantProblem(t, 400, "colour")
		s.do("PATCH", "/api/projects/1", ann, `{"name":null}`).wantProblem(t, 400, "name")
		s.do("PATCH", "/api/projects/1", ann, `{"name":"x"}`, "Content-Type", "text/plain").wantProblem(t, 415, "")
		s.do("POST", "/api/tokens", ann, `{"expires_in":"soon"}`).wantProblem(t, 400, "expires_in")
		s.do("POST", "/api/tokens", ann, `{"scopes":["root"]}`).wantProblem(t, 400, "scopes")
		s.do("PUT", "/api/workspaces/x/members/y", ann, `{"role":"king"}`).wantProblem(t, 400, "role")
		s.do("POST", "/api/workspaces", ann, `{"name":"A B"}`).wantProblem(t, 400, "name")
		s.do("GET", "/api/nothing", ann, "").wantProblem(t, 404, "")
	})
}

func TestAuthentication(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		for _, token := range []string{"", "pd_wrong", "not-even-a-token"} {
			r := s.do("GET", "/api/projects", token, "")
			r.wantProblem(t, 401, "")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without WWW-Authenticate: %v", r.Header)
			}
		}
		r := s.do("GET", "/api/projects", "", "", "Authorization", "Basic "+ann)
		r.wantProblem(t, 401, "")
		readOnly := strings.TrimSpace(s.cli("token", "create", "--login", "ann", "--scopes", "read"))
		if r := s.do("GET", "/api/projects", readOnly, ""); r.StatusCode != 200 {
			t.Fatalf("read-only list: %d", r.StatusCode)
		}
		s.do("POST", "/api/projects", readOnly, `{"name":"x"}`).wantProblem(t, 403, "")
		// Tokens through the API: issue, use, list without secrets, revoke.
		r = s.do("POST", "/api/tokens", ann, `{"name":"laptop","scopes":["read"],"expires_in":"24h"}`)
		var tok struct {
			ID        int64    `json:"id"`
			Token     string   `json:"token"`
			Scopes    []string `json:"scopes"`
			ExpiresAt *string  `json:"expires_at"`
		}
		r.json(t, &tok)
		if r.StatusCode != 201 || tok.Token == "" || tok.ExpiresAt == nil || !slices.Equal(tok.Scopes, []string{"read"}) {
			t.Fatalf("create token: %d %s", r.StatusCode, r.body)
		}
		var me struct {
			User struct {
				Login string `json:"login"`
			} `json:"user"`
			Scopes []string `json:"scopes"`
		}
		s.do("GET", "/api/me", tok.Token, "").json(t, &me)
		if me.User.Login != "ann" || !slices.Equal(me.Scopes, []string{"read"}) {
			t.Fatalf("me: %+v", me)
		}
		s.do("POST", "/api/tokens", readOnly, `{"scopes":["write"]}`).wantProblem(t, 403, "")
		r = s.do("GET", "/api/tokens", ann, "")
		if strings.Contains(string(r.body), tok.Token) || !strings.Contains(string(r.body), `"laptop"`) {
			t.Fatalf("token list: %s", r.body)
		}
		s.do("DELETE", "/api/tokens/abc", ann, "").wantProblem(t, 404, "")
		if r := s.do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), ann, ""); r.StatusCode != 204 {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		s.do("GET", "/api/me", tok.Token, "").wantProblem(t, 401, "")
		// Public routes need no token.
		for _, path := range []string{"/healthz", "/readyz", "/api/openapi.json"} {
			if r := s.do("GET", path, "", ""); r.StatusCode != 200 {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
		}
	})
}

func TestAdminSeesAndManagesAll(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		ada := s.user("ada", true)
		s.user("bob", false)
		p := s.create(ann, `{"name":"ann's"}`)
		for_bob := s.create(ada, `{"name":"for bob","owner":"bob"}`)
		if for_bob.Owner.Login != "bob" {
			t.Fatalf("admin created for %s", for_bob.Owner.Login)
		}
		r := s.do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ada, `{"owner":"bob"}`)
		var moved projectJSON
		r.json(t, &moved)
		if r.StatusCode != 200 || moved.Owner.Login != "bob" || moved.UpdatedBy != "ada" {
			t.Fatalf("admin moves owner: %d %s", r.StatusCode, r.body)
		}
		s.do("GET", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").wantProblem(t, 404, "")
		if got := s.list(ada, ""); len(got.Items) != 2 {
			t.Fatalf("admin lists %d", len(got.Items))
		}
	})
}
