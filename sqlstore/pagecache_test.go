package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"projectd"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// pageCacheStats returns the page cache's hits and misses so far.
func pageCacheStats(db *sqlstore.DB) (hits, misses uint64) {
	for _, c := range db.CacheStats() {
		if c.Cache == "page" {
			return c.Hits, c.Misses
		}
	}
	panic("no page cache in CacheStats")
}

// total lists q with its count as ctx and returns the names and the total.
func total(t *testing.T, db *sqlstore.DB, ctx context.Context, q projectd.ProjectQuery) ([]string, int64) {
	t.Helper()
	q.Count = true
	page, err := db.ListProjects(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	return names(page.Projects), page.Total
}

// A page is answered from the cache while nothing changes, and every kind of write —
// by this store or by another process on the same database — is seen by the next list:
// creates, updates, archives, deletes and membership changes.
func TestPageCacheSeesEveryWrite(t *testing.T) {
	for _, fl := range testdb.Flavours {
		t.Run(fl.Name, func(t *testing.T) {
			db, other := openTwice(t, fl.New(t))
			db.MasterKey = []byte("0123456789abcdef0123456789abcdef")
			f := newFixture(t, db)
			g := &fixture{db: other, ann: as(f.users["ann"]), bob: as(f.users["bob"])}
			f.create(t, f.ann, projectd.ProjectCreate{Name: "a1", Workspace: "team"})
			a2 := f.create(t, f.ann, projectd.ProjectCreate{Name: "a2"})
			q := projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: projectd.SortName}}}
			check := func(ctx context.Context, what string, want ...string) {
				t.Helper()
				got, n := total(t, db, ctx, q)
				if fmt.Sprint(got) != fmt.Sprint(want) || n != int64(len(want)) {
					t.Fatalf("after %s: %v (total %d), want %v", what, got, n, want)
				}
			}
			check(f.ann, "two creates", "a1", "a2")
			hits, _ := pageCacheStats(db)
			check(f.ann, "nothing", "a1", "a2")
			if h, _ := pageCacheStats(db); h != hits+1 {
				t.Fatalf("a page listed again without a write: %d hits, want %d", h, hits+1)
			}
			check(f.bob, "nothing, as bob", "a1") // the same query by another caller is not ann's page

			a3 := g.create(t, g.ann, projectd.ProjectCreate{Name: "a3"})
			check(f.ann, "a create by another process", "a1", "a2", "a3")
			if _, err := other.UpdateProject(g.ann, a3.UID, &projectd.ProjectUpdate{Name: pointer("a0")}, ""); err != nil {
				t.Fatal(err)
			}
			check(f.ann, "a rename by another process", "a0", "a1", "a2")
			q.Filter.Status = projectd.StatusActive
			check(f.ann, "nothing, active only", "a0", "a1", "a2")
			if _, err := db.UpdateProject(f.ann, a3.UID, &projectd.ProjectUpdate{Status: pointer(projectd.StatusArchived)}, ""); err != nil {
				t.Fatal(err)
			}
			check(f.ann, "an archive", "a1", "a2")
			q.Filter.Status = ""
			if err := other.DeleteProject(g.ann, a2.UID, ""); err != nil {
				t.Fatal(err)
			}
			check(f.ann, "a delete by another process", "a0", "a1")
			check(f.bob, "nothing, as bob", "a1")
			if err := other.RemoveWorkspaceMember(g.ann, "team", "bob"); err != nil {
				t.Fatal(err)
			}
			check(f.bob, "bob's removal from team by another process")
		})
	}
}

// The page a caller gets is its own: changing its slice changes no other caller's page.
func TestPageCacheHandsOutCopies(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.create(t, f.ann, projectd.ProjectCreate{Name: "one"})
		for range 2 {
			page, err := db.ListProjects(f.ann, projectd.ProjectQuery{})
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Projects) != 1 || page.Projects[0] == nil || page.Projects[0].Name != "one" {
				t.Fatalf("page %v", page.Projects)
			}
			page.Projects[0] = nil
		}
	})
}

// A cache with no room keeps nothing and every list goes to the database; one with room
// for a page or two keeps within it.
func TestPageCacheBudget(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.create(t, f.ann, projectd.ProjectCreate{Name: "one", Description: strings.Repeat("d", 1000)})
		db.SetPageCacheSize(0)
		for range 3 {
			list(t, db, f.ann, projectd.ProjectQuery{})
		}
		if hits, _ := pageCacheStats(db); hits != 0 {
			t.Fatalf("a cache without room answered %d times", hits)
		}
		db.SetPageCacheSize(3000)
		for limit := 1; limit <= 20; limit++ {
			if _, err := db.ListProjects(f.ann, projectd.ProjectQuery{Limit: limit}); err != nil {
				t.Fatal(err)
			}
		}
		if n := cacheEntries(db); n < 1 || n > 2 {
			t.Fatalf("a cache with room for two pages of about 1.4 kB holds %d", n)
		}
	})
}

func pointer[T any](v T) *T { return &v }

func cacheEntries(db *sqlstore.DB) int {
	for _, c := range db.CacheStats() {
		if c.Cache == "page" {
			return c.Entries
		}
	}
	return -1
}

// Under concurrent writers each of them lists its own projects right after each create
// and sees every one it made: no cached page hides an acknowledged write.
func TestPageCacheReadsYourWrites(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		const writers, creates = 4, 15
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			u := &projectd.User{Login: fmt.Sprintf("w%d", w), Email: fmt.Sprintf("w%d@example.com", w)}
			if err := db.CreateUser(context.Background(), u); err != nil {
				t.Fatal(err)
			}
			ctx := as(u)
			wg.Go(func() {
				for i := range creates {
					if _, err := db.CreateProject(ctx, &projectd.ProjectCreate{Name: fmt.Sprintf("p%02d", i)}); err != nil {
						errs <- err
						return
					}
					for range 2 { // the second from the cache, unless another writer wrote
						page, err := db.ListProjects(ctx, projectd.ProjectQuery{Count: true, Limit: 1, Sort: []projectd.SortKey{{Field: projectd.SortID, Desc: true}}})
						if err != nil {
							errs <- err
							return
						}
						if page.Total != int64(i+1) || page.Projects[0].Name != fmt.Sprintf("p%02d", i) {
							errs <- fmt.Errorf("%s after %d creates: total %d, newest %s", u.Login, i+1, page.Total, page.Projects[0].Name)
							return
						}
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// A stream's chunks come from the page cache too, until a write: the same collection
// streamed twice is read once, and a project created after is in the next stream.
func TestStreamsUseThePageCache(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.create(t, f.ann, projectd.ProjectCreate{Name: "s1"})
		f.create(t, f.ann, projectd.ProjectCreate{Name: "s2"})
		stream := func() []string {
			var got []string
			if err := db.StreamProjects(f.ann, projectd.ProjectQuery{}, func(p *projectd.Project) error {
				got = append(got, p.Name)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		stream()
		hits, _ := pageCacheStats(db)
		if got := stream(); fmt.Sprint(got) != "[s1 s2]" {
			t.Fatalf("streamed again: %v", got)
		}
		if h, _ := pageCacheStats(db); h != hits+1 {
			t.Fatalf("the same stream again: %d page cache hits, want %d", h, hits+1)
		}
		f.create(t, f.ann, projectd.ProjectCreate{Name: "s3"})
		if got := stream(); fmt.Sprint(got) != "[s1 s2 s3]" {
			t.Fatalf("after a create: %v", got)
		}
	})
}
