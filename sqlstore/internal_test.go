package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

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
	db, err := Open(context.Background(), testdb.Flavours[1].New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("plan_cache_mode = %q, %v", mode, err)
	}
}

// An index build in small runs leaves the same indexes and puts the writer's settings back.
func TestBuildIndexesInRuns(t *testing.T) {
	defer func(n int) { sortInRunsFrom = n }(sortInRunsFrom)
	sortInRunsFrom = 0
	db, err := Open(context.Background(), testdb.Flavours[0].New(t))
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
