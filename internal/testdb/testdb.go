// Package testdb gives tests a fresh database of each store flavour: an SQLite file in a
// temporary directory and, when a server is reachable, a PostgreSQL schema of its own.
//
// PostgreSQL is found at PROJECTD_TEST_POSTGRES (default
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). When it is not reachable the
// PostgreSQL cases skip and say so, unless PROJECTD_REQUIRE_POSTGRES=1 (as in CI), which
// makes them fail instead.
package testdb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Flavour is one store flavour under test.
type Flavour struct {
	Name string
	// New returns the DSN of a fresh, empty database; it is removed when t ends.
	New func(t testing.TB) string
}

// Flavours are the store flavours every store and HTTP test runs on.
var Flavours = []Flavour{
	{Name: "sqlite", New: newSQLite},
	{Name: "postgres", New: newPostgres},
}

func newSQLite(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "projectd.db")
}

func postgresURL() string {
	if v := os.Getenv("PROJECTD_TEST_POSTGRES"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

var (
	reachOnce sync.Once
	reachErr  error
)

func newPostgres(t testing.TB) string {
	base := postgresURL()
	reachOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err == nil {
			conn.Close(ctx)
		}
		reachErr = err
	})
	if reachErr != nil {
		if os.Getenv("PROJECTD_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("PostgreSQL is required (PROJECTD_REQUIRE_POSTGRES=1) but not reachable at %s: %v", base, reachErr)
		}
		t.Skipf("SKIPPING PostgreSQL test: no server at %s (%v); set PROJECTD_TEST_POSTGRES to run it", base, reachErr)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Logf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
	})
	return withSearchPath(t, base, schema)
}

// withSearchPath is the DSN base with its sessions in schema.
func withSearchPath(tb testing.TB, base, schema string) string {
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchDir is where benchmarks keep the SQLite stores they build once:
// PROJECTD_BENCH_DIR, else the system's temporary directory.
func BenchDir() string {
	if dir := os.Getenv("PROJECTD_BENCH_DIR"); dir != "" {
		return dir
	}
	return os.TempDir()
}

// KeptPostgres returns the DSN of schema in the PostgreSQL test server, created when
// missing and kept after the run, for benchmarks that build a large store once. When no
// server answers it says so and returns "".
func KeptPostgres(tb testing.TB, schema string) string {
	ctx := context.Background()
	base := postgresURL()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Logf("SKIPPING PostgreSQL: no server at %s (%v)", base, err)
		return ""
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema); err != nil {
		tb.Fatal(err)
	}
	return withSearchPath(tb, base, schema)
}
