package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"

	"projectd"
	"projectd/sqlstore"
)

// countFilters are the filters the counters cover, in every combination: owner (none, by
// id, by login, by uid), workspace, status and TextKing state.
func countFilters(f *fixture) []projectd.ProjectFilter {
	owners := []projectd.ProjectFilter{{}, {OwnerID: f.users["ann"].ID}, {Owner: "bob"}, {Owner: f.users["cat"].UID}, {Owner: "nobody"}}
	var filters []projectd.ProjectFilter
	for _, o := range owners {
		for _, ws := range []string{"", "team", "solo"} {
			for _, status := range []string{"", projectd.StatusActive, projectd.StatusArchived} {
				for _, state := range []string{"", "prepared", "running"} {
					flt := o
					flt.Workspace, flt.Status = ws, status
					if state != "" {
						flt.Ext = []projectd.ExtEqual{{Path: "textking.state", Value: state}}
					}
					filters = append(filters, flt)
				}
			}
		}
	}
	return filters
}

// checkCounts compares every covered total, for every caller, with the rows a stream of
// the same filter gives, and the counters with a recount of the projects.
func checkCounts(t *testing.T, db *sqlstore.DB, f *fixture, when string) {
	t.Helper()
	if err := db.VerifyCounters(context.Background()); err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	for _, caller := range []string{"ada", "ann", "bob", "cat"} {
		ctx := as(f.users[caller])
		for _, flt := range countFilters(f) {
			want := 0
			if err := db.StreamProjects(ctx, projectd.ProjectQuery{Filter: flt}, func(*projectd.Project) error { want++; return nil }); err != nil {
				t.Fatal(err)
			}
			page, err := db.ListProjects(ctx, projectd.ProjectQuery{Filter: flt, Limit: 1, Count: true})
			if err != nil || page.Total != int64(want) {
				t.Fatalf("%s: %s counts %d for %+v (%v), the rows are %d", when, caller, page.Total, flt, err, want)
			}
		}
	}
}

// Every write path keeps the counters exact: creates in and out of workspaces, state,
// status, owner and workspace changes, archives, deletes, an import and a load, from 8
// writers at once.
func TestCountersUnderConcurrentWriters(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		if _, err := db.CreateWorkspace(f.cat, "solo", nil); err != nil {
			t.Fatal(err)
		}
		states := []string{"prepared", "running", "finished"}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				logins := []string{"ann", "bob", "cat"}
				for i := range 25 {
					login := logins[rng.IntN(3)]
					ctx := as(f.users[login])
					c := projectd.ProjectCreate{Name: fmt.Sprintf("w%d-%d", w, i),
						Ext: json.RawMessage(`{"textking":{"state":"` + states[rng.IntN(3)] + `"}}`)}
					if login != "cat" && rng.IntN(2) == 0 {
						c.Workspace = "team"
					} else if login == "cat" && rng.IntN(2) == 0 {
						c.Workspace = "solo"
					}
					p, err := db.CreateProject(ctx, &c)
					if err != nil {
						errs <- err
						return
					}
					ref := strconv.FormatInt(p.ID, 10)
					switch rng.IntN(6) {
					case 0:
						_, err = db.ArchiveProject(ctx, ref)
					case 1:
						err = db.DeleteProject(ctx, ref, "")
					case 2:
						_, err = db.UpdateProject(ctx, ref, &projectd.ProjectUpdate{Ext: json.RawMessage(`{"textking":{"state":"running"}}`)}, "")
					case 3:
						none := ""
						_, err = db.UpdateProject(f.ada, ref, &projectd.ProjectUpdate{Workspace: &none}, "")
					case 4:
						owner := logins[rng.IntN(3)]
						_, err = db.UpdateProject(f.ada, ref, &projectd.ProjectUpdate{Owner: &owner}, "")
					}
					if err != nil {
						errs <- fmt.Errorf("change %s: %w", ref, err)
						return
					}
				}
			}()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.ImportProjects(context.Background(), []*projectd.Project{
				{Name: "imported", Owner: &projectd.User{Login: "bob"}, Workspace: "team", Status: projectd.StatusArchived},
				{Name: "imported 2", Owner: &projectd.User{Login: "cat"}, Ext: json.RawMessage(`{"textking":{"state":"running"}}`)},
			})
			if err != nil {
				errs <- err
			}
		}()
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		checkCounts(t, db, f, "after concurrent writers")
		if err := loadOnce(db, []*projectd.Project{{Name: "l1", Owner: f.users["ann"], Workspace: "team"},
			{Name: "l2", Owner: f.users["cat"], Status: projectd.StatusArchived}}); err != nil {
			t.Fatal(err)
		}
		checkCounts(t, db, f, "after a load")
	})
}

// A total of a filter the counters do not cover counts rows, and refuses past its bound.
func TestUncoveredCountIsBounded(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.create(t, f.ann, projectd.ProjectCreate{Name: "alpha"})
		f.create(t, f.ann, projectd.ProjectCreate{Name: "beta"})
		page, err := db.ListProjects(f.ann, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Q: "alp"}, Count: true})
		if err != nil || page.Total != 1 {
			t.Fatalf("q total: %v %v", page, err)
		}
		defer sqlstore.SetMaxExactCount(50)()
		projects := make([]*projectd.Project, 51)
		for i := range projects {
			projects[i] = &projectd.Project{Name: "bulk " + strconv.Itoa(i), Owner: f.users["bob"]}
		}
		if err := db.ImportProjects(context.Background(), projects); err != nil {
			t.Fatal(err)
		}
		_, err = db.ListProjects(f.bob, projectd.ProjectQuery{Filter: projectd.ProjectFilter{Q: "bulk"}, Count: true})
		wantCode(t, err, projectd.EINVALID, "count")
		if n, err := db.CountProjects(f.bob, projectd.ProjectFilter{Q: "bulk"}); err == nil {
			t.Fatalf("an uncovered count past the bound gave %d", n)
		}
		if n, err := db.CountProjects(f.bob, projectd.ProjectFilter{Owner: "bob"}); err != nil || n != int64(len(projects)) {
			t.Fatalf("the counters' total of the same rows: %d %v", n, err)
		}
	})
}
