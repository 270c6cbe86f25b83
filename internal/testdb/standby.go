package testdb

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// A hot standby of the PostgreSQL test server, for the read replica tests: at
// PROJECTD_TEST_STANDBY (default postgres://postgres@127.0.0.1:5433/test?sslmode=disable),
// a Debian cluster named PROJECTD_TEST_STANDBY_CLUSTER (default "standby") that
// scripts/pg-cluster makes (.ci/run does). Tests that need it skip and say so when it is
// missing, unless PROJECTD_REQUIRE_STANDBY=1 (as in CI), which fails them instead.

// Standby is a hot standby that a test may pause, stop and start.
type Standby struct {
	URL     string // of the test database on the standby, with the test's search_path
	Cluster string // its Debian cluster name, for pg_ctlcluster
}

func standbyURL() string {
	if v := os.Getenv("PROJECTD_TEST_STANDBY"); v != "" {
		return v
	}
	return "postgres://postgres@127.0.0.1:5433/test?sslmode=disable"
}

// needStandby skips or fails t, as PROJECTD_REQUIRE_STANDBY says, for want of what.
func needStandby(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("PROJECTD_REQUIRE_STANDBY") == "1" {
		t.Fatalf("a PostgreSQL standby is required (PROJECTD_REQUIRE_STANDBY=1): %s", what)
	}
	t.Skipf("SKIPPING replica test: %s; make one with scripts/pg-cluster (see README, Read replicas)", what)
}

// NewWithStandby returns a fresh database on the PostgreSQL test server (as Flavours'
// postgres) and the same database as its hot standby serves it, once the standby has
// replayed its creation.
func NewWithStandby(t testing.TB) (primary string, standby *Standby) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, standbyURL())
	if err != nil {
		needStandby(t, "no standby answers at "+standbyURL()+": "+err.Error())
	}
	defer conn.Close(ctx)
	var inRecovery bool
	if err := conn.QueryRow(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		needStandby(t, "the server at "+standbyURL()+" is not a standby")
	}
	primary = newPostgres(t)
	schema := searchPath(t, primary)
	cluster := os.Getenv("PROJECTD_TEST_STANDBY_CLUSTER")
	if cluster == "" {
		cluster = "standby"
	}
	standby = &Standby{URL: withSearchPath(t, standbyURL(), schema), Cluster: cluster}
	WaitFor(t, 30*time.Second, "the standby to replay the new schema", func() bool {
		var n int
		return conn.QueryRow(ctx, "SELECT count(*) FROM pg_namespace WHERE nspname = $1", schema).Scan(&n) == nil && n == 1
	})
	return primary, standby
}

func searchPath(t testing.TB, dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return cfg.RuntimeParams["search_path"]
}

// Exec runs a statement on the standby's test database.
func (s *Standby) Exec(t testing.TB, sql string) {
	t.Helper()
	Exec(t, s.URL, sql)
}

// Exec runs a statement on the database at url.
func Exec(t testing.TB, url, sql string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// PauseReplay stops the standby replaying the primary's WAL until ResumeReplay or the
// end of the test.
func (s *Standby) PauseReplay(t testing.TB) {
	t.Helper()
	s.Exec(t, "SELECT pg_wal_replay_pause()")
	t.Cleanup(func() { s.ResumeReplay(t) })
}

func (s *Standby) ResumeReplay(t testing.TB) {
	t.Helper()
	s.Exec(t, "SELECT pg_wal_replay_resume()")
}

// Stop and Start stop and start the standby's cluster; a stopped one starts again when
// the test ends.
func (s *Standby) Stop(t testing.TB) {
	t.Helper()
	Cluster(t, s.Cluster, "stop", "-m", "fast")
	t.Cleanup(func() {
		if exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", pgVersion(t), s.Cluster, "status").Run() != nil {
			Cluster(t, s.Cluster, "start")
		}
	})
}

func (s *Standby) Start(t testing.TB) {
	t.Helper()
	Cluster(t, s.Cluster, "start")
}

// Cluster runs pg_ctlcluster on a cluster of the newest installed PostgreSQL.
func Cluster(t testing.TB, name, action string, args ...string) {
	t.Helper()
	cmd := exec.Command("pg_ctlcluster", append([]string{"--skip-systemctl-redirect", pgVersion(t), name, action}, args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pg_ctlcluster %s %s: %v\n%s", name, action, err, out)
	}
}

func pgVersion(t testing.TB) string {
	entries, err := os.ReadDir("/etc/postgresql")
	if err != nil || len(entries) == 0 {
		t.Fatalf("no PostgreSQL clusters in /etc/postgresql: %v", err)
	}
	var versions []string
	for _, e := range entries {
		versions = append(versions, e.Name())
	}
	major := func(v string) int { n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0]); return n }
	sort.Slice(versions, func(i, j int) bool { return major(versions[i]) < major(versions[j]) })
	return versions[len(versions)-1]
}

// Pair is a PostgreSQL primary and its hot standby made for one test (a failover test
// stops its primary), on ports 5434 and 5435; both are dropped when the test ends.
type Pair struct {
	PrimaryURL, StandbyURL         string
	PrimaryCluster, StandbyCluster string
}

// NewPair makes a Pair with scripts/pg-cluster. It needs root and Debian's cluster
// tools; without them it skips, or fails under PROJECTD_REQUIRE_STANDBY=1.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	if os.Geteuid() != 0 {
		needStandby(t, "a primary and a standby of the test's own need root")
	}
	if _, err := exec.LookPath("pg_createcluster"); err != nil {
		needStandby(t, "no pg_createcluster (Debian's postgresql-common)")
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", "..", "scripts", "pg-cluster")
	p := &Pair{
		PrimaryURL: "postgres://postgres@127.0.0.1:5434/test?sslmode=disable", PrimaryCluster: "projectd-failover-primary",
		StandbyURL: "postgres://postgres@127.0.0.1:5435/test?sslmode=disable", StandbyCluster: "projectd-failover-standby",
	}
	run := func(args ...string) {
		if out, err := exec.Command(script, args...).CombinedOutput(); err != nil {
			t.Fatalf("pg-cluster %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	t.Cleanup(func() { run("drop", p.StandbyCluster); run("drop", p.PrimaryCluster) })
	run("primary", p.PrimaryCluster, "5434")
	run("standby", p.StandbyCluster, "5435", "5434")
	return p
}

// WaitFor polls cond until it holds, failing t after timeout.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
	}
}
