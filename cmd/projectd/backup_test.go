package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// A backup taken from outside while 8 writers go on holds every write acknowledged before
// it began, passes SQLite's integrity check, and restored under a new name serves them.
func TestBackupUnderWriters(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	ann := s.User("ann", false)
	var (
		mu    sync.Mutex
		acked []int64
		stop  = make(chan struct{})
		wg    sync.WaitGroup
	)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := s.Do("POST", "/api/projects", ann, fmt.Sprintf(`{"name":"w%d-%d"}`, w, i))
				var p struct{ ID int64 }
				if r.StatusCode != 201 {
					t.Errorf("create during backup: %d %s", r.StatusCode, r.Body)
					return
				}
				r.JSON(t, &p)
				mu.Lock()
				acked = append(acked, p.ID)
				mu.Unlock()
			}
		}()
	}
	var before []int64 // wait for writes acknowledged before the backup: a loaded machine is slow to make them
	for deadline := time.Now().Add(10 * time.Second); len(before) < 16 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		mu.Lock()
		before = append([]int64(nil), acked...)
		mu.Unlock()
	}
	out := filepath.Join(t.TempDir(), "copy.db")
	printed := s.CLI("backup", "--out", out)
	time.Sleep(200 * time.Millisecond) // writers go on after the copy
	close(stop)
	wg.Wait()
	m := regexp.MustCompile(`^` + regexp.QuoteMeta(out) + `: integrity ok; 1 users, 0 workspaces, (\d+) projects\n$`).FindStringSubmatch(printed)
	if m == nil {
		t.Fatalf("backup printed %q", printed)
	}
	if n, _ := strconv.Atoi(m[1]); n < len(before) || n > len(acked) || len(before) == 0 {
		t.Fatalf("copy holds %d projects; %d were acknowledged before it, %d by the end", n, len(before), len(acked))
	}
	if info, err := os.Stat(out); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("copy: %v %v", info, err)
	}
	restored := filepath.Join(t.TempDir(), "restored.db")
	if got := s.CLI("restore", "--from", out, "--db", "sqlite:"+restored); !strings.Contains(got, "restored from "+out+"; 1 users, 0 workspaces, "+m[1]+" projects") {
		t.Fatalf("restore printed %q", got)
	}
	s2 := testserver.Start(t, "sqlite:"+restored)
	for _, id := range before {
		if r := s2.Do("GET", fmt.Sprintf("/api/projects/%d", id), ann, ""); r.StatusCode != 200 {
			t.Fatalf("project %d, acknowledged before the backup: %d in the restored store", id, r.StatusCode)
		}
	}
}

// Without PROJECTD_MASTER_KEY the key travels beside the copy and comes back beside the
// restored store; every refusal says why and leaves nothing behind.
func TestBackupAndRestoreRefusals(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "live.db")
	env := map[string]string{"PROJECTD_DB": "sqlite:" + db}
	run := func(args ...string) (string, error) {
		var out, errs bytes.Buffer
		err := cli.Run(context.Background(), args, func(k string) string { return env[k] }, nil, &out, &errs)
		return out.String(), err
	}
	if _, err := run("user", "create", "--login", "ann", "--email", "ann@example.com"); err != nil {
		t.Fatal(err)
	}
	copyDB := filepath.Join(dir, "copy.db")
	if _, err := run("backup", "--out", copyDB); err != nil {
		t.Fatal(err)
	}
	liveKey, _ := os.ReadFile(db + ".key")
	if key, err := os.ReadFile(copyDB + ".key"); err != nil || !bytes.Equal(key, liveKey) {
		t.Fatalf("key beside the copy: %q %v, want %q", key, err, liveKey)
	}
	restored := filepath.Join(dir, "restored.db")
	if _, err := run("restore", "--from", copyDB, "--db", "sqlite:"+restored); err != nil {
		t.Fatal(err)
	}
	if key, err := os.ReadFile(restored + ".key"); err != nil || !bytes.Equal(key, liveKey) {
		t.Fatalf("key beside the restored store: %q %v", key, err)
	}
	garbage := filepath.Join(dir, "garbage.db")
	os.WriteFile(garbage, []byte("not a database"), 0o600)
	os.WriteFile(garbage+".key", liveKey, 0o600)
	noKey := filepath.Join(dir, "nokey.db")
	os.Link(copyDB, noKey)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"backup"}, "--out is required"},
		{[]string{"backup", "--out", copyDB}, "file exists"},
		{[]string{"restore", "--from", copyDB}, "live.db exists: stop serve"},
		{[]string{"restore", "--from", copyDB, "--db", "postgres://127.0.0.1/x"}, "pg_restore"},
		{[]string{"restore", "--from", filepath.Join(dir, "missing.db"), "--db", "sqlite:" + filepath.Join(dir, "a.db")}, "no such file"},
		{[]string{"restore", "--from", garbage, "--db", "sqlite:" + filepath.Join(dir, "b.db")}, "not a database"},
		{[]string{"restore", "--from", noKey, "--db", "sqlite:" + filepath.Join(dir, "c.db")}, "keep FILE.key with a backup"},
		{[]string{"restore", "--db", "sqlite:" + filepath.Join(dir, "d.db")}, "--from is required"},
	} {
		if _, err := run(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want an error saying %q", tc.args, err, tc.want)
		}
	}
	for _, f := range []string{"a.db", "b.db", "c.db", "d.db"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			t.Errorf("a refused restore left %s", f)
		}
	}
}
