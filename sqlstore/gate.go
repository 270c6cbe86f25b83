package sqlstore

import (
	"context"
	"sync"
	"time"
)

// askGate shares asking the database between the requests that want an answer at once:
// a request joins the next ask that has not begun yet, never one already under way, so
// the answer it gets was read after it arrived — after every write acknowledged before
// it — and one ask serves every request that arrived while the last was running. Each
// request brings a key; an ask reads the answers of all the keys that joined it. Under
// 32 concurrent pages that is one ask for several pages instead of one each (on
// PostgreSQL, one round trip).
type askGate[K comparable, V any] struct {
	mu      sync.Mutex
	running bool           // an ask is under way
	next    *gateAsk[K, V] // the ask that begins when it ends, which arrivals join
}

type gateAsk[K comparable, V any] struct {
	keys    map[K]bool
	done    chan struct{}
	answers map[K]V
	err     error
}

// ask returns key's answer from an ask of fetch that began after the call, and bounded
// by timeout.
func (g *askGate[K, V]) ask(ctx context.Context, key K, timeout time.Duration, fetch func(context.Context, []K) (map[K]V, error)) (V, error) {
	g.mu.Lock()
	a := g.next
	if a == nil {
		a = &gateAsk[K, V]{keys: map[K]bool{}, done: make(chan struct{})}
		if g.running {
			g.next = a // begins when the running ask ends
		} else {
			g.running = true
			go g.run(ctx, a, timeout, fetch)
		}
	}
	a.keys[key] = true
	g.mu.Unlock()
	select {
	case <-a.done:
		return a.answers[key], a.err
	case <-ctx.Done():
		var none V
		return none, ctx.Err()
	}
}

// run asks a, then the ask that arrivals queued meanwhile, until none is queued. An ask
// outlives the request that began it, for the others waiting on it, up to timeout.
func (g *askGate[K, V]) run(ctx context.Context, a *gateAsk[K, V], timeout time.Duration, fetch func(context.Context, []K) (map[K]V, error)) {
	ctx = context.WithoutCancel(ctx)
	for a != nil {
		g.mu.Lock() // keys join a until it begins
		keys := make([]K, 0, len(a.keys))
		for k := range a.keys {
			keys = append(keys, k)
		}
		g.mu.Unlock()
		askCtx, cancel := context.WithTimeout(ctx, timeout)
		a.answers, a.err = fetch(askCtx, keys)
		cancel()
		close(a.done)
		g.mu.Lock()
		a, g.next = g.next, nil
		g.running = a != nil
		g.mu.Unlock()
	}
}

// versionGate shares asks for the database's version (the page cache's key).
type versionGate struct{ gate askGate[struct{}, string] }

// versionTimeout bounds one ask for the version.
const versionTimeout = 5 * time.Second

// version returns a version of the database read after the call began, from fetch.
func (g *versionGate) version(ctx context.Context, fetch func(context.Context) (string, error)) (string, error) {
	return g.gate.ask(ctx, struct{}{}, versionTimeout, func(ctx context.Context, _ []struct{}) (map[struct{}]string, error) {
		v, err := fetch(ctx)
		return map[struct{}]string{{}: v}, err
	})
}
