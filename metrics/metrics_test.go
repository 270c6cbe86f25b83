package metrics

import (
	"net/http"
	"testing"
	"time"

	"projectd"
	"projectd/httpserver"
)

type noStats struct{}

func (noStats) PoolStats() []projectd.PoolStats   { return nil }
func (noStats) CacheStats() []projectd.CacheStats { return nil }

func (noStats) ReplicaStats() []projectd.ReplicaStats { return nil }

// BenchmarkObserveRequest is what metrics add to a request already seen: Begin, End and
// two store operations.
func BenchmarkObserveRequest(b *testing.B) {
	m := New(Build{Engine: "sqlite"}, noStats{}, []string{"native"})
	served := httpserver.Served{Surface: "native", Route: "/api/projects", Method: http.MethodGet, Status: 200, Bytes: 9000, Duration: 300 * time.Microsecond}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Begin()
			m.ObserveStore(projectd.OpGet, 20*time.Microsecond)
			m.ObserveStore(projectd.OpPage, 80*time.Microsecond)
			m.End(served)
		}
	})
}

func TestLabelsOfClientValues(t *testing.T) {
	for method, want := range map[string]string{"GET": "GET", "PATCH": "PATCH", "get": "other", "BREW": "other"} {
		if got := methodLabel(method); got != want {
			t.Errorf("method %q is labelled %q, want %q", method, got, want)
		}
	}
	for status, want := range map[int]string{200: "2xx", 204: "2xx", 304: "3xx", 429: "4xx", 503: "5xx", 0: "other", 999: "other"} {
		if got := statusClass(status); got != want {
			t.Errorf("status %d is labelled %q, want %q", status, got, want)
		}
	}
}
