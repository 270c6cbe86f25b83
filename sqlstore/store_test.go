package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"projectd"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// forEachStore runs test on a fresh store of every flavour.
func forEachStore(t *testing.T, test func(t *testing.T, db *sqlstore.DB)) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) {
			dsn := f.New(t)
			db, err := sqlstore.Open(context.Background(), dsn, testdb.Extensions(nil))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			db.MasterKey = []byte("0123456789abcdef0123456789abcdef")
			// A clock that ticks one second a call keeps times distinct and predictable.
			var mu sync.Mutex
			clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			db.Now = func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				clock = clock.Add(time.Second)
				return clock
			}
			test(t, db)
		})
	}
}

// fixture is a small world: ada is an admin; ann owns workspace team, where bob is a
// member; cat belongs to no workspace.
type fixture struct {
	db                 *sqlstore.DB
	ada, ann, bob, cat context.Context
	users              map[string]*projectd.User
}

func as(u *projectd.User, scopes ...string) context.Context {
	if len(scopes) == 0 {
		scopes = []string{projectd.ScopeRead, projectd.ScopeWrite}
	}
	return projectd.NewContextWithAuth(context.Background(), &projectd.Auth{User: u, Scopes: scopes})
}

func newFixture(t *testing.T, db *sqlstore.DB) *fixture {
	t.Helper()
	f := &fixture{db: db, users: map[string]*projectd.User{}}
	for _, login := range []string{"ada", "ann", "bob", "cat"} {
		u := &projectd.User{Login: login, Email: login + "@example.com", FirstName: strings.ToUpper(login[:1]) + login[1:]}
		if login == "ada" {
			u.Role = projectd.RoleAdmin
		}
		if err := db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		f.users[login] = u
	}
	f.ada, f.ann, f.bob, f.cat = as(f.users["ada"]), as(f.users["ann"]), as(f.users["bob"]), as(f.users["cat"])
	if _, err := db.CreateWorkspace(f.ann, "team", []projectd.WorkspaceMember{{Login: "bob", Role: projectd.WorkspaceRoleMember}}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) create(t *testing.T, ctx context.Context, c projectd.ProjectCreate) *projectd.Project {
	t.Helper()
	p, err := f.db.CreateProject(ctx, &c)
	if err != nil {
		t.Fatalf("create %q: %v", c.Name, err)
	}
	return p
}

func names(ps []*projectd.Project) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

func list(t *testing.T, db *sqlstore.DB, ctx context.Context, q projectd.ProjectQuery) []*projectd.Project {
	t.Helper()
	q.Limit = projectd.MaxLimit
	page, err := db.ListProjects(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return page.Projects
}

func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if projectd.ErrorCode(err) != code || (field != "" && projectd.ErrorField(err) != field) {
		t.Fatalf("got error %v, want code %s field %q", err, code, field)
	}
}

func TestVisibility(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		annOwn := f.create(t, f.ann, projectd.ProjectCreate{Name: "ann own"})
		annTeam := f.create(t, f.ann, projectd.ProjectCreate{Name: "ann team", Workspace: "team"})
		bobOwn := f.create(t, f.bob, projectd.ProjectCreate{Name: "bob own"})
		catOwn := f.create(t, f.cat, projectd.ProjectCreate{Name: "cat own"})

		for _, tc := range []struct {
			who  context.Context
			name string
			sees []string
		}{
			{f.ada, "ada", []string{"ann own", "ann team", "bob own", "cat own"}},
			{f.ann, "ann", []string{"ann own", "ann team"}},
			{f.bob, "bob", []string{"ann team", "bob own"}},
			{f.cat, "cat", []string{"cat own"}},
		} {
			got := names(list(t, db, tc.who, projectd.ProjectQuery{}))
			if !slices.Equal(got, tc.sees) {
				t.Errorf("%s lists %v, want %v", tc.name, got, tc.sees)
			}
			n, err := db.CountProjects(tc.who, projectd.ProjectFilter{})
			if err != nil || n != int64(len(tc.sees)) {
				t.Errorf("%s counts %d (%v), want %d", tc.name, n, err, len(tc.sees))
			}
			for _, p := range []*projectd.Project{annOwn, annTeam, bobOwn, catOwn} {
				for _, ref := range []string{fmt.Sprint(p.ID), p.UID} {
					_, err := db.FindProject(tc.who, ref)
					if slices.Contains(tc.sees, p.Name) != (err == nil) {
						t.Errorf("%s finds %s by %s: err %v", tc.name, p.Name, ref, err)
					}
					if err != nil {
						wantCode(t, err, projectd.ENOTFOUND, "")
					}
				}
			}
		}
		// cat sees ann's team project once added to the workspace, and not after removal.
		if _, err := db.SetWorkspaceMember(f.ann, "team", "cat", projectd.WorkspaceRoleMember); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindProject(f.cat, annTeam.UID); err != nil {
			t.Errorf("cat, now a member, cannot see the team project: %v", err)
		}
		if err := db.RemoveWorkspaceMember(f.ann, "team", "cat"); err != nil {
			t.Fatal(err)
		}
		_, err := db.FindProject(f.cat, annTeam.UID)
		wantCode(t, err, projectd.ENOTFOUND, "")
		// Anonymous callers get nothing at all.
		_, err = db.ListProjects(context.Background(), projectd.ProjectQuery{})
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		for _, ref := range []string{"0", "-1", "abc", "99999"} {
			_, err := db.FindProject(f.ada, ref)
			wantCode(t, err, projectd.ENOTFOUND, "")
		}
	})
}

func TestWritePermissions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		annTeam := f.create(t, f.ann, projectd.ProjectCreate{Name: "ann team", Workspace: "team"})
		bobTeam := f.create(t, f.bob, projectd.ProjectCreate{Name: "bob team", Workspace: "team"})
		catOwn := f.create(t, f.cat, projectd.ProjectCreate{Name: "cat own"})
		rename := func(s string) *projectd.ProjectUpdate { return &projectd.ProjectUpdate{Name: &s} }

		// bob sees ann's team project but, as a plain member, may not change it.
		_, err := db.UpdateProject(f.bob, annTeam.UID, rename("x"), "")
		wantCode(t, err, projectd.EFORBIDDEN, "")
		wantCode(t, db.DeleteProject(f.bob, annTeam.UID, ""), projectd.EFORBIDDEN, "")
		// ann owns the workspace, so she may change bob's project in it.
		if p, err := db.UpdateProject(f.ann, bobTeam.UID, rename("renamed by ann"), ""); err != nil || p.UpdatedBy.Login != "ann" || p.Version != 2 {
			t.Fatalf("ann renames bob's team project: %+v, %v", p, err)
		}
		// Nobody but admins sees cat's project: others get not-found, never forbidden.
		_, err = db.UpdateProject(f.ann, catOwn.UID, rename("x"), "")
		wantCode(t, err, projectd.ENOTFOUND, "")
		if _, err := db.UpdateProject(f.ada, catOwn.UID, rename("by admin"), ""); err != nil {
			t.Fatal(err)
		}
		// Members cannot give projects away, nor create them for others.
		owner := "cat"
		_, err = db.UpdateProject(f.ann, annTeam.UID, &projectd.ProjectUpdate{Owner: &owner}, "")
		wantCode(t, err, projectd.EFORBIDDEN, "owner")
		_, err = db.CreateProject(f.ann, &projectd.ProjectCreate{Name: "for cat", Owner: "cat"})
		wantCode(t, err, projectd.EFORBIDDEN, "owner")
		p, err := db.CreateProject(f.ada, &projectd.ProjectCreate{Name: "for cat", Owner: "cat"})
		if err != nil || p.Owner.Login != "cat" || p.CreatedBy.Login != "ada" {
			t.Fatalf("admin creates for cat: %+v, %v", p, err)
		}
		// A workspace the caller does not belong to is not there for them.
		_, err = db.CreateProject(f.cat, &projectd.ProjectCreate{Name: "sneak", Workspace: "team"})
		wantCode(t, err, projectd.EINVALID, "workspace")
		// A read-only token cannot write.
		_, err = db.CreateProject(as(f.users["ann"], projectd.ScopeRead), &projectd.ProjectCreate{Name: "ro"})
		wantCode(t, err, projectd.EFORBIDDEN, "")
		if err := db.DeleteProject(f.ann, annTeam.UID, ""); err != nil {
			t.Fatal(err)
		}
		_, err = db.FindProject(f.ann, annTeam.UID)
		wantCode(t, err, projectd.ENOTFOUND, "")
	})
}

func TestMembershipRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		_, err := db.SetWorkspaceMember(f.bob, "team", "cat", projectd.WorkspaceRoleMember)
		wantCode(t, err, projectd.EFORBIDDEN, "")
		_, err = db.SetWorkspaceMember(f.cat, "team", "cat", projectd.WorkspaceRoleOwner)
		wantCode(t, err, projectd.ENOTFOUND, "")
		wantCode(t, db.RemoveWorkspaceMember(f.ann, "team", "ann"), projectd.ECONFLICT, "")
		_, err = db.SetWorkspaceMember(f.ann, "team", "bob", "boss")
		wantCode(t, err, projectd.EINVALID, "role")
		_, err = db.CreateWorkspace(f.cat, "team", nil)
		wantCode(t, err, projectd.ECONFLICT, "name")
		_, err = db.CreateWorkspace(f.cat, "No Caps", nil)
		wantCode(t, err, projectd.EINVALID, "name")
		list, err := db.ListWorkspaces(f.cat)
		if err != nil || len(list) != 0 {
			t.Fatalf("cat lists %v, %v", list, err)
		}
		ws, err := db.FindWorkspace(f.bob, "team")
		if err != nil || len(ws.Members) != 2 || ws.Members[0].Login != "ann" || ws.Members[0].Role != "owner" {
			t.Fatalf("bob finds team: %+v, %v", ws, err)
		}
	})
}

// world creates projects with varied fields for the filter and sort tests.
func world(t *testing.T, f *fixture) []*projectd.Project {
	var all []*projectd.Project
	words := []string{"alpha", "Beta", "gamma", "delta", "Alpha two", "épsilon", "zeta_x", "eta%"}
	for i := 0; i < 40; i++ {
		ctx, ws := f.ann, ""
		switch i % 4 {
		case 1:
			ctx = f.bob
		case 2:
			ws = "team"
		case 3:
			ctx = f.cat
		}
		c := projectd.ProjectCreate{
			Name:        fmt.Sprintf("%s %02d", words[i%len(words)], i%7),
			Description: []string{"", "needle in here", "plain"}[i%3],
			Workspace:   ws,
		}
		if i%5 == 0 {
			c.Status = projectd.StatusArchived
		}
		switch i % 6 {
		case 0:
			c.Ext = json.RawMessage(`{"textking":{"state":"running"},"tervis":{"Status":3}}`)
		case 1:
			c.Ext = json.RawMessage(`{"textking":{"state":"finished"},"tasks":{"private_comment":"c` + fmt.Sprint(i%3) + `"}}`)
		case 2:
			c.Ext = json.RawMessage(`{"maiu":{"isBaseProject":true}}`)
		}
		all = append(all, f.create(t, ctx, c))
	}
	// Some updates, so that updated order differs from created order.
	for _, i := range []int{3, 17, 8, 30} {
		desc := "touched"
		p, err := f.db.UpdateProject(f.ada, all[i].UID, &projectd.ProjectUpdate{Description: &desc}, "")
		if err != nil {
			t.Fatal(err)
		}
		all[i] = p
	}
	return all
}

func TestFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		all := world(t, f)
		at := func(i int) *time.Time { t := all[i].CreatedAt; return &t }
		upd := func(i int) *time.Time { t := all[i].UpdatedAt; return &t }
		id := func(i int) *int64 { return &all[i].ID }
		ext := func(p *projectd.Project, path string) any { return projectd.ExtValue(p.Ext, path) }
		for _, tc := range []struct {
			name   string
			filter projectd.ProjectFilter
			want   func(p *projectd.Project) bool
		}{
			{"status", projectd.ProjectFilter{Status: "archived"}, func(p *projectd.Project) bool { return p.Status == "archived" }},
			{"owner login", projectd.ProjectFilter{Owner: "bob"}, func(p *projectd.Project) bool { return p.Owner.Login == "bob" }},
			{"owner uid", projectd.ProjectFilter{Owner: f.users["cat"].UID}, func(p *projectd.Project) bool { return p.Owner.Login == "cat" }},
			{"owner id", projectd.ProjectFilter{OwnerID: f.users["ann"].ID}, func(p *projectd.Project) bool { return p.Owner.Login == "ann" }},
			{"unknown owner", projectd.ProjectFilter{Owner: "nobody"}, func(p *projectd.Project) bool { return false }},
			{"workspace", projectd.ProjectFilter{Workspace: "team"}, func(p *projectd.Project) bool { return p.Workspace == "team" }},
			{"id_gt", projectd.ProjectFilter{IDGt: id(10)}, func(p *projectd.Project) bool { return p.ID > all[10].ID }},
			{"id_gte id_lt", projectd.ProjectFilter{IDGte: id(10), IDLt: id(20)}, func(p *projectd.Project) bool { return p.ID >= all[10].ID && p.ID < all[20].ID }},
			{"id_lte", projectd.ProjectFilter{IDLte: id(5)}, func(p *projectd.Project) bool { return p.ID <= all[5].ID }},
			{"created_gt", projectd.ProjectFilter{CreatedGt: at(12)}, func(p *projectd.Project) bool { return p.CreatedAt.After(all[12].CreatedAt) }},
			{"created_gte lte", projectd.ProjectFilter{CreatedGte: at(12), CreatedLte: at(14)}, func(p *projectd.Project) bool {
				return !p.CreatedAt.Before(all[12].CreatedAt) && !p.CreatedAt.After(all[14].CreatedAt)
			}},
			{"created_lt", projectd.ProjectFilter{CreatedLt: at(3)}, func(p *projectd.Project) bool { return p.CreatedAt.Before(all[3].CreatedAt) }},
			{"updated_gt", projectd.ProjectFilter{UpdatedGt: upd(39)}, func(p *projectd.Project) bool { return p.UpdatedAt.After(all[39].UpdatedAt) }},
			{"updated_gte lt", projectd.ProjectFilter{UpdatedGte: upd(17), UpdatedLt: upd(30)}, func(p *projectd.Project) bool {
				return !p.UpdatedAt.Before(all[17].UpdatedAt) && p.UpdatedAt.Before(all[30].UpdatedAt)
			}},
			{"updated_lte", projectd.ProjectFilter{UpdatedLte: upd(2)}, func(p *projectd.Project) bool { return !p.UpdatedAt.After(all[2].UpdatedAt) }},
			{"q in description", projectd.ProjectFilter{Q: "NEEDLE"}, func(p *projectd.Project) bool { return strings.Contains(p.Description, "needle") }},
			{"q in name, any case", projectd.ProjectFilter{Q: "alpha"}, func(p *projectd.Project) bool { return strings.Contains(strings.ToLower(p.Name), "alpha") }},
			{"q escapes %", projectd.ProjectFilter{Q: "a%"}, func(p *projectd.Project) bool { return strings.Contains(p.Name, "a%") }},
			{"q escapes _", projectd.ProjectFilter{Q: "a_x"}, func(p *projectd.Project) bool { return strings.Contains(p.Name, "a_x") }},
			{"ext text", projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "textking.state", Value: "running"}}}, func(p *projectd.Project) bool { return ext(p, "textking.state") == "running" }},
			{"ext text default", projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "textking.state", Value: "prepared"}}}, func(p *projectd.Project) bool { return ext(p, "textking.state") == nil }},
			{"ext int", projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "tervis.Status", Value: int64(3)}}}, func(p *projectd.Project) bool { return ext(p, "tervis.Status") != nil }},
			{"ext int default", projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "tervis.Status", Value: int64(0)}}}, func(p *projectd.Project) bool { return ext(p, "tervis.Status") == nil }},
			{"ext bool", projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "maiu.isBaseProject", Value: true}}}, func(p *projectd.Project) bool { return ext(p, "maiu.isBaseProject") == true }},
			{"combined", projectd.ProjectFilter{Status: "active", Workspace: "team", IDGt: id(4)}, func(p *projectd.Project) bool {
				return p.Status == "active" && p.Workspace == "team" && p.ID > all[4].ID
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var want []string
				for _, p := range all {
					if tc.want(p) {
						want = append(want, p.Name)
					}
				}
				got := names(list(t, db, f.ada, projectd.ProjectQuery{Filter: tc.filter}))
				if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("got %v\nwant %v", got, want)
				}
				n, err := db.CountProjects(f.ada, tc.filter)
				if err != nil || n != int64(len(want)) {
					t.Errorf("count %d (%v), want %d", n, err, len(want))
				}
			})
		}
		_, err := db.ListProjects(f.ada, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "textking.number", Value: "1"}}}})
		wantCode(t, err, projectd.EINVALID, "ext")
		_, err = db.ListProjects(f.ada, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "tervis.Status", Value: "3"}}}})
		wantCode(t, err, projectd.EINVALID, "ext.tervis.Status")
	})
}

// reference sorts projects in Go as the store should.
func reference(ext *projectd.Extensions, all []*projectd.Project, keys []projectd.SortKey) []*projectd.Project {
	out := slices.Clone(all)
	sort.SliceStable(out, func(i, j int) bool {
		for _, k := range keys {
			a, b := ext.SortValue(out[i], k.Field), ext.SortValue(out[j], k.Field)
			c := compare(a, b)
			if c == 0 {
				continue
			}
			return (c < 0) != k.Desc
		}
		return false
	})
	return out
}

func compare(a, b any) int {
	switch x := a.(type) {
	case int64:
		return cmpOrdered(x, b.(int64))
	case string:
		return strings.Compare(x, b.(string))
	case time.Time:
		return x.Compare(b.(time.Time))
	}
	panic(fmt.Sprintf("cannot compare %T", a))
}

func cmpOrdered[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSortAndPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		all := world(t, f)
		for _, spec := range [][]projectd.SortKey{
			nil,
			{{Field: "id", Desc: true}},
			{{Field: "created"}},
			{{Field: "created", Desc: true}},
			{{Field: "updated", Desc: true}},
			{{Field: "name"}},
			{{Field: "name", Desc: true}, {Field: "created"}},
			{{Field: "updated"}, {Field: "name", Desc: true}},
			{{Field: "ext.tasks.private_comment"}, {Field: "created", Desc: true}},
		} {
			q := projectd.ProjectQuery{Sort: spec}
			if err := q.Normalize(db.Ext); err != nil {
				t.Fatal(err)
			}
			want := names(reference(db.Ext, all, q.Sort))
			t.Run(fmt.Sprint(spec), func(t *testing.T) {
				// Keyset: each page starts after the last row of the one before.
				var got []string
				var after []any
				for pages := 0; ; pages++ {
					page, err := db.ListProjects(f.ada, projectd.ProjectQuery{Sort: spec, Limit: 7, After: after})
					if err != nil {
						t.Fatal(err)
					}
					got = append(got, names(page.Projects)...)
					if !page.HasMore {
						break
					}
					if pages > 10 {
						t.Fatal("paging does not end")
					}
					after = db.Ext.Keyset(page.Projects[len(page.Projects)-1], q.Sort)
				}
				if !slices.Equal(got, want) {
					t.Errorf("keyset pages give\n%v\nwant\n%v", got, want)
				}
				// Offset paging gives the same order.
				got = nil
				for offset := 0; offset < len(all); offset += 9 {
					page, err := db.ListProjects(f.ada, projectd.ProjectQuery{Sort: spec, Limit: 9, Offset: offset})
					if err != nil {
						t.Fatal(err)
					}
					if page.HasMore != (offset+9 < len(all)) {
						t.Errorf("offset %d: has_more %v", offset, page.HasMore)
					}
					got = append(got, names(page.Projects)...)
				}
				if !slices.Equal(got, want) {
					t.Errorf("offset pages give\n%v\nwant\n%v", got, want)
				}
				// Streaming gives the same order too, whole.
				got = nil
				err := db.StreamProjects(f.ada, projectd.ProjectQuery{Sort: spec}, func(p *projectd.Project) error {
					got = append(got, p.Name)
					return nil
				})
				if err != nil || !slices.Equal(got, want) {
					t.Errorf("stream gives %v (%v)", got, err)
				}
			})
		}
		page, err := db.ListProjects(f.ada, projectd.ProjectQuery{Limit: 5, Count: true, Filter: projectd.ProjectFilter{Owner: "ann"}})
		if err != nil || page.Total != 20 || len(page.Projects) != 5 || !page.HasMore {
			t.Errorf("count with page: total %d, %d items, more %v, %v", page.Total, len(page.Projects), page.HasMore, err)
		}
		_, err = db.ListProjects(f.ada, projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: "owner"}}})
		wantCode(t, err, projectd.EINVALID, "sort")
		_, err = db.ListProjects(f.ada, projectd.ProjectQuery{After: []any{int64(1), int64(2)}})
		wantCode(t, err, projectd.EINVALID, "cursor")
	})
}

func TestUpdatesAndConcurrency(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		p := f.create(t, f.ann, projectd.ProjectCreate{Name: "counter", Workspace: "team",
			Ext: json.RawMessage(`{"textking": {"state": "prepared", "currency": "EUR"}}`)})
		if string(p.Ext) != `{"textking":{"state":"prepared","currency":"EUR"}}` || p.Version != 1 {
			t.Fatalf("created ext %s version %d", p.Ext, p.Version)
		}
		// Merge patch: change one member, remove another, keep the rest.
		p2, err := db.UpdateProject(f.ann, p.UID, &projectd.ProjectUpdate{Ext: json.RawMessage(`{"textking":{"currency":null,"state":"running"},"tervis":{"Status":2}}`)}, p.ETag())
		if err != nil {
			t.Fatal(err)
		}
		if projectd.ExtValue(p2.Ext, "textking.state") != "running" || projectd.ExtValue(p2.Ext, "textking.currency") != nil ||
			fmt.Sprint(projectd.ExtValue(p2.Ext, "tervis.Status")) != "2" || p2.Version != 2 || !p2.UpdatedAt.After(p.UpdatedAt) {
			t.Fatalf("after patch: ext %s version %d", p2.Ext, p2.Version)
		}
		// The old ETag no longer matches.
		name := "stale"
		_, err = db.UpdateProject(f.ann, p.UID, &projectd.ProjectUpdate{Name: &name}, p.ETag())
		wantCode(t, err, projectd.EPRECONDITION, "")
		wantCode(t, db.DeleteProject(f.ann, p.UID, p.ETag()), projectd.EPRECONDITION, "")
		// A patch that breaks an indexed type is refused and changes nothing.
		_, err = db.UpdateProject(f.ann, p.UID, &projectd.ProjectUpdate{Ext: json.RawMessage(`{"tervis":{"Status":"two"}}`)}, "")
		wantCode(t, err, projectd.EINVALID, "ext.tervis.Status")
		if cur, _ := db.FindProject(f.ann, p.UID); cur.Version != 2 {
			t.Fatalf("a refused patch changed the version to %d", cur.Version)
		}
		// Concurrent writers: every unconditional update lands, none is lost.
		const writers = 8
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for i := 0; i < writers; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				ctx := f.ann
				if i%2 == 1 {
					ctx = f.ada
				}
				d := fmt.Sprintf("writer %d", i)
				_, err := db.UpdateProject(ctx, p.UID, &projectd.ProjectUpdate{Description: &d}, "")
				errs <- err
			}(i)
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		final, err := db.FindProject(f.ann, p.UID)
		if err != nil || final.Version != 2+writers {
			t.Fatalf("after %d concurrent writers version is %d (%v), want %d", writers, final.Version, err, 2+writers)
		}
		// Moving between workspaces, and out of them.
		none := ""
		moved, err := db.UpdateProject(f.ann, p.UID, &projectd.ProjectUpdate{Workspace: &none}, "")
		if err != nil || moved.Workspace != "" {
			t.Fatalf("leave workspace: %q %v", moved.Workspace, err)
		}
		if _, err := db.FindProject(f.bob, p.UID); projectd.ErrorCode(err) != projectd.ENOTFOUND {
			t.Fatalf("bob still sees a project that left his workspace: %v", err)
		}
	})
}

func TestValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		long := strings.Repeat("x", projectd.MaxNameLen+1)
		for _, tc := range []struct {
			c     projectd.ProjectCreate
			field string
		}{
			{projectd.ProjectCreate{Name: ""}, "name"},
			{projectd.ProjectCreate{Name: "  "}, "name"},
			{projectd.ProjectCreate{Name: long}, "name"},
			{projectd.ProjectCreate{Name: "bad \xff utf8"}, "name"},
			{projectd.ProjectCreate{Name: "ok", Description: strings.Repeat("d", projectd.MaxDescriptionLen+1)}, "description"},
			{projectd.ProjectCreate{Name: "ok", Status: "deleted"}, "status"},
			{projectd.ProjectCreate{Name: "ok", Workspace: "NO"}, "workspace"},
			{projectd.ProjectCreate{Name: "ok", Workspace: "nope"}, "workspace"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`[1]`)}, "ext"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"jira":{}}`)}, "ext.jira"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"movika":3}`)}, "ext.movika"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"maiu":{"isBaseProject":"yes"}}`)}, "ext.maiu.isBaseProject"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"tervis":{"Status":1.5}}`)}, "ext.tervis.Status"},
			{projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"tasks":{"x":"` + strings.Repeat("a", projectd.MaxExtBytes) + `"}}`)}, "ext"},
		} {
			_, err := db.CreateProject(f.ann, &tc.c)
			wantCode(t, err, projectd.EINVALID, tc.field)
		}
		if n, _ := db.CountProjects(f.ada, projectd.ProjectFilter{}); n != 0 {
			t.Fatalf("refused creates left %d projects", n)
		}
		// Surface validators run on every write, with the field named in full.
		db.Ext = testdb.Extensions(map[string]func(json.RawMessage) error{"textking": func(ns json.RawMessage) error {
			if strings.Contains(string(ns), "bogus") {
				return projectd.Invalid("state", "state is bogus")
			}
			return nil
		}})
		_, err := db.CreateProject(f.ann, &projectd.ProjectCreate{Name: "ok", Ext: json.RawMessage(`{"textking":{"state":"bogus"}}`)})
		wantCode(t, err, projectd.EINVALID, "ext.textking.state")
		err = db.CreateUser(context.Background(), &projectd.User{Login: "ann", Email: "x@example.com"})
		wantCode(t, err, projectd.ECONFLICT, "login")
		err = db.CreateUser(context.Background(), &projectd.User{Login: "Bad Login", Email: "x@example.com"})
		wantCode(t, err, projectd.EINVALID, "login")
		err = db.CreateUser(context.Background(), &projectd.User{Login: "dan", Email: "not an email"})
		wantCode(t, err, projectd.EINVALID, "email")
	})
}

func TestTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		tok, err := db.CreateToken(ctx, "ann", "ci", []string{"read"}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(tok.Secret, sqlstore.TokenPrefix) || len(tok.Secret) < 40 {
			t.Fatalf("weak token %q", tok.Secret)
		}
		a, err := db.Authenticate(ctx, tok.Secret)
		if err != nil || a.User.Login != "ann" || !a.Can("read") || a.Can("write") {
			t.Fatalf("authenticate: %+v, %v", a, err)
		}
		for _, bad := range []string{"", "pd_", tok.Secret + "x", strings.TrimPrefix(tok.Secret, "pd_"), "pd_" + strings.Repeat("A", 43)} {
			_, err := db.Authenticate(ctx, bad)
			wantCode(t, err, projectd.EUNAUTHORIZED, "")
		}
		// A read-only token cannot mint a writing one.
		_, err = db.CreateToken(projectd.NewContextWithAuth(ctx, a), "", "escalate", []string{"write"}, 0)
		wantCode(t, err, projectd.EFORBIDDEN, "")
		// The secret is never listed, and only the caller's tokens are.
		own, err := db.CreateToken(f.ann, "", "mine", nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		listed, err := db.ListTokens(f.ann)
		if err != nil || len(listed) != 2 || listed[0].Secret != "" || listed[0].LastUsedAt == nil {
			t.Fatalf("list: %+v, %v", listed, err)
		}
		if others, _ := db.ListTokens(f.bob); len(others) != 0 {
			t.Fatalf("bob lists ann's tokens: %+v", others)
		}
		// Revoked tokens stop working at once on this server.
		if _, err := db.Authenticate(ctx, own.Secret); err != nil {
			t.Fatal(err)
		}
		wantCode(t, db.DeleteToken(f.bob, own.ID), projectd.ENOTFOUND, "")
		if err := db.DeleteToken(f.ann, own.ID); err != nil {
			t.Fatal(err)
		}
		_, err = db.Authenticate(ctx, own.Secret)
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		// Expired tokens are refused.
		short, err := db.CreateToken(ctx, "bob", "short", nil, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		db.TokenCacheTTL = 0
		db.Now() // the test clock moves a second a call
		db.Now()
		_, err = db.Authenticate(ctx, short.Secret)
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		_, err = db.CreateToken(ctx, "ann", "x", []string{"admin"}, 0)
		wantCode(t, err, projectd.EINVALID, "scopes")
		_, err = db.CreateToken(ctx, "nobody", "x", nil, 0)
		wantCode(t, err, projectd.EINVALID, "login")
	})
}

func TestCredentials(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		newFixture(t, db)
		ctx := context.Background()
		k, err := db.CreateAccessKey(ctx, "ann", 0)
		if err != nil {
			t.Fatal(err)
		}
		key, secret, err := db.FindAccessKey(ctx, k.AccessKey)
		if err != nil || key.User.Login != "ann" || string(secret) != k.SecretKey || len(key.Scopes) != 2 || key.ExpiresAt != nil {
			t.Fatalf("find access key: %+v %q %v", key, secret, err)
		}
		_, _, err = db.FindAccessKey(ctx, "NOPE")
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		// Another master key cannot open the secret.
		db.MasterKey = []byte("another key, 32 bytes long......")
		if _, _, err := db.FindAccessKey(ctx, k.AccessKey); err == nil {
			t.Fatal("a wrong master key opened the secret")
		}
		appKey, err := db.CreateAppKey(ctx, "studio app")
		if err != nil || !strings.HasPrefix(appKey, "ak_") {
			t.Fatalf("app key %q, %v", appKey, err)
		}
		_, err = db.CreateAppKey(ctx, "studio app")
		wantCode(t, err, projectd.ECONFLICT, "name")
	})
}

func TestImportKeepsRecords(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		created := time.Date(2020, 5, 6, 7, 8, 9, 123456000, time.UTC)
		ps := []*projectd.Project{
			{ID: 1000, UID: "01890a5d-ac96-774b-bcce-b302099a8057", Name: "imported", Status: "archived", Owner: &projectd.User{Login: "bob"},
				Workspace: "team", CreatedAt: created, UpdatedAt: created.Add(time.Hour), CreatedBy: &projectd.User{Login: "ann"}, Version: 7,
				Ext: json.RawMessage(`{"tervis":{"Status":4}}`)},
		}
		if err := db.ImportProjects(context.Background(), ps); err != nil {
			t.Fatal(err)
		}
		p, err := db.FindProject(f.ada, "1000")
		if err != nil {
			t.Fatal(err)
		}
		if p.UID != ps[0].UID || !p.CreatedAt.Equal(created) || p.Version != 7 || p.Owner.Login != "bob" || p.CreatedBy.Login != "ann" ||
			p.Workspace != "team" || p.Status != "archived" {
			t.Fatalf("imported project came back as %+v", p)
		}
		// New ids continue after imported ones.
		next := f.create(t, f.ann, projectd.ProjectCreate{Name: "after import"})
		if next.ID <= 1000 {
			t.Fatalf("id %d after an import up to 1000", next.ID)
		}
		err = db.ImportProjects(context.Background(), ps)
		wantCode(t, err, projectd.ECONFLICT, "")
		bad := []*projectd.Project{{Name: "x", Owner: &projectd.User{Login: "nobody"}}}
		if err := db.ImportProjects(context.Background(), bad); projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("import with unknown owner: %v", err)
		}
	})
}

// TestMaintainedCounts checks the counts kept for owners (and TextKing states) against
// the projects themselves after every kind of write.
func TestMaintainedCounts(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		check := func(when string) {
			t.Helper()
			for _, login := range []string{"ann", "bob", "cat"} {
				u := f.users[login]
				for _, state := range []string{"", "prepared", "running", "finished", "canceled"} {
					filter := projectd.ProjectFilter{OwnerID: u.ID}
					if state != "" {
						filter.Ext = []projectd.ExtEqual{{Path: "textking.state", Value: state}}
					}
					want := len(list(t, db, f.ada, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Owner: login, Ext: filter.Ext}}))
					for _, ctx := range []context.Context{f.ada, as(u)} {
						if n, err := db.CountProjects(ctx, filter); err != nil || n != int64(want) {
							t.Fatalf("%s: %s's %q count is %d (%v), want %d", when, login, state, n, err, want)
						}
					}
				}
			}
		}
		a := f.create(t, f.ann, projectd.ProjectCreate{Name: "a"})
		b := f.create(t, f.ann, projectd.ProjectCreate{Name: "b", Ext: json.RawMessage(`{"textking":{"state":"running"}}`)})
		f.create(t, f.bob, projectd.ProjectCreate{Name: "c", Ext: json.RawMessage(`{"textking":{"state":"finished"}}`)})
		check("after creates")
		if _, err := db.UpdateProject(f.ann, a.UID, &projectd.ProjectUpdate{Ext: json.RawMessage(`{"textking":{"state":"canceled"}}`)}, ""); err != nil {
			t.Fatal(err)
		}
		check("after a state change")
		owner := "cat"
		if _, err := db.UpdateProject(f.ada, b.UID, &projectd.ProjectUpdate{Owner: &owner}, ""); err != nil {
			t.Fatal(err)
		}
		check("after an owner change")
		if err := db.DeleteProject(f.ann, a.UID, ""); err != nil {
			t.Fatal(err)
		}
		check("after a delete")
		if _, err := db.ArchiveProject(f.cat, b.UID); err != nil {
			t.Fatal(err)
		}
		check("after an archive")
		err := db.ImportProjects(context.Background(), []*projectd.Project{
			{Name: "i1", Owner: &projectd.User{Login: "bob"}},
			{Name: "i2", Owner: &projectd.User{Login: "bob"}, Ext: json.RawMessage(`{"textking":{"state":"running"}}`)},
		})
		if err != nil {
			t.Fatal(err)
		}
		check("after an import")
		if err := loadOnce(db, []*projectd.Project{{Name: "l1", Owner: f.users["cat"]},
			{Name: "l2", Owner: f.users["ann"], Ext: json.RawMessage(`{"textking":{"state":"finished"}}`)}}); err != nil {
			t.Fatal(err)
		}
		check("after a load")
	})
}

// TestLoadIntoEmptyStore checks that a bulk load into an empty table, which drops and
// rebuilds the indexes, leaves the same indexes, counts and data.
func TestLoadIntoEmptyStore(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// A load into the empty table that fails in its second batch leaves nothing.
		calls := 0
		err := db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
			calls++
			if calls == 2 {
				return []*projectd.Project{{Name: "", Owner: f.users["ann"]}}, nil
			}
			return []*projectd.Project{{Name: "ok", Owner: f.users["ann"]}}, nil
		}, func(int) {})
		wantCode(t, err, projectd.EINVALID, "name")
		if c, _ := db.CountProjects(f.ada, projectd.ProjectFilter{}); c != 0 {
			t.Fatalf("a failed load left %d projects", c)
		}
		// A user that does not exist fails a load into the empty table (on PostgreSQL its
		// foreign keys are made again, and checked, at the end) and into a full one.
		ghost := &projectd.User{ID: 987654, Login: "ghost"}
		loadGhost := func() error { return loadOnce(db, []*projectd.Project{{Name: "ghost's", Owner: ghost}}) }
		if err := loadGhost(); err == nil {
			t.Fatal("a load into the empty table owned by no user succeeded")
		}
		if c, _ := db.CountProjects(f.ada, projectd.ProjectFilter{}); c != 0 {
			t.Fatalf("a failed load left %d projects", c)
		}
		n := 0
		err = db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
			var batch []*projectd.Project
			for ; n < 2500 && len(batch) < 1000; n++ {
				batch = append(batch, &projectd.Project{Name: fmt.Sprintf("p%d", n), Owner: f.users[[]string{"ann", "bob"}[n%2]],
					Ext: json.RawMessage(`{"textking":{"state":"running"}}`)})
			}
			return batch, nil
		}, func(int) {})
		if err != nil {
			t.Fatal(err)
		}
		if c, _ := db.CountProjects(f.ada, projectd.ProjectFilter{OwnerID: f.users["bob"].ID}); c != 1250 {
			t.Fatalf("bob has %d", c)
		}
		page, err := db.ListProjects(f.ann, projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: "name", Desc: true}}, Limit: 3})
		if err != nil || names(page.Projects)[0] != "p998" {
			t.Fatalf("after load: %v %v", names(page.Projects), err)
		}
		if err := loadGhost(); err == nil {
			t.Fatal("a load into a table with projects owned by no user succeeded")
		}
		// A failing batch rolls the whole load back, indexes included.
		err = db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
			return []*projectd.Project{{Name: "", Owner: f.users["ann"]}}, nil
		}, func(int) {})
		wantCode(t, err, projectd.EINVALID, "name")
		if c, _ := db.CountProjects(f.ada, projectd.ProjectFilter{}); c != 2500 {
			t.Fatalf("a failed load changed the count to %d", c)
		}
	})
}

func TestSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		newFixture(t, db)
		ctx := context.Background()
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		db.TokenCacheTTL = 0
		code, err := db.CreateAuthCode(ctx, "ann")
		if err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(projectd.AuthCodeTTL + time.Second)
		_, err = db.ExchangeAuthCode(ctx, code)
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		code, _ = db.CreateAuthCode(ctx, "ann")
		s, err := db.ExchangeAuthCode(ctx, code)
		if err != nil || s.User.Login != "ann" {
			t.Fatalf("exchange: %+v %v", s, err)
		}
		if a, err := db.Authenticate(ctx, s.AccessToken); err != nil || a.User.Login != "ann" {
			t.Fatalf("the access token: %v", err)
		}
		// Access tokens expire after an hour; the refresh token renews them for a month.
		clock = clock.Add(projectd.AccessTokenTTL + time.Second)
		_, err = db.Authenticate(ctx, s.AccessToken)
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		s2, err := db.RefreshSession(ctx, s.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, s2.AccessToken); err != nil {
			t.Fatal(err)
		}
		clock = clock.Add(projectd.RefreshTokenTTL + time.Second)
		_, err = db.RefreshSession(ctx, s2.RefreshToken)
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		_, err = db.CreateAuthCode(ctx, "nobody")
		wantCode(t, err, projectd.EINVALID, "login")
		_, err = db.CreateAuthCode(ctx, "")
		wantCode(t, err, projectd.EUNAUTHORIZED, "")
		wantCode(t, db.CheckAppKey(ctx, "ak_nope"), projectd.EUNAUTHORIZED, "")
	})
}

// openTwice opens two stores on dsn, as two processes would.
func openTwice(t *testing.T, dsn string) (*sqlstore.DB, *sqlstore.DB) {
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(context.Background(), dsn, testdb.Extensions(nil))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return open(), open()
}

// TestProjectIDsAcrossProcesses runs two stores on one PostgreSQL database, as two
// replicas of serve would: ids from their blocks never collide, each store's ids rise in
// the order it creates projects, and an import with ids of its own inside another
// store's block makes that store move to a new block instead of failing.
func TestProjectIDsAcrossProcesses(t *testing.T) {
	dsn := testdb.Flavours[1].New(t) // PostgreSQL; SQLite has one writer and its rowids
	a, b := openTwice(t, dsn)
	f := newFixture(t, a) // its workspace made 0 projects: no ids taken yet
	seen := map[int64]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for s, db := range []*sqlstore.DB{a, b} {
		for w := 0; w < 3; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var last int64
				for i := 0; i < 80; i++ {
					p, err := db.CreateProject(f.ann, &projectd.ProjectCreate{Name: fmt.Sprintf("s%d-w%d-%d", s, w, i)})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					if other, dup := seen[p.ID]; dup {
						t.Errorf("id %d given to %s and %s", p.ID, other, p.Name)
					}
					seen[p.ID] = p.Name
					mu.Unlock()
					if p.ID <= last {
						t.Errorf("store %d gave id %d after %d", s, p.ID, last)
					}
					last = p.ID
				}
			}()
		}
	}
	wg.Wait()
	if len(seen) != 480 {
		t.Fatalf("%d distinct ids for 480 projects", len(seen))
	}
	// 480 ids, 240 a store: each store reserved three blocks of 100, one UPDATE each.
	for id := range seen {
		if id < 1 || id > 600 {
			t.Errorf("id %d outside the six blocks of 100 reserved", id)
		}
	}
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var reserved int64
	if err := conn.QueryRow(context.Background(), "SELECT next FROM id_blocks WHERE name = 'projects'").Scan(&reserved); err != nil || reserved != 601 {
		t.Fatalf("id_blocks.next = %d, %v; want 601 after six blocks of 100", reserved, err)
	}

	// b holds the rest of its third block; an import through a takes ids at its start.
	next, _ := b.CreateProject(f.ann, &projectd.ProjectCreate{Name: "probe"})
	imported := []*projectd.Project{
		{ID: next.ID + 1, Name: "imported 1", Owner: f.users["ann"]},
		{ID: next.ID + 2, Name: "imported 2", Owner: f.users["ann"]},
	}
	if err := a.ImportProjects(context.Background(), imported); err != nil {
		t.Fatal(err)
	}
	p, err := b.CreateProject(f.ann, &projectd.ProjectCreate{Name: "after the import"})
	if err != nil {
		t.Fatalf("create after an import into this store's block: %v", err)
	}
	if p.ID <= next.ID+2 {
		t.Fatalf("after the import b gave id %d; want one past the imported %d", p.ID, next.ID+2)
	}
	// A load without ids takes a range of its own, past everything above.
	batch := []*projectd.Project{{Name: "l1", Owner: f.users["ann"]}, {Name: "l2", Owner: f.users["ann"]}}
	if err := a.ImportProjects(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	if batch[1].ID != batch[0].ID+1 || batch[0].ID <= p.ID {
		t.Fatalf("loaded ids %d, %d after %d", batch[0].ID, batch[1].ID, p.ID)
	}
}

// TestLoadCountsManyOwners loads projects for more (owner, state) pairs than one statement
// of project_counts takes, and checks the totals of every pair.
func TestLoadCountsManyOwners(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		users := make([]*projectd.User, 300)
		for i := range users {
			users[i] = &projectd.User{Login: fmt.Sprintf("owner%03d", i), Email: fmt.Sprintf("owner%03d@example.com", i)}
		}
		if err := db.ImportUsers(context.Background(), users); err != nil {
			t.Fatal(err)
		}
		states := []string{"prepared", "running", "finished", "canceled"}
		var batch []*projectd.Project
		for i, u := range users {
			for j, state := range states[:1+i%4] { // owner i has 1+i%4 states, state j 1+j projects
				for k := 0; k <= j; k++ {
					batch = append(batch, &projectd.Project{Name: fmt.Sprintf("%s-%s-%d", u.Login, state, k), Owner: u,
						Ext: json.RawMessage(`{"textking":{"state":"` + state + `"}}`)})
				}
			}
		}
		if err := loadOnce(db, batch); err != nil {
			t.Fatal(err)
		}
		admin := as(&projectd.User{Role: projectd.RoleAdmin})
		for i, u := range users {
			for j, state := range states {
				want := int64(0)
				if j <= i%4 {
					want = int64(1 + j)
				}
				filter := projectd.ProjectFilter{OwnerID: u.ID, Ext: []projectd.ExtEqual{{Path: "textking.state", Value: state}}}
				if n, err := db.CountProjects(admin, filter); err != nil || n != want {
					t.Fatalf("%s has %d %s projects (%v), want %d", u.Login, n, state, err, want)
				}
			}
		}
	})
}

// TestPagesMatchJoinedReads checks that a page, which reads projects alone and takes their
// users and workspaces from the store's cache, gives every project exactly as a read of
// the one project (a join) does: through the store that wrote them and through a second
// store on the same database, whose cache starts cold and meets users created later.
func TestPagesMatchJoinedReads(t *testing.T) {
	for _, fl := range testdb.Flavours {
		t.Run(fl.Name, func(t *testing.T) {
			dsn := fl.New(t)
			a, b := openTwice(t, dsn)
			f := newFixture(t, a)
			f.create(t, f.ann, projectd.ProjectCreate{Name: "ann's own"})
			inTeam := f.create(t, f.ann, projectd.ProjectCreate{Name: "in team", Workspace: "team"})
			f.create(t, f.ada, projectd.ProjectCreate{Name: "made by ada for cat", Owner: "cat"})
			check := func(db *sqlstore.DB, want int) {
				t.Helper()
				page := list(t, db, f.ada, projectd.ProjectQuery{})
				if len(page) != want {
					t.Fatalf("%d projects, want %d", len(page), want)
				}
				for _, p := range page {
					one, err := db.FindProject(f.ada, strconv.FormatInt(p.ID, 10))
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(p, one) {
						t.Fatalf("page has %+v (owner %+v, creator %+v, editor %+v)\nread has %+v (owner %+v, creator %+v, editor %+v)",
							p, p.Owner, p.CreatedBy, p.UpdatedBy, one, one.Owner, one.CreatedBy, one.UpdatedBy)
					}
				}
			}
			check(a, 3)
			check(b, 3)
			// A user b has not seen edits a project it has cached the rest of.
			dan := &projectd.User{Login: "dan", Email: "dan@example.com", LastName: "Dee", Role: projectd.RoleAdmin}
			if err := a.CreateUser(context.Background(), dan); err != nil {
				t.Fatal(err)
			}
			name := "renamed by dan"
			if _, err := a.UpdateProject(as(dan), strconv.FormatInt(inTeam.ID, 10), &projectd.ProjectUpdate{Name: &name}, ""); err != nil {
				t.Fatal(err)
			}
			check(b, 3)
			page := list(t, b, f.ada, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Name: name}})
			if len(page) != 1 || page[0].UpdatedBy.Login != "dan" || page[0].CreatedBy.Login != "ann" || page[0].Workspace != "team" {
				t.Fatalf("page after dan's edit: %+v", page)
			}
		})
	}
}

// loadOnce bulk-loads projects as one batch.
func loadOnce(db *sqlstore.DB, projects []*projectd.Project) error {
	return db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
		batch := projects
		projects = nil
		return batch, nil
	}, func(int) {})
}
