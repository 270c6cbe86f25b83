package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"projectd"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// peakRSS is the high-water mark of a process's resident memory, in bytes (Linux).
func peakRSS(t *testing.T, pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("SKIPPING: no /proc status to read peak memory from: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}

// buildProjectd builds the server as users run it, into the test's directory: memory is
// measured on that binary, not on the test binary, which -race makes several times larger.
func buildProjectd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "projectd")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// largestTervisExt is the largest ext.tervis a write can hold: every collection at its
// most (empty items render every member), and the rest of the 256 KiB in strings.
func largestTervisExt() string {
	items := strings.TrimSuffix(strings.Repeat("{},", 100), ",")
	small := `{"tervis":{"Stamps":[` + items + `],"Assets":[` + items + `],"Product":{"Backgrounds":[` + items + `]},"PreviewImageDetails":"`
	fill := projectd.MaxExtBytes - len(small) - len(`"}}`) - 64
	return small + strings.Repeat("x", fill) + `"}}`
}

// 16 readers at once of the largest project a write can make, in JSON and in XML, keep
// the server's peak resident memory under 256 MB: what is rendered is bounded by what
// was written.
func TestLargestProjectReadsStayBounded(t *testing.T) {
	s := testserver.Offline(t, testdb.Flavours[0].New(t))
	s.CLI("user", "create", "--login", "ann", "--email", "ann@example.com")
	token := strings.TrimSpace(s.CLI("token", "create", "--login", "ann"))
	addr := testserver.FreeAddr(t)
	s.Base = "http://" + addr
	child := startServe(t, exec.Command(buildProjectd(t), "serve", "--addr", addr), s.DSN, addr)
	for i := range 3 {
		body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("big %d", i), "ext": json.RawMessage(largestTervisExt())})
		req, _ := http.NewRequest("POST", s.Base+"/api/projects", strings.NewReader(string(body)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 201 {
			t.Fatalf("the largest project: %d", resp.StatusCode)
		}
	}
	var me struct {
		User struct{ UID string } `json:"user"`
	}
	req, _ := http.NewRequest("GET", s.Base+"/api/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	var wg sync.WaitGroup
	var mu sync.Mutex
	largest := int64(0)
	for reader := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				req, _ := http.NewRequest("GET", s.Base+"/projects/GetUserProjects/"+me.User.UID, nil)
				req.Header.Set("Authorization", "Bearer "+token)
				if reader%2 == 1 {
					req.Header.Set("Accept", "application/xml")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				largest = max(largest, n)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	peak := peakRSS(t, child.Process.Pid)
	t.Logf("peak RSS %d MB; the largest answer (3 projects) %d KB", peak>>20, largest>>10)
	if peak > 256<<20 {
		t.Fatalf("peak RSS %d MB, want under 256 MB", peak>>20)
	}
	if largest > 4<<20 {
		t.Fatalf("an answer of 3 projects took %d KB", largest>>10)
	}
}
