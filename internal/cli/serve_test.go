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
