package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// TestMain lets the test binary stand in for projectd: with PROJECTD_TEST_MAIN set it
// runs the arguments that follow "--" as main would, so tests can kill a real process.
func TestMain(m *testing.M) {
	if os.Getenv("PROJECTD_TEST_MAIN") == "1" {
		args := os.Args[1:]
		for i, a := range args {
			if a == "--" {
				args = args[i+1:]
				break
			}
		}
		if err := cli.Run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "projectd:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// startProcess runs "projectd serve" as a child process on dsn.
func startProcess(t *testing.T, dsn, addr string) *exec.Cmd {
	t.Helper()
	return startServe(t, exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--addr", addr), dsn, addr)
}

// startServe starts cmd, a serve on addr, on dsn and waits until it is ready.
func startServe(t testing.TB, cmd *exec.Cmd, dsn, addr string) *exec.Cmd {
	t.Helper()
	cmd.Env = append(os.Environ(), "PROJECTD_TEST_MAIN=1", "PROJECTD_DB="+dsn, "PROJECTD_MASTER_KEY="+testserver.MasterKey)
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(15 * time.Second); ; {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("child server not ready:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestKillKeepsAcknowledgedWrites kills the server with SIGKILL while clients write and
// checks, after a restart, that every write the server acknowledged is there and that the
// maintained counters agree with the rows.
func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	forEachCLI(t, func(t *testing.T, s *testserver.Server, _ testdb.Flavour) {
		s.CLI("user", "create", "--login", "ann", "--email", "ann@example.com")
		token := strings.TrimSpace(s.CLI("token", "create", "--login", "ann"))
		addr := testserver.FreeAddr(t)
		s.Base = "http://" + addr
		child := startProcess(t, s.DSN, addr)

		acked := make(chan int64, 10000)
		stop := make(chan struct{})
		done := make(chan struct{})
		for w := 0; w < 4; w++ {
			go func(w int) {
				defer func() { done <- struct{}{} }()
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					req, _ := http.NewRequest("POST", s.Base+"/api/projects", strings.NewReader(fmt.Sprintf(`{"name":"w%d-%d"}`, w, i)))
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return // the server is gone
					}
					resp.Body.Close()
					var id int64
					loc := resp.Header.Get("Location")
					if resp.StatusCode == http.StatusCreated {
						if _, err := fmt.Sscanf(loc[strings.LastIndex(loc, "/")+1:], "%d", &id); err == nil {
							acked <- id
						}
					}
				}
			}(w)
		}
		time.Sleep(700 * time.Millisecond)
		if err := child.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		child.Wait()
		close(stop)
		for i := 0; i < 4; i++ {
			<-done
		}
		close(acked)
		var ids []int64
		for id := range acked {
			ids = append(ids, id)
		}
		if len(ids) < 10 {
			t.Fatalf("only %d writes were acknowledged before the kill", len(ids))
		}
		startProcess(t, s.DSN, addr)
		for _, id := range ids {
			if r := s.Do("GET", fmt.Sprintf("/api/projects/%d", id), token, ""); r.StatusCode != 200 {
				t.Fatalf("acknowledged project %d is gone after the restart: %d", id, r.StatusCode)
			}
		}
		store := testserver.OpenStore(t, s.DSN)
		if err := store.VerifyCounters(context.Background()); err != nil {
			t.Errorf("after the kill: %v", err)
		}
		store.Close()
		t.Logf("%d acknowledged writes survived SIGKILL", len(ids))
	})
}

// TestKilledSeedLeavesStoreAsItWas kills seed in the middle of its bulk load, which runs
// with a rollback journal on SQLite, and checks that the store comes back as it was before
// the load (in WAL mode, whole, without the load's projects) and takes the next seed.
func TestKilledSeedLeavesStoreAsItWas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "projectd.db")
	dsn := "sqlite:" + path
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "seed", "--db", dsn, "--users", "5", "--workspaces", "1", "--projects", "5000000")
	cmd.Env = append(os.Environ(), "PROJECTD_TEST_MAIN=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// Kill it once the progress bar shows projects written (or after at most 30 s).
	seen := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := stderr.Read(buf)
			if strings.Contains(string(buf[:n]), "0000/5000000") {
				close(seen)
				io.Copy(io.Discard, stderr)
				return
			}
			if err != nil {
				return
			}
		}
	}()
	select {
	case <-seen:
	case <-time.After(30 * time.Second):
		t.Fatal("seed showed no progress")
	}
	if _, err := os.Stat(path + "-journal"); err != nil {
		t.Errorf("the load into an empty store should run with a rollback journal: %v", err)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	store := testserver.OpenStore(t, dsn) // the store opens as serve would after the kill
	if err := store.VerifyCounters(context.Background()); err != nil {
		t.Errorf("after the killed load: %v", err)
	}
	store.Close()
	raw, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var projects, users int
	if err := raw.QueryRow("SELECT (SELECT count(*) FROM projects), (SELECT count(*) FROM users)").Scan(&projects, &users); err != nil || projects != 0 || users != 5 {
		t.Fatalf("after the killed load: %d projects, %d users, %v; want 0 and the 5 users made before the load", projects, users, err)
	}
	for pragma, want := range map[string]string{"journal_mode": "wal", "integrity_check": "ok"} {
		var got string
		if err := raw.QueryRow("PRAGMA " + pragma).Scan(&got); err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	var out, errs bytes.Buffer
	if err := cli.Run(context.Background(), []string{"seed", "--db", dsn, "--users", "3", "--projects", "3000"}, os.Getenv, nil, &out, &errs); err != nil {
		t.Fatalf("seed after the kill: %v\n%s", err, errs.String())
	}
	var mode string
	if err := raw.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("after a load the store is in %q mode, %v; want wal", mode, err)
	}
	if _, err := os.Stat(path + "-journal"); !os.IsNotExist(err) {
		t.Errorf("a rollback journal is left after the load: %v", err)
	}
}
