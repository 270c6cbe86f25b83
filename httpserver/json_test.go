package httpserver

import (
	"math/rand/v2"
	"testing"
	"time"
)

// AppendTime writes what AppendFormat writes, for every fixed layout and for others,
// across years of four digits and beyond them, at every precision of the second.
func TestAppendTimeMatchesAppendFormat(t *testing.T) {
	layouts := []string{time.RFC3339, time.RFC3339Nano, time.DateTime, "2006-01-02T15:04:05.00",
		"2006-01-02T15:04:05", "2006-01-02T15:04:05.000", "2006-01-02T15:04:05.000Z",
		"2006-01-02T15:04:05.000Z07:00", "2006-01-02T15:04:05.000000Z07:00", "2006-01-02T15:04:05.0000000-07:00"}
	times := []time.Time{
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 12, 2, 1, 2, 3, 4000, time.FixedZone("east", 5*3600+1800)),
		time.UnixMicro(1766193309216000),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		times = append(times, time.Unix(r.Int64N(400*365*86400)-100*365*86400, r.Int64N(1e9)))
	}
	for _, layout := range layouts {
		for _, tm := range times {
			want := `"` + tm.UTC().Format(layout) + `"`
			if got := string(AppendTime([]byte("x"), tm, layout)); got != "x"+want {
				t.Fatalf("AppendTime(%v, %q) = %s, want %s", tm, layout, got, want)
			}
		}
	}
}

func BenchmarkAppendTime(b *testing.B) {
	tm := time.UnixMicro(1766193309216000)
	buf := make([]byte, 0, 64)
	for _, layout := range []string{"2006-01-02T15:04:05.000000Z07:00", "2006-01-02T15:04:05.000000Z07:00 "} {
		b.Run(map[bool]string{true: "fixed", false: "AppendFormat"}[layout[len(layout)-1] != ' '], func(b *testing.B) {
			for b.Loop() {
				buf = AppendTime(buf[:0], tm, layout)
			}
		})
	}
}
