package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"projectd"
)

// A replica's lag is how long ago the primary first stood past what it has replayed, to
// one check; the history forgets what is older than it keeps, and starts again when the
// primary's positions go back (a new primary).
func TestPositionHistoryLag(t *testing.T) {
	t0 := time.Unix(1000, 0)
	h := positionHistory{keep: time.Second}
	for i, lsn := range []int64{100, 200, 300} {
		h.add(t0.Add(time.Duration(i)*200*time.Millisecond), lsn)
	}
	now := t0.Add(500 * time.Millisecond)
	for _, tc := range []struct {
		replayed int64
		want     time.Duration
	}{{300, 0}, {400, 0}, {250, 100 * time.Millisecond}, {150, 300 * time.Millisecond}, {50, 500 * time.Millisecond}} {
		if got := h.lag(tc.replayed, now); got != tc.want {
			t.Errorf("lag(%d) = %s, want %s", tc.replayed, got, tc.want)
		}
	}
	h.add(t0.Add(1200*time.Millisecond), 300) // an idle primary: the first sample is past keep
	if n := len(h.samples); n != 3 {
		t.Errorf("%d samples kept, want 3 (those within a second of the newest)", n)
	}
	h.add(t0.Add(2*time.Second), 300)
	if got := h.lag(300, t0.Add(3*time.Second)); got != 0 {
		t.Errorf("a replica level with an idle primary lags %s", got)
	}
	if got := h.lag(250, t0.Add(3*time.Second)); got != 1800*time.Millisecond {
		t.Errorf("a replica behind the whole history lags %s, want 1.8s (as old as the history kept)", got)
	}
	h.add(t0.Add(3*time.Second), 10)
	if h.latest() != 10 || len(h.samples) != 1 {
		t.Errorf("after positions went back: latest %d, %d samples", h.latest(), len(h.samples))
	}
}

// Positions go once every replica has replayed them, or after writeMemory; a position
// never moves back.
func TestWriteCache(t *testing.T) {
	now := time.Now()
	c := writeCache{positions: map[int64]writePosition{}}
	c.put(1, 100, now)
	c.put(1, 90, now) // an older write of the same user, recorded late
	c.put(2, 300, now)
	c.put(3, 50, now.Add(-2*writeMemory))
	if got := c.get(1); got != 100 {
		t.Errorf("user 1 needs %d, want 100", got)
	}
	c.forget(200, now)
	if c.get(1) != 0 || c.get(2) != 300 || c.get(3) != 0 {
		t.Errorf("after forget(200): %v", c.positions)
	}
}

// testSet is a replica set with fake servers (no pools): pick and reading use only what
// the checks found.
func testSet(replicas ...serverState) *replicaSet {
	set := &replicaSet{primary: newServer("primary", nil, true), maxLag: time.Second, logger: slog.New(slog.DiscardHandler)}
	set.writes.positions = map[int64]writePosition{}
	for i, st := range replicas {
		r := newServer(fmt.Sprintf("r%d", i+1), nil, false)
		r.reachable, r.standby, r.replayed, r.lag = st.reachable, st.standby, st.replayed, st.lag
		set.replicas = append(set.replicas, r)
	}
	return set
}

func TestPick(t *testing.T) {
	set := testSet(
		serverState{reachable: true, standby: true, replayed: 100},
		serverState{reachable: true, standby: true, replayed: 50},
		serverState{reachable: true, standby: true, replayed: 500, lag: 2 * time.Second}, // past the limit
		serverState{reachable: true, standby: false, replayed: 0},                        // promoted
		serverState{reachable: false, standby: true, replayed: 900},                      // down
	)
	r1, r2 := set.replicas[0], set.replicas[1]
	for _, tc := range []struct {
		need  int64
		tried []*server
		want  []*server
	}{
		{0, nil, []*server{r1, r2}},
		{80, nil, []*server{r1}},
		{80, []*server{r1}, []*server{set.primary}},
		{120, nil, []*server{set.primary}},
		{0, []*server{r1, r2, set.primary}, []*server{set.replicas[3]}}, // the primary out: the promoted one
		{1, []*server{r1, r2, set.primary}, nil},                        // which has not replayed 1
	} {
		for range 20 { // random among the fresh ones
			got, err := set.pick(tc.need, tc.tried)
			if tc.want == nil {
				if projectd.ErrorCode(err) != projectd.EUNAVAILABLE {
					t.Errorf("need %d, tried %d: %v, %v; want EUNAVAILABLE", tc.need, len(tc.tried), got, err)
				}
				break
			}
			if err != nil || !slices.Contains(tc.want, got) {
				t.Errorf("need %d, tried %d: picked %v (%v), want one of %v", tc.need, len(tc.tried), got, err, tc.want)
			}
		}
	}
	set.primary.reachable = false
	if got, err := set.pick(120, nil); projectd.ErrorCode(err) != projectd.EUNAVAILABLE {
		t.Errorf("primary down, no replica has the caller's write: %v, %v; want EUNAVAILABLE, not stale data", got, err)
	}
	set.replicas[3].replayed = 1000 // promoted after replaying 1000, while the primary is out
	if got, err := set.pick(120, nil); err != nil || got != set.replicas[3] {
		t.Errorf("primary down, a replica promoted at 1000: %v, %v; want the promoted one", got, err)
	}
	if got := set.fallback(); got != set.replicas[3] {
		t.Errorf("fallback with the primary down: %v, want the promoted replica, the freshest", got)
	}
	set.replicas[3].replayed = 0
	if got := set.fallback(); got != r1 {
		t.Errorf("fallback with the primary down: %v, want r1 (the freshest usable replica)", got)
	}
	set.primary.reachable = true
	if got := set.fallback(); got != set.primary {
		t.Errorf("fallback: %v, want the primary", got)
	}
}

// A replica that fails under a read leaves it to the next choice; an answer (not found,
// invalid) is returned from the first server; a fault on the primary is EUNAVAILABLE.
func TestReadingRetries(t *testing.T) {
	set := testSet(serverState{reachable: true, standby: true, replayed: 100})
	set.primary.reachable = false // needed() then goes by what the process knows: no query
	var on []string
	read := func(results map[string]error) func(context.Context) error {
		return func(ctx context.Context) error {
			s := ctx.Value(serverKey{}).(*server)
			on = append(on, s.name)
			return results[s.name]
		}
	}
	err := set.reading(context.Background(), 1, read(map[string]error{"r1": io.ErrUnexpectedEOF}))
	if err != nil || fmt.Sprint(on) != "[r1 primary]" {
		t.Errorf("a replica's fault: %v on %v, want the primary's answer after r1", err, on)
	}
	if set.replicas[0].reads.Load() != 0 || set.primary.reads.Load() != 1 {
		t.Errorf("reads counted: r1 %d, primary %d", set.replicas[0].reads.Load(), set.primary.reads.Load())
	}

	on = nil
	missing := projectd.Errorf(projectd.ENOTFOUND, "no project 7")
	if err := set.reading(context.Background(), 1, read(map[string]error{"r1": missing})); err != missing || len(on) != 1 {
		t.Errorf("not found on a replica: %v after %v, want it from r1 alone", err, on)
	}

	on = nil
	err = set.reading(context.Background(), 1, read(map[string]error{"r1": io.EOF, "primary": io.EOF}))
	if projectd.ErrorCode(err) != projectd.EUNAVAILABLE || projectd.RetryAfter(err) < 1 {
		t.Errorf("every server failing: %v, want EUNAVAILABLE with a Retry-After", err)
	}
}

// A server taken out of rotation cancels the reads bound to it, with errServerDown as
// the cause; a read that began after it came back is not cancelled.
func TestBindCancelsOnTakeOut(t *testing.T) {
	set := testSet(serverState{reachable: true, standby: true})
	r := set.replicas[0]
	ctx, release := r.bind(context.Background())
	defer release()
	set.update(r, errors.New("no answer"), true, 0, 0)
	select {
	case <-ctx.Done():
		if context.Cause(ctx) != errServerDown {
			t.Errorf("cause %v", context.Cause(ctx))
		}
	case <-time.After(time.Second):
		t.Fatal("a read on a server taken out of rotation was not cancelled")
	}
	set.update(r, nil, true, 0, 0)
	ctx2, release2 := r.bind(context.Background())
	defer release2()
	if ctx2.Err() != nil || !set.usable(r) {
		t.Errorf("after the server answered again: ctx %v, usable %v", ctx2.Err(), set.usable(r))
	}
}

func TestIsServerFault(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{io.EOF, true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{&pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}, true},
		{&pgconn.PgError{Code: "08006"}, true},
		{&pgconn.PgError{Code: "25006", Message: "cannot execute INSERT in a read-only transaction"}, true},
		{&pgconn.PgError{Code: "40001", Message: "canceling statement due to conflict with recovery"}, true},
		{&pgconn.PgError{Code: "40001", Message: "could not serialize access due to concurrent update"}, false},
		{&pgconn.PgError{Code: "23505"}, false},
		{errServerDown, true},
		{errors.New("sql: Scan error"), false},
		{nil, false},
	} {
		if got := isServerFault(tc.err); got != tc.want {
			t.Errorf("isServerFault(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := unavailableIf(ctx, io.EOF); err != io.EOF {
		t.Errorf("a request that ended itself: %v, want its error unchanged", err)
	}
	if err := unavailableIf(context.Background(), projectd.Invalid("name", "bad")); projectd.ErrorCode(err) != projectd.EINVALID {
		t.Errorf("an application error became %v", err)
	}
}

// A write whose position could not be recorded sends its caller's reads to the primary.
func TestUnrecordedWriteReadsFromPrimary(t *testing.T) {
	set := testSet(serverState{reachable: true, standby: true, replayed: 100})
	set.writes.put(1, math.MaxInt64, time.Now())
	set.primary.reachable = false
	if _, err := set.pick(set.needed(context.Background(), 1), nil); projectd.ErrorCode(err) != projectd.EUNAVAILABLE {
		t.Errorf("an unrecorded write with the primary down: %v, want EUNAVAILABLE rather than the replica", err)
	}
	set.writes.settle(90) // the primary answers again, at a position past the write
	if got, err := set.pick(set.needed(context.Background(), 1), nil); err != nil || got != set.replicas[0] {
		t.Errorf("once settled at 90, with the replica at 100: %v, %v; want the replica", got, err)
	}
}

// Reads that arrive while a lookup runs share the next one, which each finds its own
// position in; none joins the lookup under way, which began before it.
func TestPositionGate(t *testing.T) {
	var g askGate[int64, int64]
	began, release := make(chan []int64, 4), make(chan struct{})
	fetch := func(_ context.Context, users []int64) (map[int64]int64, error) {
		began <- users
		<-release
		found := map[int64]int64{}
		for _, u := range users {
			found[u] = u * 10
		}
		return found, nil
	}
	results := make(chan [2]int64, 3)
	lookup := func(user int64) {
		pos, err := g.ask(context.Background(), user, time.Second, fetch)
		if err != nil {
			t.Error(err)
		}
		results <- [2]int64{user, pos}
	}
	go lookup(1)
	if first := <-began; fmt.Sprint(first) != "[1]" {
		t.Fatalf("first lookup for %v", first)
	}
	go lookup(2)
	go lookup(3)
	for g.waiting() < 2 {
		time.Sleep(time.Millisecond)
	}
	release <- struct{}{}
	second := <-began
	if len(second) != 2 || second[0]+second[1] != 5 {
		t.Errorf("second lookup for %v, want users 2 and 3 together", second)
	}
	release <- struct{}{}
	for range 3 {
		r := <-results
		if r[1] != r[0]*10 {
			t.Errorf("user %d found at %d", r[0], r[1])
		}
	}
	select {
	case extra := <-began:
		t.Errorf("a third lookup, for %v", extra)
	default:
	}
}

// waiting counts the keys queued for the next ask.
func (g *askGate[K, V]) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.next == nil {
		return 0
	}
	return len(g.next.keys)
}
