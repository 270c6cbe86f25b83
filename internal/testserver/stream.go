package testserver

import (
	"context"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"projectd"
	"projectd/sqlstore"
)

// LoadProjects bulk-loads n projects made by build straight into the store.
func LoadProjects(t testing.TB, db *sqlstore.DB, n int, build func(i int) *projectd.Project) {
	t.Helper()
	made := 0
	err := db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
		var batch []*projectd.Project
		for ; made < n && len(batch) < 10000; made++ {
			batch = append(batch, build(made))
		}
		return batch, nil
	}, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
}

// StreamPeak fetches url and returns how far the process's heap grew above its level
// before the request while the answer streamed, and the answer's size. The answer must
// end with suffix.
func StreamPeak(t testing.TB, url string, headers []string, suffix string) (uint64, int64) {
	t.Helper()
	// At the collector's default target: serve's own (serveGCPercent) lets garbage reach
	// five times the live heap, which a long stream fills whatever it keeps.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tail := &tailWriter{}
	size, _ := io.Copy(tail, resp.Body) // read and drop, keeping only the end
	resp.Body.Close()
	close(done)
	if !strings.HasSuffix(strings.TrimSpace(string(tail.last)), suffix) {
		t.Fatalf("%s: the answer ends %q, want %q", url, tail.last, suffix)
	}
	if peak.Load() < before.HeapAlloc {
		return 0, size
	}
	return peak.Load() - before.HeapAlloc, size
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct{ last []byte }

func (w *tailWriter) Write(p []byte) (int, error) {
	w.last = append(w.last, p...)
	if len(w.last) > 64 {
		w.last = w.last[len(w.last)-64:]
	}
	return len(p), nil
}
