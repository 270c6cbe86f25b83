package sqlstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"projectd"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// The list-path benchmarks run on a store of PROJECTD_BENCH_PROJECTS projects (default
// 100,000; docs/performance.md uses 1,000,000), built once and kept for later runs: an
// SQLite file in PROJECTD_BENCH_DIR (default the system temp directory) and a PostgreSQL
// schema named after the size, when PostgreSQL is reachable. User 1 owns a fifth of the
// projects (200,000 of 1,000,000); the rest spread over 1,000 users and 100 workspaces.

func benchSize() int {
	if n, err := strconv.Atoi(os.Getenv("PROJECTD_BENCH_PROJECTS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}

func benchStores(b *testing.B) map[string]*sqlstore.DB {
	n := benchSize()
	stores := map[string]*sqlstore.DB{}
	dsns := map[string]string{"sqlite": "sqlite:" + filepath.Join(testdb.BenchDir(), fmt.Sprintf("projectd-bench-v2-%d.db", n))}
	if dsn := testdb.KeptPostgres(b, fmt.Sprintf("bench_v2_%d", n)); dsn != "" {
		dsns["postgres"] = dsn
	}
	for name, dsn := range dsns {
		db, err := sqlstore.Open(context.Background(), dsn, testdb.Extensions(nil))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		if err := fillBench(db, n); err != nil {
			b.Fatal(err)
		}
		stores[name] = db
	}
	return stores
}

// fillBench loads n projects into an empty store; a store that has them is kept.
func fillBench(db *sqlstore.DB, n int) error {
	ctx := context.Background()
	admin := as(&projectd.User{Role: projectd.RoleAdmin}, projectd.ScopeRead)
	if have, err := db.CountProjects(admin, projectd.ProjectFilter{}); err != nil || have == int64(n) {
		return err
	}
	users := make([]*projectd.User, 1000)
	for i := range users {
		users[i] = &projectd.User{Login: fmt.Sprintf("u%04d", i+1), Email: fmt.Sprintf("u%04d@example.com", i+1)}
	}
	if err := db.ImportUsers(ctx, users); err != nil {
		return err
	}
	workspaces := make([]*projectd.Workspace, 100)
	for i := range workspaces {
		workspaces[i] = &projectd.Workspace{Name: fmt.Sprintf("ws-%03d", i+1), Members: []projectd.WorkspaceMember{
			{Login: users[(i*7+1)%1000].Login, Role: projectd.WorkspaceRoleOwner}, {Login: users[(i*13+2)%1000].Login, Role: projectd.WorkspaceRoleMember}}}
	}
	if err := db.ImportWorkspaces(ctx, workspaces); err != nil {
		return err
	}
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	made := 0
	next := func() ([]*projectd.Project, error) {
		var batch []*projectd.Project
		for ; made < n && len(batch) < 10000; made++ {
			i := made
			p := &projectd.Project{Name: fmt.Sprintf("project %d", i*7919%n), Status: projectd.StatusActive,
				Owner: users[(i*31)%1000], CreatedAt: start.Add(time.Duration(i) * time.Minute),
				Ext: json.RawMessage(`{"textking":{"state":"` + []string{"prepared", "running", "finished", "canceled"}[i%4] + `"}}`)}
			if i%5 == 0 {
				p.Owner = users[0]
			}
			if i%7 == 0 {
				p.Workspace = workspaces[i%100].Name
			}
			if i%50 == 0 {
				p.Status = projectd.StatusArchived
			}
			batch = append(batch, p)
		}
		return batch, nil
	}
	return db.LoadProjects(ctx, next, func(int) {})
}

// BenchmarkListProjects measures one page of 20 on the list path. Compare first and deep
// pages: a keyset page must cost the same at any depth.
func BenchmarkListProjects(b *testing.B) {
	n := benchSize()
	for name, db := range benchStores(b) {
		ctx := context.Background()
		u1, err := db.FindUserByLogin(ctx, "u0001")
		if err != nil {
			b.Fatal(err)
		}
		admin := as(&projectd.User{Role: projectd.RoleAdmin}, projectd.ScopeRead)
		member := as(u1, projectd.ScopeRead)
		byCreated := []projectd.SortKey{{Field: "created", Desc: true}}
		// The keyset of a row halfway down, for a deep page.
		deep, err := db.ListProjects(admin, projectd.ProjectQuery{Sort: byCreated, Limit: 1, Offset: n / 2})
		if err != nil || len(deep.Projects) != 1 {
			b.Fatal(err)
		}
		deepAfter := db.Ext.Keyset(deep.Projects[0], []projectd.SortKey{{Field: "created", Desc: true}, {Field: "id", Desc: true}})
		deepID := deep.Projects[0].ID
		for _, c := range []struct {
			name string
			ctx  context.Context
			q    projectd.ProjectQuery
		}{
			{"first_page_by_created", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20}},
			{"deep_page_by_created", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, After: deepAfter}},
			{"first_page_by_id", admin, projectd.ProjectQuery{Limit: 20}},
			{"deep_page_by_id_gt", admin, projectd.ProjectQuery{Limit: 20, Filter: projectd.ProjectFilter{IDGt: &deepID}}},
			{"member_first_page", member, projectd.ProjectQuery{Sort: byCreated, Limit: 20}},
			{"big_owner_page", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Filter: projectd.ProjectFilter{OwnerID: u1.ID}}},
			{"big_owner_page_with_total", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true, Filter: projectd.ProjectFilter{OwnerID: u1.ID}}},
			{"big_owner_login_page", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Filter: projectd.ProjectFilter{Owner: "u0001"}}},
			{"big_owner_login_page_with_total", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true, Filter: projectd.ProjectFilter{Owner: "u0001"}}},
			{"archived_across_owners", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Filter: projectd.ProjectFilter{Status: projectd.StatusArchived}}},
			{"archived_across_owners_with_total", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true, Filter: projectd.ProjectFilter{Status: projectd.StatusArchived}}},
			{"workspace_page", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Filter: projectd.ProjectFilter{Workspace: "ws-001"}}},
			{"workspace_page_with_total", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true, Filter: projectd.ProjectFilter{Workspace: "ws-001"}}},
			{"member_first_page_with_total", member, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true}},
			{"owner_state_page", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20,
				Filter: projectd.ProjectFilter{OwnerID: u1.ID, Ext: []projectd.ExtEqual{{Path: "textking.state", Value: "prepared"}}}}},
			{"owner_state_page_with_total", admin, projectd.ProjectQuery{Sort: byCreated, Limit: 20, Count: true,
				Filter: projectd.ProjectFilter{OwnerID: u1.ID, Ext: []projectd.ExtEqual{{Path: "textking.state", Value: "prepared"}}}}},
		} {
			b.Run(name+"/"+c.name, func(b *testing.B) {
				for b.Loop() {
					page, err := db.ListProjects(c.ctx, c.q)
					if err != nil || len(page.Projects) != 20 {
						b.Fatalf("%d projects, %v", len(page.Projects), err)
					}
				}
			})
		}
	}
}

// BenchmarkListProjectsParallel is the first page of 20 by created under concurrent load,
// as a server sees it: throughput, not the latency of one caller.
func BenchmarkListProjectsParallel(b *testing.B) {
	for name, db := range benchStores(b) {
		admin := as(&projectd.User{Role: projectd.RoleAdmin}, projectd.ScopeRead)
		q := projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: "created", Desc: true}}, Limit: 20}
		b.Run(name+"/first_page_by_created", func(b *testing.B) {
			b.SetParallelism(4)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if page, err := db.ListProjects(admin, q); err != nil || len(page.Projects) != 20 {
						b.Errorf("%v", err)
						return
					}
				}
			})
		})
	}
}

// BenchmarkPostgresBarePage is the floor under a PostgreSQL first page: the page's query
// (the columns a page reads, newest first, 21 rows) through pgx alone, on a connection of
// its own, decoding nothing.
func BenchmarkPostgresBarePage(b *testing.B) {
	stores := benchStores(b)
	if stores["postgres"] == nil {
		b.Skip("SKIPPING: no PostgreSQL (see PROJECTD_TEST_POSTGRES)")
	}
	conn, err := pgx.Connect(context.Background(), testdb.KeptPostgres(b, fmt.Sprintf("bench_v2_%d", benchSize())))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(context.Background())
	const page = `SELECT p.id, p.uid, p.name, p.description, p.status, p.created_at, p.updated_at, p.version, p.ext,
		p.owner_id, p.created_by, p.updated_by, p.workspace_id FROM projects p ORDER BY p.created_at DESC, p.id DESC LIMIT 21`
	for b.Loop() {
		rows, err := conn.Query(context.Background(), page)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			rows.RawValues()
			n++
		}
		if rows.Close(); rows.Err() != nil || n != 21 {
			b.Fatalf("%d rows, %v", n, rows.Err())
		}
	}
}

// BenchmarkPostgresRoundTrip is the floor under every PostgreSQL page: one SELECT 1.
func BenchmarkPostgresRoundTrip(b *testing.B) {
	base := os.Getenv("PROJECTD_TEST_POSTGRES")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	conn, err := pgx.Connect(context.Background(), base)
	if err != nil {
		b.Skipf("SKIPPING: no PostgreSQL at %s (%v)", base, err)
	}
	defer conn.Close(context.Background())
	for b.Loop() {
		var one int
		if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
			b.Fatal(err)
		}
	}
}
