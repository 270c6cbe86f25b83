package sqlstore

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Requests that arrive while an ask for the version is under way share the next ask, not
// that one: each gets a version read after it arrived, and many requests cost few asks.
func TestVersionGateAsksAfterEachArrival(t *testing.T) {
	var g versionGate
	var asks atomic.Int64
	release := make(chan struct{})
	fetch := func(context.Context) (string, error) {
		n := asks.Add(1)
		if n == 1 {
			<-release // the first ask stays under way while the others arrive
		}
		return string(rune('0' + n)), nil
	}
	first := make(chan string)
	go func() {
		v, _ := g.version(context.Background(), fetch)
		first <- v
	}()
	for asks.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	const late = 20
	var wg sync.WaitGroup
	got := make([]string, late)
	for i := range late {
		wg.Go(func() { got[i], _ = g.version(context.Background(), fetch) })
	}
	time.Sleep(20 * time.Millisecond) // let them all join the next ask
	close(release)
	wg.Wait()
	if v := <-first; v != "1" {
		t.Fatalf("the first caller got version %q, want the first ask's", v)
	}
	for i, v := range got {
		if v != "2" {
			t.Fatalf("caller %d, arrived during the first ask, got %q: want the second ask's", i, v)
		}
	}
	if n := asks.Load(); n != 2 {
		t.Fatalf("%d asks for 21 callers in two waves, want 2", n)
	}
	if v, _ := g.version(context.Background(), fetch); v != "3" {
		t.Fatalf("a caller after both got %q, want a third ask", v)
	}
}

// A caller whose context ends while it waits gets its error; the asks go on for others.
func TestVersionGateHonoursContext(t *testing.T) {
	var g versionGate
	release := make(chan struct{})
	var asks atomic.Int64
	fetch := func(context.Context) (string, error) {
		if asks.Add(1) == 1 {
			<-release
		}
		return "v", nil
	}
	go g.version(context.Background(), fetch)
	for asks.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := g.version(ctx, fetch); err != context.DeadlineExceeded {
		t.Fatalf("a caller past its deadline: %v", err)
	}
	close(release)
	if v, err := g.version(context.Background(), fetch); v != "v" || err != nil {
		t.Fatalf("after the stuck ask: %q %v", v, err)
	}
	if n := asks.Load(); n < 2 {
		t.Fatalf("%d asks: the queued one never ran", n)
	}
}
