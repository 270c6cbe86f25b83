package cli

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
)

// progress draws a bar on a terminal line: [#####-----] 50% 5000/10000 62000/s, eta 1s;
// without a total (0), the count and the rate.
type progress struct {
	w     io.Writer
	total atomic.Int64 // set by whoever learns it (migrate: the goroutine that pulls)
	start time.Time
	n     int
	drawn time.Time
}

func (p *progress) update(n int) {
	const width = 30
	p.n = n
	rate := float64(n) / max(time.Since(p.start).Seconds(), 1e-9)
	total := int(p.total.Load())
	if total <= 0 {
		fmt.Fprintf(p.w, "\rprojects %d %.0f/s", n, rate)
		return
	}
	filled := min(width*n/total, width)
	eta := time.Duration(float64(max(total-n, 0))/max(rate, 1e-9)) * time.Second
	fmt.Fprintf(p.w, "\rprojects [%s%s] %3d%% %d/%d %.0f/s, eta %s ", strings.Repeat("#", filled), strings.Repeat("-", width-filled),
		100*min(n, total)/total, n, total, rate, eta.Round(time.Second))
}

// add counts one more, drawing at most five times a second.
func (p *progress) add() {
	p.n++
	if now := time.Now(); now.Sub(p.drawn) >= 200*time.Millisecond {
		p.drawn = now
		p.update(p.n)
	}
}

func (p *progress) setTotal(n int64) { p.total.Store(n) }

func (p *progress) done() {
	p.update(p.n)
	fmt.Fprintf(p.w, " in %s\n", time.Since(p.start).Round(time.Millisecond))
}
