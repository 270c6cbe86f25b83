// Read replicas of a PostgreSQL store. Reads of projects (pages, streams, single reads,
// counts, the dashboard) go to a streaming replica that is up, within the lag limit and
// has replayed the caller's own last write (read-your-writes, as GitLab's database load
// balancing does); everything else — writes, credential checks, admin commands — goes to
// the primary. replicawatch.go keeps each server's health and lag; positions.go finds a
// caller's last write, whichever serve process took it.

package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"projectd"
)

// ReplicaOptions configure the read replicas of a PostgreSQL store.
type ReplicaOptions struct {
	// URLs are the replicas' connection strings.
	URLs []string
	// MaxLag is how old the data a replica serves may be: one further behind is taken out
	// of rotation until it catches up.
	MaxLag time.Duration
	// Logger learns when a server leaves or rejoins the rotation.
	Logger *slog.Logger
}

// DefaultMaxReplicaLag is MaxLag unless serve is told otherwise.
const DefaultMaxReplicaLag = 5 * time.Second

// UseReplicas sends the store's reads to the replicas of opts from now on and watches
// them until the store is closed. Only a PostgreSQL store has replicas.
func (db *DB) UseReplicas(ctx context.Context, opts ReplicaOptions) error {
	return db.engine.useReplicas(ctx, opts)
}

// ReplicaStats reports every replica's state, for metrics; none without replicas.
func (db *DB) ReplicaStats() []projectd.ReplicaStats { return db.engine.replicaStats() }

func (e *postgresEngine) useReplicas(ctx context.Context, opts ReplicaOptions) error {
	if e.replicas != nil {
		return errors.New("sqlstore: the store has its replicas already")
	}
	if len(opts.URLs) == 0 {
		return errors.New("sqlstore: no replica URLs")
	}
	if opts.MaxLag <= 0 {
		return errors.New("sqlstore: the replicas' lag limit must be more than 0")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	set := &replicaSet{primary: e.primary, maxLag: opts.MaxLag, logger: opts.Logger}
	set.history.keep = opts.MaxLag + 2*time.Second // a replica behind it all is out anyway
	set.writes.positions = map[int64]writePosition{}
	for _, url := range opts.URLs {
		pool, name, err := connectPool(ctx, url)
		if err != nil {
			set.close()
			return fmt.Errorf("sqlstore: replica %s: %w", url, err)
		}
		set.replicas = append(set.replicas, newServer(name, pool, false))
	}
	set.check(ctx) // the first state before any read is routed
	watchCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	set.stopWatch = stop
	set.watching.Add(1)
	go set.watch(watchCtx)
	e.replicas = set
	return nil
}

// server is one PostgreSQL server the store talks to: the primary or a replica.
type server struct {
	name     string // "primary", or a replica's host:port, in logs and metrics
	pool     *pgxpool.Pool
	primary  bool
	versions versionGate  // the page cache's asks for this server's data version
	reads    atomic.Int64 // reads it answered, routed ones only

	mu        sync.Mutex
	reachable bool  // it answered its last check
	standby   bool  // a replica: it is in recovery (not promoted)
	replayed  int64 // a replica: the WAL position it had replayed at its last check
	lag       time.Duration
	alive     context.Context // cancelled when the server stops answering
	takeOut   context.CancelCauseFunc
}

func newServer(name string, pool *pgxpool.Pool, primary bool) *server {
	s := &server{name: name, pool: pool, primary: primary, reachable: true, standby: !primary}
	s.alive, s.takeOut = context.WithCancelCause(context.Background())
	return s
}

// serverState is a consistent copy of what the last check found.
type serverState struct {
	reachable, standby bool
	replayed           int64
	lag                time.Duration
}

func (s *server) state() serverState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return serverState{s.reachable, s.standby, s.replayed, s.lag}
}

// bind returns ctx for queries on s: they go to s's pool (serverFor) and are cancelled
// when s stops answering, so that a read on a replica that stalls is tried elsewhere at
// once rather than when TCP gives up. release frees what bind took.
func (s *server) bind(ctx context.Context) (context.Context, func()) {
	s.mu.Lock()
	alive := s.alive
	s.mu.Unlock()
	ctx, cancel := context.WithCancelCause(context.WithValue(ctx, serverKey{}, s))
	stop := context.AfterFunc(alive, func() { cancel(errServerDown) })
	return ctx, func() { stop(); cancel(nil) }
}

type serverKey struct{}

// replicaSet is the primary and the replicas of a store with replicas.
type replicaSet struct {
	primary  *server
	replicas []*server
	maxLag   time.Duration
	logger   *slog.Logger
	history  positionHistory // the primary's WAL position over time: the replicas' lag
	writes   writeCache      // this process's callers' last write positions
	// lookups share the reads' lookups of their callers' positions on the primary: what
	// a read finds was recorded before it began.
	lookups askGate[int64, int64]

	stopWatch context.CancelFunc
	watching  sync.WaitGroup
}

// usable reports whether reads may go to replica r now.
func (set *replicaSet) usable(r *server) bool {
	st := r.state()
	return st.reachable && st.standby && st.lag <= set.maxLag
}

// pick chooses the server for a read that must see the WAL position need: a usable
// replica that has replayed it, at random; else the primary; while the primary is out, a
// replica promoted in its place (before the primary's URL finds it) that has replayed
// need — else the read is refused with EUNAVAILABLE rather than answered without the
// caller's own write. tried are servers that failed this read already.
func (set *replicaSet) pick(need int64, tried []*server) (*server, error) {
	if fresh := set.having(need, tried, set.usable); len(fresh) > 0 {
		return fresh[rand.IntN(len(fresh))], nil
	}
	if !slices.Contains(tried, set.primary) && (set.primary.state().reachable || len(tried) > 0) {
		return set.primary, nil
	}
	if promoted := set.having(need, tried, promoted); len(promoted) > 0 {
		return promoted[0], nil
	}
	return nil, errUnavailable()
}

// having are the replicas not tried yet that pass ok and have replayed need.
func (set *replicaSet) having(need int64, tried []*server, ok func(*server) bool) []*server {
	var out []*server
	for _, r := range set.replicas {
		if !slices.Contains(tried, r) && ok(r) && r.state().replayed >= need {
			out = append(out, r)
		}
	}
	return out
}

// promoted reports whether replica r answers as a primary: promoted, by a failover.
func promoted(r *server) bool {
	st := r.state()
	return st.reachable && !st.standby
}

// fallback is the server of a read that names none (credential checks, workspaces, admin
// reads): the primary, or while the primary is down the most caught-up usable (or
// promoted) replica, so that callers whose credentials are not cached can still read.
func (set *replicaSet) fallback() *server {
	if set.primary.state().reachable {
		return set.primary
	}
	var best *server
	for _, r := range set.replicas {
		if (set.usable(r) || promoted(r)) && (best == nil || r.state().replayed > best.state().replayed) {
			best = r
		}
	}
	if best == nil {
		return set.primary
	}
	return best
}

// reading runs read on a server chosen for user's reads and, when a replica fails under
// it, again on the next choice: the read itself must have no effects beyond its result.
// Application errors (not found, invalid) are answers, not failures, and return at once.
func (set *replicaSet) reading(ctx context.Context, user int64, read func(context.Context) error) error {
	var need int64
	if slices.ContainsFunc(set.replicas, set.usable) { // else the read goes to the primary: no need to ask
		need = set.needed(ctx, user)
	}
	var tried []*server
	waited := false
	for {
		srv, err := set.pick(need, tried)
		if err != nil && !waited { // the primary is out: a replica may have replayed need since its check
			waited = true
			if set.awaitReplay(ctx, need, tried) {
				continue
			}
		}
		if err != nil {
			return err
		}
		bound, release := srv.bind(ctx)
		err = read(bound)
		down := context.Cause(bound) == errServerDown
		release()
		if err == nil {
			srv.reads.Add(1)
		}
		code := projectd.ErrorCode(err)
		if err == nil || ctx.Err() != nil || (code != projectd.EINTERNAL && code != projectd.EUNAVAILABLE) {
			return err
		}
		if srv.primary && !down && code == projectd.EINTERNAL && !isServerFault(err) {
			return err // the statement failed, not the server
		}
		if !srv.primary {
			set.logger.Warn("read failed on a replica; trying elsewhere", "replica", srv.name, "err", err)
		}
		tried = append(tried, srv)
	}
}

// replayWait bounds how long a read waits for a replica to replay its caller's position
// while the primary cannot serve it: a standby streaming from a primary that just went
// away replays what it received within milliseconds.
const replayWait = time.Second

// awaitReplay asks the replicas in rotation that have not failed this read (tried) for
// their replay position until one has reached need, for up to replayWait, and reports
// whether one did. A position no replica can reach (a write whose position is unknown)
// is not waited for.
func (set *replicaSet) awaitReplay(ctx context.Context, need int64, tried []*server) bool {
	if need == math.MaxInt64 {
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, replayWait)
	defer cancel()
	for {
		asked := false
		for _, r := range set.replicas {
			if slices.Contains(tried, r) || !set.usable(r) {
				continue
			}
			asked = true
			var replayed int64
			if r.pool.QueryRow(ctx, "SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0')::bigint, 0)").Scan(&replayed) != nil {
				continue
			}
			r.mu.Lock()
			r.replayed = max(r.replayed, replayed)
			r.mu.Unlock()
			if replayed >= need {
				return true
			}
		}
		if !asked {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// writing binds a write to the primary: refused at once while the primary is known to be
// down, and cancelled if it stops answering mid-way, so that no write waits past its
// request on a server that hangs.
func (set *replicaSet) writing(ctx context.Context) (context.Context, func(), error) {
	if !set.primary.state().reachable {
		return ctx, func() {}, errUnavailable()
	}
	bound, release := set.primary.bind(ctx)
	return bound, release, nil
}

func (set *replicaSet) close() {
	if set.stopWatch != nil {
		set.stopWatch()
		set.watching.Wait()
	}
	for _, r := range set.replicas {
		r.pool.Close()
	}
}

func (e *postgresEngine) replicaStats() []projectd.ReplicaStats {
	if e.replicas == nil {
		return nil
	}
	var out []projectd.ReplicaStats
	for _, r := range e.replicas.replicas {
		out = append(out, projectd.ReplicaStats{Replica: r.name, Up: e.replicas.usable(r), Lag: r.state().lag, Reads: r.reads.Load()})
	}
	return out
}
