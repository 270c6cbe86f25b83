package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

func TestProjectLifecycle(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		r := s.Do("POST", "/api/projects", ann, `{"name":"Atlas","description":"maps","ext":{"textking":{"state":"prepared"}}}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		var p testserver.ProjectJSON
		r.JSON(t, &p)
		if p.Name != "Atlas" || p.Status != "active" || p.Owner.Login != "ann" || p.Version != 1 || p.Workspace != nil {
			t.Fatalf("created %+v", p)
		}
		if loc := r.Header.Get("Location"); loc != fmt.Sprintf("%s/api/projects/%d", s.Base, p.ID) {
			t.Fatalf("Location %q", loc)
		}
		etag := r.Header.Get("ETag")
		if !regexp.MustCompile(`^"[0-9a-f-]{36}\.1"$`).MatchString(etag) {
			t.Fatalf("ETag %q", etag)
		}
		// By id and by uid, with conditional GETs.
		for _, ref := range []string{fmt.Sprint(p.ID), p.UID} {
			r = s.Do("GET", "/api/projects/"+ref, ann, "")
			if r.StatusCode != 200 || r.Header.Get("ETag") != etag {
				t.Fatalf("get %s: %d %s", ref, r.StatusCode, r.Header.Get("ETag"))
			}
			r = s.Do("GET", "/api/projects/"+ref, ann, "", "If-None-Match", etag)
			if r.StatusCode != http.StatusNotModified || len(r.Body) != 0 {
				t.Fatalf("If-None-Match current: %d", r.StatusCode)
			}
			r = s.Do("GET", "/api/projects/"+ref, ann, "", "If-None-Match", `"other"`)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("If-None-Match other: %d", r.StatusCode)
			}
		}
		// Merge patch with the current ETag; the version moves on.
		r = s.Do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"name":"Atlas 2","ext":{"textking":{"state":"running"}}}`,
			"If-Match", etag, "Content-Type", "application/merge-patch+json")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("patch: %d %s", r.StatusCode, r.Body)
		}
		var p2 testserver.ProjectJSON
		r.JSON(t, &p2)
		if p2.Name != "Atlas 2" || p2.Version != 2 || p2.Description != "maps" || string(p2.Ext) != `{"textking":{"state":"running"}}` {
			t.Fatalf("patched %+v", p2)
		}
		etag2 := r.Header.Get("ETag")
		// The stale ETag is a 412, and changes nothing.
		r = s.Do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"name":"lost"}`, "If-Match", etag)
		r.WantProblem(t, http.StatusPreconditionFailed, "")
		r = s.Do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "", "If-Match", etag)
		r.WantProblem(t, http.StatusPreconditionFailed, "")
		// Clearing fields: workspace null, ext null.
		r = s.Do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ann, `{"ext":null,"workspace":null,"status":"archived"}`)
		r.JSON(t, &p2)
		if r.StatusCode != 200 || string(p2.Ext) != "{}" || p2.Status != "archived" || p2.Version != 3 {
			t.Fatalf("clear: %d %s", r.StatusCode, r.Body)
		}
		r = s.Do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "", "If-Match", etag2)
		r.WantProblem(t, http.StatusPreconditionFailed, "")
		r = s.Do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "")
		if r.StatusCode != http.StatusNoContent {
			t.Fatalf("delete: %d %s", r.StatusCode, r.Body)
		}
		s.Do("GET", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").WantProblem(t, 404, "")
		s.Do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").WantProblem(t, 404, "")
	})
}

func TestWalkByCursor(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		want := map[int64]bool{}
		for i := 0; i < 250; i++ {
			p := s.Create(ann, fmt.Sprintf(`{"name":"p%03d"}`, i))
			want[p.ID] = true
		}
		for _, sort := range []string{"", "&sort=-created", "&sort=name,-id", "&sort=-updated,name"} {
			seen := map[int64]int{}
			query := "limit=100" + sort
			pages := 0
			for {
				r := s.Do("GET", "/api/projects?"+query, ann, "")
				var page testserver.PageJSON
				r.JSON(t, &page)
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
		page := s.List(ann, "limit=10&count=exact")
		if page.Total == nil || *page.Total != 250 || len(page.Items) != 10 {
			t.Fatalf("count=exact: %+v", page.Total)
		}
		if s.List(ann, "limit=10").Total != nil {
			t.Fatal("total without count=exact")
		}
	})
}

func TestListFilters(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		bob := s.User("bob", false)
		ada := s.User("ada", true)
		s.CLI("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		a1 := s.Create(ann, `{"name":"alpha","description":"first needle"}`)
		a2 := s.Create(ann, `{"name":"beta","workspace":"team","status":"archived"}`)
		b1 := s.Create(bob, `{"name":"gamma","workspace":"team"}`)
		b2 := s.Create(bob, `{"name":"delta"}`)
		a3 := s.Create(ann, `{"name":"Alpha two","status":"archived"}`)
		all := []testserver.ProjectJSON{a1, a2, b1, b2, a3}
		for _, tc := range []struct {
			token, query string
			want         []testserver.ProjectJSON
		}{
			{ada, "", all},
			{ann, "", []testserver.ProjectJSON{a1, a2, b1, a3}},
			{bob, "", []testserver.ProjectJSON{a2, b1, b2}},
			{ada, "status=archived", []testserver.ProjectJSON{a2, a3}},
			{ada, "owner=bob", []testserver.ProjectJSON{b1, b2}},
			{ada, "workspace=team", []testserver.ProjectJSON{a2, b1}},
			{ada, "q=ALPHA", []testserver.ProjectJSON{a1, a3}},
			{ada, "q=needle", []testserver.ProjectJSON{a1}},
			{ada, fmt.Sprintf("id_gt=%d&id_lte=%d", a1.ID, b2.ID), []testserver.ProjectJSON{a2, b1, b2}},
			{ada, fmt.Sprintf("id_gte=%d&id_lt=%d", a2.ID, b2.ID), []testserver.ProjectJSON{a2, b1}},
			{ada, "created_gte=" + url.QueryEscape(b1.CreatedAt), []testserver.ProjectJSON{b1, b2, a3}},
			{ada, "created_lt=" + url.QueryEscape(b1.CreatedAt), []testserver.ProjectJSON{a1, a2}},
			{ada, "created_gt=" + url.QueryEscape(b1.CreatedAt) + "&created_lte=" + url.QueryEscape(b2.CreatedAt), []testserver.ProjectJSON{b2}},
			{ada, "created_gte=2000-01-01&updated_lt=2999-12-31", all},
			{ada, "updated_gt=2999-01-01", nil},
			{ada, "sort=name", []testserver.ProjectJSON{a3, a1, a2, b2, b1}},
			{ada, "sort=-name", []testserver.ProjectJSON{b1, b2, a2, a1, a3}},
			{ada, "sort=-id", []testserver.ProjectJSON{a3, b2, b1, a2, a1}},
			{ada, "sort=-created", []testserver.ProjectJSON{a3, b2, b1, a2, a1}},
			{ada, "sort=updated", all},
			{ada, "status=active&owner=ann", []testserver.ProjectJSON{a1}},
		} {
			got := s.List(tc.token, tc.query)
			if !slices.Equal(testserver.IDs(got.Items), testserver.IDs(tc.want)) {
				t.Errorf("%s: got %v, want %v", tc.query, testserver.IDs(got.Items), testserver.IDs(tc.want))
			}
		}
	})
}

func TestVisibilityThroughAPI(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		cat := s.User("cat", false)
		r := s.Do("POST", "/api/workspaces", ann, `{"name":"team"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("workspace: %d %s", r.StatusCode, r.Body)
		}
		var made []testserver.ProjectJSON
		for i := 0; i < 5; i++ {
			made = append(made, s.Create(ann, fmt.Sprintf(`{"name":"t%d","workspace":"team"}`, i)))
		}
		private := s.Create(ann, `{"name":"private"}`)
		if got := s.List(cat, ""); len(got.Items) != 0 {
			t.Fatalf("cat lists %v", testserver.IDs(got.Items))
		}
		for _, p := range append(made, private) {
			s.Do("GET", fmt.Sprintf("/api/projects/%d", p.ID), cat, "").WantProblem(t, 404, "")
			s.Do("GET", "/api/projects/"+p.UID, cat, "").WantProblem(t, 404, "")
			s.Do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), cat, `{"name":"x"}`).WantProblem(t, 404, "")
			s.Do("DELETE", fmt.Sprintf("/api/projects/%d", p.ID), cat, "").WantProblem(t, 404, "")
		}
		// Only a workspace owner adds members.
		s.Do("PUT", "/api/workspaces/team/members/cat", cat, `{"role":"member"}`).WantProblem(t, 404, "")
		r = s.Do("PUT", "/api/workspaces/team/members/cat", ann, `{"role":"member"}`)
		if r.StatusCode != 200 {
			t.Fatalf("add cat: %d %s", r.StatusCode, r.Body)
		}
		if got := s.List(cat, "sort=id"); !slices.Equal(testserver.IDs(got.Items), testserver.IDs(made)) {
			t.Fatalf("cat, a member, lists %v, want %v", testserver.IDs(got.Items), testserver.IDs(made))
		}
		s.Do("GET", fmt.Sprintf("/api/projects/%d", private.ID), cat, "").WantProblem(t, 404, "")
		// Seeing is not changing: a plain member gets 403 on writes.
		s.Do("PATCH", fmt.Sprintf("/api/projects/%d", made[0].ID), cat, `{"name":"x"}`).WantProblem(t, 403, "")
		r = s.Do("GET", "/api/workspaces/team/members/cat", cat, "")
		if r.StatusCode != 200 {
			t.Fatalf("get member: %d", r.StatusCode)
		}
		// Any member may leave at once; only owners remove others.
		if r := s.Do("DELETE", "/api/workspaces/team/members/cat", cat, ""); r.StatusCode != 204 {
			t.Fatalf("cat leaves: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("PUT", "/api/workspaces/team/members/cat", ann, `{"role":"member"}`); r.StatusCode != 200 {
			t.Fatalf("cat is added again: %d %s", r.StatusCode, r.Body)
		}
		s.Do("DELETE", "/api/workspaces/team/members/ann", cat, "").WantProblem(t, 403, "")
		if r := s.Do("DELETE", "/api/workspaces/team/members/cat", ann, ""); r.StatusCode != 204 {
			t.Fatalf("remove cat: %d", r.StatusCode)
		}
		if got := s.List(cat, ""); len(got.Items) != 0 {
			t.Fatalf("cat, removed, lists %v", testserver.IDs(got.Items))
		}
		s.Do("GET", "/api/workspaces/team", cat, "").WantProblem(t, 404, "")
		s.Do("GET", "/api/workspaces/team/members/cat", ann, "").WantProblem(t, 404, "")
		s.Do("DELETE", "/api/workspaces/team/members/ann", ann, "").WantProblem(t, 409, "")
		s.Do("POST", "/api/workspaces", cat, `{"name":"team"}`).WantProblem(t, 409, "name")
		var wl struct {
			Items []struct {
				Name string `json:"name"`
			} `json:"items"`
		}
		s.Do("GET", "/api/workspaces", ann, "").JSON(t, &wl)
		if len(wl.Items) != 1 || wl.Items[0].Name != "team" {
			t.Fatalf("workspaces %+v", wl)
		}
	})
}

func TestBadInput(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		for i := 0; i < 3; i++ {
			s.Create(ann, fmt.Sprintf(`{"name":"p%d"}`, i))
		}
		page := s.List(ann, "limit=1&sort=name")
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
				s.Do("GET", "/api/projects?"+tc.query, ann, "").WantProblem(t, 400, tc.param)
			})
		}
		// The same cursor works with a different limit: limits may change between pages.
		if r := s.Do("GET", "/api/projects?sort=name&limit=2&cursor="+url.QueryEscape(cursor), ann, ""); r.StatusCode != 200 {
			t.Fatalf("cursor with another limit: %d %s", r.StatusCode, r.Body)
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
				s.Do("POST", "/api/projects", ann, tc.body).WantProblem(t, 400, tc.field)
			})
		}
		s.Do("POST", "/api/projects", ann, `{"name":"x","owner":"ada"}`).WantProblem(t, 403, "owner")
		s.Do("POST", "/api/projects", ann, `{"name":"x"}`, "Content-Type", "text/plain").WantProblem(t, 415, "")
		s.Do("POST", "/api/projects", ann, `{"name":"`+strings.Repeat("x", 1<<20)+`"}`).WantProblem(t, 413, "")
		s.Do("PATCH", "/api/projects/1", ann, `{"colour":"red"}`).WantProblem(t, 400, "colour")
		s.Do("PATCH", "/api/projects/1", ann, `{"name":null}`).WantProblem(t, 400, "name")
		s.Do("PATCH", "/api/projects/1", ann, `{"name":"x"}`, "Content-Type", "text/plain").WantProblem(t, 415, "")
		s.Do("POST", "/api/tokens", ann, `{"expires_in":"soon"}`).WantProblem(t, 400, "expires_in")
		s.Do("POST", "/api/tokens", ann, `{"scopes":["root"]}`).WantProblem(t, 400, "scopes")
		s.Do("POST", "/api/tokens", ann, `{"scopes":[]}`).WantProblem(t, 400, "scopes") // none is refused; leaving scopes out gives both
		s.Do("PUT", "/api/workspaces/x/members/y", ann, `{"role":"king"}`).WantProblem(t, 400, "role")
		s.Do("POST", "/api/workspaces", ann, `{"name":"A B"}`).WantProblem(t, 400, "name")
		s.Do("GET", "/api/nothing", ann, "").WantProblem(t, 404, "")
	})
}

func TestAuthentication(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		for _, token := range []string{"", "pd_wrong", "not-even-a-token"} {
			r := s.Do("GET", "/api/projects", token, "")
			r.WantProblem(t, 401, "")
			if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Fatalf("401 without WWW-Authenticate: %v", r.Header)
			}
		}
		r := s.Do("GET", "/api/projects", "", "", "Authorization", "Basic "+ann)
		r.WantProblem(t, 401, "")
		readOnly := strings.TrimSpace(s.CLI("token", "create", "--login", "ann", "--scopes", "read"))
		if r := s.Do("GET", "/api/projects", readOnly, ""); r.StatusCode != 200 {
			t.Fatalf("read-only list: %d", r.StatusCode)
		}
		s.Do("POST", "/api/projects", readOnly, `{"name":"x"}`).WantProblem(t, 403, "")
		// Tokens through the API: issue, use, list without secrets, revoke.
		r = s.Do("POST", "/api/tokens", ann, `{"name":"laptop","scopes":["read"],"expires_in":"24h"}`)
		var tok struct {
			ID        int64    `json:"id"`
			Token     string   `json:"token"`
			Scopes    []string `json:"scopes"`
			ExpiresAt *string  `json:"expires_at"`
		}
		r.JSON(t, &tok)
		if r.StatusCode != 201 || tok.Token == "" || tok.ExpiresAt == nil || !slices.Equal(tok.Scopes, []string{"read"}) {
			t.Fatalf("create token: %d %s", r.StatusCode, r.Body)
		}
		var me struct {
			User struct {
				Login string `json:"login"`
			} `json:"user"`
			Scopes []string `json:"scopes"`
		}
		s.Do("GET", "/api/me", tok.Token, "").JSON(t, &me)
		if me.User.Login != "ann" || !slices.Equal(me.Scopes, []string{"read"}) {
			t.Fatalf("me: %+v", me)
		}
		s.Do("POST", "/api/tokens", readOnly, `{"scopes":["write"]}`).WantProblem(t, 403, "")
		r = s.Do("GET", "/api/tokens", ann, "")
		if strings.Contains(string(r.Body), tok.Token) || !strings.Contains(string(r.Body), `"laptop"`) {
			t.Fatalf("token list: %s", r.Body)
		}
		s.Do("DELETE", "/api/tokens/abc", ann, "").WantProblem(t, 404, "")
		if r := s.Do("DELETE", fmt.Sprintf("/api/tokens/%d", tok.ID), ann, ""); r.StatusCode != 204 {
			t.Fatalf("revoke: %d", r.StatusCode)
		}
		s.Do("GET", "/api/me", tok.Token, "").WantProblem(t, 401, "")
		// Public routes need no token.
		for _, path := range []string{"/healthz", "/readyz", "/api/openapi.json"} {
			if r := s.Do("GET", path, "", ""); r.StatusCode != 200 {
				t.Fatalf("%s: %d", path, r.StatusCode)
			}
		}
	})
}

func TestAdminSeesAndManagesAll(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		ada := s.User("ada", true)
		s.User("bob", false)
		p := s.Create(ann, `{"name":"ann's"}`)
		for_bob := s.Create(ada, `{"name":"for bob","owner":"bob"}`)
		if for_bob.Owner.Login != "bob" {
			t.Fatalf("admin created for %s", for_bob.Owner.Login)
		}
		r := s.Do("PATCH", fmt.Sprintf("/api/projects/%d", p.ID), ada, `{"owner":"bob"}`)
		var moved testserver.ProjectJSON
		r.JSON(t, &moved)
		if r.StatusCode != 200 || moved.Owner.Login != "bob" || moved.UpdatedBy != "ada" {
			t.Fatalf("admin moves owner: %d %s", r.StatusCode, r.Body)
		}
		s.Do("GET", fmt.Sprintf("/api/projects/%d", p.ID), ann, "").WantProblem(t, 404, "")
		if got := s.List(ada, ""); len(got.Items) != 2 {
			t.Fatalf("admin lists %d", len(got.Items))
		}
	})
}

// A total the counters cover costs a few rows at any size; one they do not (q, name, id or
// time bounds) counts rows up to 100,000 and past that is a 400 naming count.
func TestCountBeyondCountersIsBounded(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	s := testserver.Start(t, dsn)
	token := s.User("ann", false)
	db := testserver.OpenStore(t, dsn)
	ann, err := db.FindUserByLogin(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	testserver.LoadProjects(t, db, 100_001, func(i int) *projectd.Project {
		return &projectd.Project{Name: fmt.Sprintf("bulk %d", i), Owner: ann}
	})
	db.Close()
	var page testserver.PageJSON
	s.Do("GET", "/api/projects?owner=ann&count=exact&limit=1", token, "").JSON(t, &page)
	if page.Total == nil || *page.Total != 100_001 {
		t.Fatalf("the counters' total: %v", page.Total)
	}
	s.Do("GET", "/api/projects?q=bulk%2099&count=exact&limit=1", token, "").JSON(t, &page)
	if page.Total == nil || *page.Total != 1111 { // bulk 99, bulk 990..999, bulk 9900..9999, bulk 99000..99999
		t.Fatalf("a total of a q under the bound: %v", page.Total)
	}
	s.Do("GET", "/api/projects?q=bulk&count=exact&limit=1", token, "").WantProblem(t, http.StatusBadRequest, "count")
	if r := s.Do("GET", "/api/projects?q=bulk&limit=1", token, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("the same page without its total: %d", r.StatusCode)
	}
}
