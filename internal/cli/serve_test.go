package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

// serve collects garbage at serveGCPercent and under serveMemoryLimit unless GOGC and
// GOMEMLIMIT are set, which then win.
func TestServeGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	const unlimited = math.MaxInt64
	debug.SetMemoryLimit(unlimited)
	tuneGC(func(k string) string { return map[string]string{"GOGC": "100", "GOMEMLIMIT": "1GiB"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC=100 set the GC percent became %d", got)
	}
	if got := debug.SetMemoryLimit(-1); got != unlimited {
		t.Fatalf("with GOMEMLIMIT set the memory limit became %d", got)
	}
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC the GC percent is %d, want %d", got, serveGCPercent)
	}
	if got := debug.SetMemoryLimit(-1); got != serveMemoryLimit {
		t.Fatalf("without GOMEMLIMIT the memory limit is %d, want %d", got, serveMemoryLimit)
	}
}

// --db-replica takes one URL each time, PROJECTD_DB_REPLICA several separated by spaces
// (a multi-host URL keeps its commas); anything but a postgres:// URL is refused.
func TestReplicaURLs(t *testing.T) {
	var r replicaURLs
	if err := r.Set("postgres://a:5433,b:5434/db postgresql://c/db"); err != nil {
		t.Fatal(err)
	}
	if err := r.Set("postgres://d/db"); err != nil {
		t.Fatal(err)
	}
	if want := "postgres://a:5433,b:5434/db postgresql://c/db postgres://d/db"; r.String() != want {
		t.Errorf("replicas %q, want %q", r.String(), want)
	}
	for _, bad := range []string{"", " ", "host=x port=5433", "mysql://x", "postgres://ok sqlite:x"} {
		before := len(r)
		if err := r.Set(bad); err == nil {
			t.Errorf("Set(%q) took it", bad)
		}
		if len(r) != before {
			t.Errorf("Set(%q) kept part of it", bad)
		}
	}
}
