package httpserver

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter limits how many requests each caller (a credential, say) makes per minute,
// with a burst of a minute's worth. The zero value, and a nil one, allow everything.
type Limiter struct {
	perMinute int
	mu        sync.Mutex
	callers   map[string]*rate.Limiter
}

// NewLimiter returns a limiter of perMinute requests a minute per caller; 0 means none.
func NewLimiter(perMinute int) *Limiter {
	return &Limiter{perMinute: perMinute, callers: map[string]*rate.Limiter{}}
}

// Allow reports whether the caller may make a request now and, when not, how long to wait.
func (l *Limiter) Allow(caller string) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return true, 0
	}
	r := l.of(caller).Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return false, time.Duration(math.Ceil(d.Seconds())) * time.Second
	}
	return true, 0
}

// Exhausted reports, without spending any, whether the caller's budget is spent and,
// if so, how long until it allows one again.
func (l *Limiter) Exhausted(caller string) (bool, time.Duration) {
	if l == nil || l.perMinute <= 0 {
		return false, 0
	}
	lim := l.of(caller)
	if tokens := lim.Tokens(); tokens < 1 {
		return true, time.Duration(math.Ceil((1 - tokens) * 60 / float64(l.perMinute) * float64(time.Second)))
	}
	return false, 0
}

func (l *Limiter) of(caller string) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.callers[caller]
	if !ok {
		if len(l.callers) > 100_000 { // a bound against floods of distinct callers
			clear(l.callers)
		}
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), l.perMinute)
		l.callers[caller] = lim
	}
	return lim
}
