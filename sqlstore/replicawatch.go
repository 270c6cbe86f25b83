// The watch over a store's servers: every checkEvery it asks the primary for its WAL
// position and each replica for its state, and takes out of rotation a server that does
// not answer within checkTimeout — cancelling its queries in flight, which are then
// tried elsewhere — or a replica whose lag passed the limit. A server rejoins at the
// first check it passes.

package sqlstore

import (
	"context"
	"slices"
	"sync"
	"time"
)

// checkEvery and checkTimeout put a server that stops or stalls out of rotation within
// checkEvery + checkTimeout of its last good answer: under a second.
var (
	checkEvery   = 200 * time.Millisecond
	checkTimeout = 500 * time.Millisecond
)

func (set *replicaSet) watch(ctx context.Context) {
	defer set.watching.Done()
	ticker := time.NewTicker(checkEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			set.check(ctx)
		}
	}
}

// check asks every server at once, so that one that hangs delays no other's verdict.
func (set *replicaSet) check(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Go(func() { set.checkPrimary(ctx) })
	replayed := make([]int64, len(set.replicas))
	for i, r := range set.replicas {
		wg.Go(func() { replayed[i] = set.checkReplica(ctx, r) })
	}
	wg.Wait()
	set.writes.forget(slices.Min(replayed), time.Now())
}

// checkPrimary samples the primary's WAL insert position. On a server that is not a
// primary (a standby, before a failover has found the new one) the function fails, and
// the primary counts as down.
func (set *replicaSet) checkPrimary(ctx context.Context) {
	askCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	var pos int64
	err := set.primary.pool.QueryRow(askCtx, "SELECT (pg_current_wal_insert_lsn() - '0/0')::bigint").Scan(&pos)
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		set.history.add(time.Now(), pos)
		set.writes.settle(pos)
	}
	if set.update(set.primary, err, false, 0, 0) {
		set.primary.pool.Reset()
	}
}

// checkReplica reads a replica's replay position and returns it (0 when unknown).
func (set *replicaSet) checkReplica(ctx context.Context, r *server) int64 {
	askCtx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	var standby bool
	var replayed int64
	err := r.pool.QueryRow(askCtx, "SELECT pg_is_in_recovery(), COALESCE((pg_last_wal_replay_lsn() - '0/0')::bigint, 0)").Scan(&standby, &replayed)
	if ctx.Err() != nil {
		return 0
	}
	lag := set.history.lag(replayed, time.Now())
	if set.update(r, err, standby, replayed, lag) {
		r.pool.Reset()
	}
	return replayed
}

// update records a check's verdict on s and logs a change of it. A server that did not
// answer has its queries in flight cancelled; lost reports that it stopped answering, for
// the caller to drop its idle connections, which would otherwise each fail one request
// when next used.
func (set *replicaSet) update(s *server, err error, standby bool, replayed int64, lag time.Duration) (lost bool) {
	s.mu.Lock()
	was := serverState{s.reachable, s.standby, s.replayed, s.lag}
	s.reachable = err == nil
	if err == nil {
		s.standby, s.replayed, s.lag = standby, replayed, lag
	}
	lost = was.reachable && err != nil
	back := !was.reachable && err == nil
	if lost {
		s.takeOut(errServerDown)
	}
	if back {
		s.alive, s.takeOut = context.WithCancelCause(context.Background())
	}
	s.mu.Unlock()
	role := "replica"
	if s.primary {
		role = "primary"
	}
	switch {
	case lost:
		set.logger.Warn("database server out of rotation: it does not answer", role, s.name, "err", err)
	case back:
		set.logger.Info("database server answers again", role, s.name)
	case s.primary || err != nil:
	case was.standby && !standby:
		set.logger.Warn("replica out of rotation: it is not a standby (promoted?)", role, s.name)
	case was.lag <= set.maxLag && lag > set.maxLag:
		set.logger.Warn("replica out of rotation: behind the lag limit", role, s.name, "lag", lag, "limit", set.maxLag)
	case was.lag > set.maxLag && lag <= set.maxLag:
		set.logger.Info("replica back in rotation: caught up", role, s.name, "lag", lag)
	}
	return lost
}
