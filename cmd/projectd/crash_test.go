package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"projectd/internal/testdb"
	"strings"
	"syscall"
	"testing"
	"time"
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
		if err := run(context.Background(), args, os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
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
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--addr", addr)
	cmd.Env = append(os.Environ(), "PROJECTD_TEST_MAIN=1", "PROJECTD_DB="+dsn, "PROJECTD_MASTER_KEY="+testMasterKey)
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
// checks, after a restart, that every write the server acknowledged is there.
func TestKillKeepsAcknowledgedWrites(t *testing.T) {
	forEachCLI(t, func(t *testing.T, s *server, _ testdb.Flavour) {
		s.cli("user", "create", "--login", "ann", "--email", "ann@example.com")
		token := strings.TrimSpace(s.cli("token", "create", "--login", "ann"))
		addr := freeAddr(t)
		s.base = "http://" + addr
		child := startProcess(t, s.dsn, addr)

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
					req, _ := http.NewRequest("POST", s.base+"/api/projects", strings.NewReader(fmt.Sprintf(`{"name":"w%d-%d"}`, w, i)))
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
		startProcess(t, s.dsn, addr)
		for _, id := range ids {
			if r := s.do("GET", fmt.Sprintf("/api/projects/%d", id), token, ""); r.StatusCode != 200 {
				t.Fatalf("acknowledged project %d is gone after the restart: %d", id, r.StatusCode)
			}
		}
		t.Logf("%d acknowledged writes survived SIGKILL", len(ids))
	})
}
