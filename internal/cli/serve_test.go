package cli

import (
	"runtime/debug"
	"testing"
)

// serve collects garbage at serveGCPercent unless GOGC is set, which then wins.
func TestServeGCPercent(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tuneGC(func(k string) string { return map[string]string{"GOGC": "100"}[k] })
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("with GOGC=100 set the GC percent became %d", got)
	}
	tuneGC(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != serveGCPercent {
		t.Fatalf("without GOGC the GC percent is %d, want %d", got, serveGCPercent)
	}
}
