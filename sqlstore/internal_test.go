package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"projectd"
	"projectd/internal/testdb"
)

// isCompactJSON must agree with json.Compact on valid JSON: compact exactly when Compact
// would change nothing.
func FuzzIsCompactJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a": 1}`, `{"a":"x y"}`, `{"a":"x\" y"}`, `{"a":"\\"}`,
		`{"a":"\\" , "b":2}`, "{\"a\":\"tab\\there\"}", "{\n}", `[1, 2]`, `"a b"`, `{"a":"\\\\"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		var b bytes.Buffer
		json.Compact(&b, []byte(s))
		if want := b.String() == s; isCompactJSON([]byte(s)) != want {
			t.Fatalf("isCompactJSON(%q) = %v, want %v", s, !want, want)
		}
	})
}

// Every PostgreSQL connection of the pool runs prepared statements with generic plans.
func TestPostgresGenericPlans(t *testing.T) {
	db, err := Open(context.Background(), testdb.Flavours[1].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.engine.(*postgresEngine).primary.pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("plan_cache_mode = %q, %v", mode, err)
	}
}

// An index build in small runs leaves the same indexes and puts the writer's settings back.
func TestBuildIndexesInRuns(t *testing.T) {
	defer func(n int) { sortInRunsFrom = n }(sortInRunsFrom)
	sortInRunsFrom = 0
	db, err := Open(context.Background(), testdb.Flavours[0].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	indexes := func() (n int) {
		db.write.QueryRow("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'projects'").Scan(&n)
		return n
	}
	before := indexes()
	owner := &projectd.User{Login: "ann", Email: "ann@example.com"}
	if err := db.ImportUsers(context.Background(), []*projectd.User{owner}); err != nil {
		t.Fatal(err)
	}
	done := false
	err = db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
		if done {
			return nil, nil
		}
		done = true
		return []*projectd.Project{{Name: "a", Owner: owner}, {Name: "b", Owner: owner}}, nil
	}, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
	var threads, cacheSize int
	db.write.QueryRow("PRAGMA threads").Scan(&threads)
	db.write.QueryRow("PRAGMA cache_size").Scan(&cacheSize)
	if after := indexes(); after != before || threads != 0 || cacheSize != -65536 {
		t.Fatalf("after the load: %d indexes (before %d), threads %d, cache_size %d", after, before, threads, cacheSize)
	}
}

// What a Postgres-compatible server without a feature answers is told apart from failures.
func TestIsUnsupported(t *testing.T) {
	for code, want := range map[string]bool{
		"42704": true, "22023": true, "0A000": true, "42601": true, // unknown setting, bad value, unsupported, syntax
		"40001": false, "23505": false, "08006": false,
	} {
		if got := isUnsupported(fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: code})); got != want {
			t.Errorf("isUnsupported(%s) = %v", code, got)
		}
	}
	if isUnsupported(nil) || isUnsupported(errors.New("connection reset")) {
		t.Error("an error that is no server's answer counts as unsupported")
	}
}

// storeOfOwners opens an SQLite store where users u01..uNN each own one project named
// "uNN's", and returns it with an admin's context to list them.
func storeOfOwners(t *testing.T, n int) (*DB, context.Context) {
	db, err := Open(context.Background(), testdb.Flavours[0].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	for i := 1; i <= n; i++ {
		u := &projectd.User{Login: fmt.Sprintf("u%02d", i), Email: fmt.Sprintf("u%02d@example.com", i)}
		if err := db.CreateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		ctx := projectd.NewContextWithAuth(context.Background(), &projectd.Auth{User: u, Scopes: []string{projectd.ScopeWrite}})
		if _, err := db.CreateProject(ctx, &projectd.ProjectCreate{Name: u.Login + "'s"}); err != nil {
			t.Fatal(err)
		}
	}
	return db, projectd.NewContextWithAuth(context.Background(), &projectd.Auth{User: &projectd.User{Role: projectd.RoleAdmin}, Scopes: []string{projectd.ScopeRead}})
}

// The reference cache stays under its bound: a load that would pass it starts the map
// again, and pages stay right throughout.
func TestRefCacheBounded(t *testing.T) {
	defer func(n int) { maxCachedRefs = n }(maxCachedRefs)
	maxCachedRefs = 4
	db, admin := storeOfOwners(t, 5)
	var after []any
	for _, want := range []struct {
		owners string
		cached int
	}{{"u01 u02", 2}, {"u03 u04", 4}, {"u05", 1}} {
		page, err := db.ListProjects(admin, projectd.ProjectQuery{Limit: 2, After: after})
		if err != nil {
			t.Fatal(err)
		}
		var owners []string
		for _, p := range page.Projects {
			if p.Name != p.Owner.Login+"'s" || p.CreatedBy.Login != p.Owner.Login {
				t.Fatalf("project %q with owner %q, creator %q", p.Name, p.Owner.Login, p.CreatedBy.Login)
			}
			owners = append(owners, p.Owner.Login)
			after = db.Ext.Keyset(p, []projectd.SortKey{{Field: projectd.SortID}})
		}
		if got := strings.Join(owners, " "); got != want.owners || len(db.refs.users) != want.cached {
			t.Fatalf("owners %q with %d users cached; want %q with %d", got, len(db.refs.users), want.owners, want.cached)
		}
	}
}

// A project naming a user that does not exist is a broken store: an internal error, not a
// project with an empty owner.
func TestRefCacheMissingUser(t *testing.T) {
	db, err := Open(context.Background(), testdb.Flavours[0].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	projects := []*projectd.Project{{ID: 7}}
	err = db.refs.fill(context.Background(), db, projects, []projectRefs{{owner: 404, createdBy: 404, updatedBy: 404}})
	if projectd.ErrorCode(err) != projectd.EINTERNAL || projects[0].Owner != nil {
		t.Fatalf("fill with a missing user: %v, owner %+v", err, projects[0].Owner)
	}
}

// Past its bound the statement cache runs queries unprepared, with the same results, and
// keeps no more statements.
func TestPreparedReadsBounded(t *testing.T) {
	defer func(n int) { maxPreparedReads = n }(maxPreparedReads)
	db, err := Open(context.Background(), testdb.Flavours[0].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	maxPreparedReads = db.engine.(*sqliteEngine).nstmts + 1
	for i := 0; i < 3; i++ {
		for _, q := range []string{"SELECT 1 + ?", "SELECT 2 + ?"} {
			var n int
			if err := db.queryRow(context.Background(), q, 40).Scan(&n); err != nil || n != 40+int(q[7]-'0') {
				t.Fatalf("%s: %d, %v", q, n, err)
			}
			r, err := db.query(context.Background(), q, 1)
			if err != nil || !r.Next() {
				t.Fatalf("%s: %v", q, err)
			}
			r.Close()
		}
	}
	if db.engine.(*sqliteEngine).nstmts != maxPreparedReads {
		t.Fatalf("%d statements kept, want %d", db.engine.(*sqliteEngine).nstmts, maxPreparedReads)
	}
	if _, err := db.query(context.Background(), "SELECT nonsense FROM nowhere"); err == nil {
		t.Fatal("a bad query past the bound reported no error")
	}
}

// Pages listed at once by many callers, while loads keep emptying a small cache, still
// name the right users (run under -race, this also checks the cache's locking).
func TestRefCacheConcurrentPages(t *testing.T) {
	defer func(n int) { maxCachedRefs = n }(maxCachedRefs)
	maxCachedRefs = 3
	db, admin := storeOfOwners(t, 12)
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				idGt := int64((w + i) % 10)
				page, err := db.ListProjects(admin, projectd.ProjectQuery{Limit: 3, Filter: projectd.ProjectFilter{IDGt: &idGt}})
				if err != nil {
					t.Error(err)
					return
				}
				for _, p := range page.Projects {
					if p.Name != p.Owner.Login+"'s" || p.UpdatedBy.Email != p.Owner.Email {
						t.Errorf("project %q with owner %+v, editor %+v", p.Name, p.Owner, p.UpdatedBy)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// A store that cannot answer is an internal failure, never the caller's mistake: an
// operator naming a login gets "no user" only when there is none.
func TestStoreFailureIsNotInvalidInput(t *testing.T) {
	db, err := Open(context.Background(), testdb.Flavours[0].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.CreateToken(ctx, "nobody", "t", nil, 0); projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) != "login" {
		t.Fatalf("an unknown login: %v", err)
	}
	db.Close()
	for name, call := range map[string]func() error{
		"token":    func() error { _, err := db.CreateToken(ctx, "ann", "t", nil, 0); return err },
		"key":      func() error { _, err := db.CreateAccessKey(ctx, "ann", 0); return err },
		"authcode": func() error { _, err := db.CreateAuthCode(ctx, "ann"); return err },
	} {
		if err := call(); projectd.ErrorCode(err) != projectd.EINTERNAL {
			t.Errorf("%s on a closed store: %v (%s), want an internal error", name, err, projectd.ErrorCode(err))
		}
	}
}

// A new SQLite store, its WAL and its shared memory are readable by their owner alone.
func TestSQLiteFilesArePrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	db, err := Open(context.Background(), "sqlite:"+path, testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateUser(context.Background(), &projectd.User{Login: "ann", Email: "ann@example.com", Role: projectd.RoleMember}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		info, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %o, want 600", filepath.Base(f), mode)
		}
	}
}

// A stream reads in chunks and holds no store connection while its callback waits: with
// more stalled streams than the SQLite reader pool has connections, pages still answer;
// and every project comes once, in order, across chunks cut by rows and by bytes.
func TestStreamsHoldNoConnectionWhileWaiting(t *testing.T) {
	defer func(n, b int) { streamChunk, streamChunkBytes = n, b }(streamChunk, streamChunkBytes)
	streamChunk, streamChunkBytes = 7, 300
	db, _ := storeOfOwners(t, 1)
	root := &projectd.User{Login: "root", Email: "root@example.com", Role: projectd.RoleAdmin}
	if err := db.CreateUser(context.Background(), root); err != nil {
		t.Fatal(err)
	}
	ctx := projectd.NewContextWithAuth(context.Background(), &projectd.Auth{User: root, Scopes: []string{projectd.ScopeRead, projectd.ScopeWrite}})
	for i := range 40 {
		ext := `{}`
		if i%5 == 0 {
			ext = `{"tasks":{"private_comment":"` + strings.Repeat("x", 200) + `"}}`
		}
		if _, err := db.CreateProject(ctx, &projectd.ProjectCreate{Name: fmt.Sprintf("p%02d", i), Owner: "u01", Ext: json.RawMessage(ext)}); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	q := projectd.ProjectQuery{Sort: []projectd.SortKey{{Field: projectd.SortName}}}
	if err := db.StreamProjects(ctx, q, func(p *projectd.Project) error { seen = append(seen, p.Name); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != 41 || !slices.IsSorted(seen) || slices.Compact(slices.Clone(seen))[40] != seen[40] {
		t.Fatalf("streamed %d: %v", len(seen), seen)
	}
	release := make(chan struct{})
	var started sync.WaitGroup
	done := make(chan error, 12)
	for range 12 { // the reader pool has 8
		started.Add(1)
		go func() {
			first := true
			done <- db.StreamProjects(ctx, q, func(*projectd.Project) error {
				if first {
					first = false
					started.Done()
					<-release
				}
				return nil
			})
		}()
	}
	started.Wait()
	pageDone := make(chan error, 1)
	go func() { _, err := db.ListProjects(ctx, projectd.ProjectQuery{Limit: 5}); pageDone <- err }()
	select {
	case err := <-pageDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a page waited on stalled streams")
	}
	close(release)
	for range 12 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

// A store whose schema falls behind the binary (an older copy restored under a running
// server) is not ready and says by how much.
func TestPingReportsPendingMigrations(t *testing.T) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) {
			ctx := context.Background()
			db, err := Open(ctx, f.New(t), testdb.Extensions(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("fresh store: %v", err)
			}
			if _, err := db.write.ExecContext(ctx, "DELETE FROM goose_db_version WHERE version_id = (SELECT MAX(version_id) FROM goose_db_version)"); err != nil {
				t.Fatal(err)
			}
			err = db.Ping(ctx)
			want := fmt.Sprintf("the schema is at version %d, this binary needs %d", db.schemaVersion-1, db.schemaVersion)
			if !errors.Is(err, projectd.ErrMigrationsPending) || !strings.Contains(err.Error(), want) {
				t.Fatalf("Ping = %v, want migrations pending: %s", err, want)
			}
		})
	}
}

// Backup copies SQLite stores; on PostgreSQL it says what to use instead.
func TestBackupOnPostgresSaysWhatToUse(t *testing.T) {
	db, err := Open(context.Background(), testdb.Flavours[1].New(t), testdb.Extensions(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	out := filepath.Join(t.TempDir(), "copy.db")
	if err := db.Backup(context.Background(), out); err == nil || !strings.Contains(err.Error(), "pg_dump") {
		t.Fatalf("Backup on PostgreSQL: %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a refused backup left a file")
	}
}
