package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// The read replica tests run serve as child processes on a PostgreSQL primary with a hot
// standby as its replica (testdb.NewWithStandby; .ci/run makes the standby), and one on a
// primary and standby of their own for the failover (testdb.NewPair).

// replicaServe is a serve child process with replicas, its metrics listener, and a
// Server to send it requests (Do, which checks each answer against its OpenAPI document).
type replicaServe struct {
	*testserver.Server
	base, metrics string
}

// startReplicaServe runs serve with args, without a rate limit: the load tests send more
// than a user's 6,000 requests a minute.
func startReplicaServe(t testing.TB, dsn string, args ...string) *replicaServe {
	t.Helper()
	addr, metrics := testserver.FreeAddr(t), testserver.FreeAddr(t)
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^$", "--", "serve", "--addr", addr, "--metrics-addr", metrics, "--access-log=false", "--rate-limit", "0"}, args...)...)
	startServe(t, cmd, dsn, addr)
	s := testserver.Offline(t, dsn)
	s.Base = "http://" + addr
	return &replicaServe{s, s.Base, metrics}
}

// metric is the value of a series of serve's metrics ("name{labels}"), 0 when absent.
func (s *replicaServe) metric(t testing.TB, series string) float64 {
	t.Helper()
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), " "); ok && name == series {
			v, err := strconv.ParseFloat(value, 64)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
	}
	return 0
}

// lists are the project lists of three surfaces that a replica may serve, each as the
// caller's own projects or every visible one.
var lists = map[string]string{"native": "/api/projects?limit=1000", "yatasks": "/api/v1/projects?limit=300", "textking": "/v1/projects?per_page=100"}

// sees reports whether the caller's list on surface names a project called name.
func (s *replicaServe) sees(t *testing.T, surface, token, name string) bool {
	t.Helper()
	r := s.Do("GET", lists[surface], token, "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("%s list: %d %s", surface, r.StatusCode, r.Body)
	}
	return strings.Contains(string(r.Body), `"`+name+`"`)
}

// replicaUsers makes ada (a member, who writes) and root (an admin, who reads everything)
// and waits until the standby has them.
func replicaUsers(t *testing.T, primary string, standby *testdb.Standby) (ada, root string) {
	s := testserver.Offline(t, primary)
	ada, root = s.User("ada", false), s.User("root", true)
	testdb.WaitFor(t, 30*time.Second, "the standby to replay the users", func() bool {
		return countOn(standby.URL, "users") == 2
	})
	return ada, root
}

// countOn counts a table's rows on the database at url; -1 while it cannot (a standby
// that has not replayed the table yet).
func countOn(url, table string) int64 {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return -1
	}
	defer conn.Close(ctx)
	var n int64
	if conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n) != nil {
		return -1
	}
	return n
}

// queryStrings runs a query of one text column on the database at url.
func queryStrings(t *testing.T, url, query string) []string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With the standby's replay paused, a caller's writes through one serve are read back
// through the other, on every surface, while a caller who did not write is served the
// replica's older data.
func TestReplicaReadYourWrites(t *testing.T) {
	primary, standby := testdb.NewWithStandby(t)
	ada, root := replicaUsers(t, primary, standby)
	a := startReplicaServe(t, primary, "--db-replica", standby.URL, "--replica-max-lag", "5m")
	b := startReplicaServe(t, primary, "--db-replica", standby.URL, "--replica-max-lag", "5m")
	standby.PauseReplay(t)

	created := a.Do("POST", "/api/projects", ada, `{"name":"written-through-a"}`)
	if created.StatusCode != http.StatusCreated {
		t.Fatalf("create through a: %d %s", created.StatusCode, created.Body)
	}
	if got := b.Do("GET", strings.TrimPrefix(created.Header.Get("Location"), a.base), ada, ""); got.StatusCode != http.StatusOK {
		t.Errorf("ada's new project through b: %d %s", got.StatusCode, got.Body)
	}
	if got := b.Do("POST", "/v1/projects", ada, `{"name":"written-through-b"}`); got.StatusCode != http.StatusCreated {
		t.Fatalf("TextKing create through b: %d %s", got.StatusCode, got.Body)
	}
	for _, server := range []*replicaServe{a, b} {
		for surface := range lists {
			for _, name := range []string{"written-through-a", "written-through-b"} {
				if !server.sees(t, surface, ada, name) {
					t.Errorf("ada does not read back %s through %s's %s list", name, server.base, surface)
				}
				if server.sees(t, "native", root, name) {
					t.Errorf("root, who wrote nothing, read %s through %s: not from the paused replica", name, server.base)
				}
			}
		}
		if n := server.metric(t, `projectd_db_replica_reads_total{replica="127.0.0.1:5433"}`); n == 0 {
			t.Errorf("%s sent no reads to the replica", server.base)
		}
	}

	standby.ResumeReplay(t)
	testdb.WaitFor(t, 30*time.Second, "root to see both projects once the replica replays", func() bool {
		return b.sees(t, "native", root, "written-through-a") && b.sees(t, "native", root, "written-through-b")
	})
}

// A replica further behind than --replica-max-lag leaves the rotation — every caller then
// reads the primary's data — and rejoins when it has caught up.
func TestReplicaLagLimit(t *testing.T) {
	primary, standby := testdb.NewWithStandby(t)
	ada, root := replicaUsers(t, primary, standby)
	s := startReplicaServe(t, primary, "--db-replica", standby.URL, "--replica-max-lag", "1s")
	const up = `projectd_db_replica_up{replica="127.0.0.1:5433"}`
	testdb.WaitFor(t, 10*time.Second, "the replica in rotation", func() bool { return s.metric(t, up) == 1 })

	standby.PauseReplay(t)
	if got := s.Do("POST", "/api/projects", ada, `{"name":"while-paused"}`); got.StatusCode != http.StatusCreated {
		t.Fatalf("create: %d %s", got.StatusCode, got.Body)
	}
	if s.sees(t, "native", root, "while-paused") {
		t.Fatal("root saw the new project at once: its read did not go to the paused replica")
	}
	testdb.WaitFor(t, 5*time.Second, "the lagging replica out of rotation", func() bool { return s.metric(t, up) == 0 })
	if lag := s.metric(t, `projectd_db_replica_lag_seconds{replica="127.0.0.1:5433"}`); lag < 1 {
		t.Errorf("lag %.2fs out of rotation, want more than the 1s limit", lag)
	}
	if !s.sees(t, "native", root, "while-paused") {
		t.Error("with the replica out of rotation root still read its old data")
	}

	standby.ResumeReplay(t)
	testdb.WaitFor(t, 10*time.Second, "the replica back in rotation", func() bool { return s.metric(t, up) == 1 })
	reads := s.metric(t, `projectd_db_replica_reads_total{replica="127.0.0.1:5433"}`)
	if !s.sees(t, "native", root, "while-paused") {
		t.Error("the caught-up replica lacks the project")
	}
	if s.metric(t, `projectd_db_replica_reads_total{replica="127.0.0.1:5433"}`) <= reads {
		t.Error("the caught-up replica took no reads")
	}
}

// load runs readers and a writer against servers until stop is closed and reports every
// answer's status, the slowest read, and the names of the projects whose creation was
// acknowledged. The writer reads each project it made through the native API back at
// once through the next server: found, or 503 while the database cannot answer, never
// missing.
type load struct {
	mu       sync.Mutex
	statuses map[int]int
	refused  int // 503s of the reader, who never writes: reads it was refused
	slowest  time.Duration
	acked    []string
	wg       sync.WaitGroup
	stop     chan struct{}
}

func startLoad(t *testing.T, bases []string, reader, writer string) *load {
	l := &load{statuses: map[int]int{}, stop: make(chan struct{})}
	client := &http.Client{Timeout: 20 * time.Second}
	do := func(method, url, token, body string) (status int, answer, location string) {
		req, _ := testserver.NewRequest(method, url, token, body)
		resp, err := client.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, url, err)
			return 0, "", ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", method, url)
		}
		return resp.StatusCode, string(b), resp.Header.Get("Location")
	}
	count := func(status int, took time.Duration, read bool) {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.statuses[status]++
		if read && took > l.slowest {
			l.slowest = took
		}
	}
	for i, base := range bases {
		for _, path := range lists {
			for _, token := range []string{reader, writer} {
				l.wg.Go(func() {
					for {
						select {
						case <-l.stop:
							return
						default:
						}
						start := time.Now()
						status, _, _ := do("GET", base+path, token, "")
						count(status, time.Since(start), true)
						if status == http.StatusServiceUnavailable && token == reader {
							l.mu.Lock()
							l.refused++
							l.mu.Unlock()
						}
					}
				})
			}
		}
		l.wg.Go(func() { // the writer, through the native API and TextKing in turn
			for n := 0; ; n++ {
				select {
				case <-l.stop:
					return
				default:
				}
				name := fmt.Sprintf("load-%d-%d", i, n)
				path := "/api/projects"
				if n%2 == 1 {
					path = "/v1/projects"
				}
				status, body, location := do("POST", base+path, writer, `{"name":"`+name+`"}`)
				count(status, 0, false)
				switch status {
				case http.StatusCreated:
					l.mu.Lock()
					l.acked = append(l.acked, name)
					l.mu.Unlock()
					if path == "/api/projects" { // read it back at once through the next serve
						other := bases[(i+1)%len(bases)]
						got, body, _ := do("GET", other+strings.TrimPrefix(location, base), writer, "")
						count(got, 0, false)
						if got != http.StatusOK && got != http.StatusServiceUnavailable {
							t.Errorf("the writer read its new project %s back through %s: %d %s", name, other, got, body)
						}
					}
				case http.StatusServiceUnavailable:
					checkUnavailableBody(t, path, body)
					time.Sleep(100 * time.Millisecond)
				}
			}
		})
	}
	return l
}

// checkUnavailableBody checks that a 503 is in the surface's own error format.
func checkUnavailableBody(t *testing.T, path, body string) {
	want := `"status":503` // the native API's problem+json
	if strings.HasPrefix(path, "/v1/") {
		want = `"error":"service_unavailable"` // TextKing's
	}
	if !strings.Contains(body, want) {
		t.Errorf("503 of %s is not in its surface's format (%s): %s", path, want, body)
	}
}

// end stops the load and returns the statuses it met.
func (l *load) end() map[int]int {
	close(l.stop)
	l.wg.Wait()
	return l.statuses
}

func (l *load) count(status int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.statuses[status]
}

// A replica stopped under load, started again, then stalled (its processes stopped with
// SIGSTOP): reads go on from the primary without an error, and the replica takes reads
// again once it answers.
func TestReplicaStoppedAndStalledUnderLoad(t *testing.T) {
	primary, standby := testdb.NewWithStandby(t)
	ada, root := replicaUsers(t, primary, standby)
	s := startReplicaServe(t, primary, "--db-replica", standby.URL)
	const up, reads = `projectd_db_replica_up{replica="127.0.0.1:5433"}`, `projectd_db_replica_reads_total{replica="127.0.0.1:5433"}`
	l := startLoad(t, []string{s.base}, root, ada)
	time.Sleep(time.Second)

	standby.Stop(t)
	testdb.WaitFor(t, 2*time.Second, "the stopped replica out of rotation", func() bool { return s.metric(t, up) == 0 })
	time.Sleep(time.Second)
	standby.Start(t)
	testdb.WaitFor(t, 30*time.Second, "the replica back in rotation", func() bool { return s.metric(t, up) == 1 })
	before := s.metric(t, reads)
	time.Sleep(500 * time.Millisecond)
	if s.metric(t, reads) <= before {
		t.Error("the restarted replica took no reads")
	}

	pids := clusterPIDs(t, standby.Cluster)
	signalAll(t, pids, syscall.SIGSTOP)
	t.Cleanup(func() { signalAll(t, pids, syscall.SIGCONT) })
	testdb.WaitFor(t, 2*time.Second, "the stalled replica out of rotation", func() bool { return s.metric(t, up) == 0 })
	time.Sleep(time.Second)
	signalAll(t, pids, syscall.SIGCONT)
	testdb.WaitFor(t, 30*time.Second, "the replica back in rotation after the stall", func() bool { return s.metric(t, up) == 1 })

	statuses := l.end()
	for status, n := range statuses {
		if status != http.StatusOK && status != http.StatusCreated {
			t.Errorf("%d answers of status %d", n, status)
		}
	}
	if statuses[http.StatusOK] == 0 || statuses[http.StatusCreated] == 0 {
		t.Errorf("no reads or no writes went through: %v", statuses)
	}
	// A read in flight on the stalled replica waits for the check that takes it out
	// (checkEvery + checkTimeout, under a second), then runs on the primary.
	if l.slowest > 3*time.Second {
		t.Errorf("the slowest read took %s", l.slowest)
	}
	t.Logf("answers %v, slowest read %s", statuses, l.slowest)
}

// clusterPIDs are the postmaster of a Debian cluster and its children.
func clusterPIDs(t *testing.T, cluster string) []int {
	t.Helper()
	out, err := exec.Command("pg_lsclusters", "-h").Output()
	if err != nil {
		t.Fatal(err)
	}
	var data string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) >= 6 && f[1] == cluster {
			data = f[5]
		}
	}
	pidFile, err := os.ReadFile(data + "/postmaster.pid")
	if err != nil {
		t.Fatal(err)
	}
	postmaster, err := strconv.Atoi(strings.SplitN(string(pidFile), "\n", 2)[0])
	if err != nil {
		t.Fatal(err)
	}
	pids := []int{postmaster}
	children, _ := exec.Command("pgrep", "-P", strconv.Itoa(postmaster)).Output()
	for _, f := range strings.Fields(string(children)) {
		if pid, err := strconv.Atoi(f); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids
}

func signalAll(t *testing.T, pids []int, sig syscall.Signal) {
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil && err != syscall.ESRCH {
			t.Errorf("kill -%d %d: %v", sig, pid, err)
		}
	}
}

// The primary stopped under load: writes answer 503 with Retry-After in each surface's
// format, reads go on from the replica (every one of a caller who did not write); the
// standby promoted takes the writes through
// the multi-host URL without restarting serve; every acknowledged write is there.
func TestFailover(t *testing.T) {
	pair := testdb.NewPair(t)
	multiHost := "postgres://postgres@127.0.0.1:5434,127.0.0.1:5435/test?sslmode=disable&target_session_attrs=read-write"
	off := testserver.Offline(t, multiHost)
	ada, root := off.User("ada", false), off.User("root", true)
	testdb.WaitFor(t, 30*time.Second, "the standby to replay the users", func() bool {
		return countOn(pair.StandbyURL, "users") == 2
	})
	a := startReplicaServe(t, multiHost, "--db-replica", pair.StandbyURL)
	b := startReplicaServe(t, multiHost, "--db-replica", pair.StandbyURL)
	l := startLoad(t, []string{a.base, b.base}, root, ada)
	time.Sleep(time.Second)

	testdb.Cluster(t, pair.PrimaryCluster, "stop", "-m", "fast")
	readsBefore := l.count(http.StatusOK)
	time.Sleep(2 * time.Second)
	if l.count(http.StatusServiceUnavailable) == 0 {
		t.Error("no write answered 503 while the primary was down")
	}
	if l.count(http.StatusOK) <= readsBefore {
		t.Error("no read went through while the primary was down")
	}

	testdb.Exec(t, pair.StandbyURL, "SELECT pg_promote()")
	created := l.count(http.StatusCreated)
	testdb.WaitFor(t, 30*time.Second, "writes to resume on the promoted standby", func() bool { return l.count(http.StatusCreated) > created+10 })
	statuses := l.end()
	for status, n := range statuses {
		if status != http.StatusOK && status != http.StatusCreated && status != http.StatusServiceUnavailable {
			t.Errorf("%d answers of status %d", n, status)
		}
	}
	// The writer may be refused a read while no server can show its last write; the
	// reader, who wrote nothing, is served by the replica throughout.
	if l.refused > 0 {
		t.Errorf("%d reads of a caller who never wrote answered 503", l.refused)
	}
	stored := map[string]bool{}
	for _, name := range queryStrings(t, pair.StandbyURL, "SELECT name FROM projects") {
		stored[name] = true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, name := range l.acked {
		if !stored[name] {
			t.Errorf("acknowledged project %s is not on the promoted primary", name)
		}
	}
	t.Logf("answers %v; %d acknowledged writes, all kept", statuses, len(l.acked))
}

// Bad replica settings stop serve with an error naming the flag, before it listens.
func TestReplicaFlags(t *testing.T) {
	env := func(k string) string { return map[string]string{"PROJECTD_MASTER_KEY": testserver.MasterKey}[k] }
	sqlite := "sqlite:" + filepath.Join(t.TempDir(), "r.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--db-replica", "host=127.0.0.1 port=5433"}, `-db-replica: "host=127.0.0.1" is not a postgres:// URL`},
		{[]string{"--db-replica", ""}, "-db-replica: give a postgres:// URL"},
		{[]string{"--replica-max-lag", "0s"}, "--replica-max-lag must be more than 0"},
		{[]string{"--replica-max-lag", "soon"}, `invalid value "soon" for flag -replica-max-lag`},
		{[]string{"--db", sqlite, "--db-replica", "postgres://127.0.0.1:5433/test"}, "--db-replica: sqlstore: read replicas need PostgreSQL"},
	} {
		args := append([]string{"serve", "--addr", testserver.FreeAddr(t)}, tc.args...)
		err := cli.Run(context.Background(), args, env, nil, &bytes.Buffer{}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}
}

// A replica that does not answer at start is an error naming it; serve does not start
// with a replica it cannot reach.
func TestReplicaUnreachableAtStart(t *testing.T) {
	primary := testdb.Flavours[1].New(t)
	env := func(k string) string {
		return map[string]string{"PROJECTD_MASTER_KEY": testserver.MasterKey, "PROJECTD_DB": primary}[k]
	}
	dead := "postgres://postgres@127.0.0.1:1/test?connect_timeout=2"
	err := cli.Run(context.Background(), []string{"serve", "--addr", testserver.FreeAddr(t), "--db-replica", dead}, env, nil, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "--db-replica: sqlstore: replica "+dead) {
		t.Fatalf("serve with an unreachable replica: %v", err)
	}
}
