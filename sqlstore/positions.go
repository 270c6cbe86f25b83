// Write positions: where in the primary's WAL each caller's last write ended, so that the
// caller's reads go only to servers that have replayed it.
//
// After every committed write of a caller, the serve process that took it records the
// primary's WAL insert position — past the write's commit record — in write_positions, an
// UNLOGGED table on the primary (no WAL, not replicated), and in its own memory. Before a
// routed read, serve reads the caller's row back from the primary (one indexed lookup,
// shared by the reads that arrive at once: askGate), so a write taken by any serve
// process on the same database is found by every other one, whatever client sent it: a
// client needs to send nothing back. Only while the primary cannot be asked does a
// process go by its own memory and, for callers it does not know, by the last position
// it saw the primary at.

package sqlstore

import (
	"context"
	"math"
	"sync"
	"time"
)

// positionLookupTimeout bounds the lookup of a caller's position on the primary; past it
// the read goes by what this process knows.
const positionLookupTimeout = 500 * time.Millisecond

// needed returns the WAL position user's reads must see: the newer of this process's
// record of the user's last write and the primary's.
func (set *replicaSet) needed(ctx context.Context, user int64) int64 {
	need := set.writes.get(user)
	if !set.primary.state().reachable {
		return max(need, set.history.latest())
	}
	askCtx, cancel := context.WithTimeout(ctx, positionLookupTimeout)
	defer cancel()
	pos, err := set.lookups.ask(askCtx, user, positionLookupTimeout, set.lookUp)
	if err != nil { // the primary did not answer: as if down
		return max(need, set.history.latest())
	}
	return max(need, pos)
}

// lookUp reads the write positions of users on the primary; a user without one is left
// out.
func (set *replicaSet) lookUp(ctx context.Context, users []int64) (map[int64]int64, error) {
	rows, err := set.primary.pool.Query(ctx, "SELECT user_id, lsn FROM write_positions WHERE user_id = ANY($1)", users)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[int64]int64, len(users))
	for rows.Next() {
		var user, lsn int64
		if err := rows.Scan(&user, &lsn); err != nil {
			return nil, err
		}
		found[user] = lsn
	}
	return found, rows.Err()
}

// wrote records that user's write has committed on the primary. It runs after the
// commit: a failure here cannot undo the write, so the caller's reads then go to the
// primary alone (need = MaxInt64), and are refused while it is down, until the primary
// answers again (settle).
func (set *replicaSet) wrote(ctx context.Context, user int64) {
	// The write has committed whatever its client does now: record it even if the client
	// has gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), positionLookupTimeout)
	defer cancel()
	var pos int64
	err := set.primary.pool.QueryRow(ctx, `INSERT INTO write_positions (user_id, lsn)
		VALUES ($1, (pg_current_wal_insert_lsn() - '0/0')::bigint)
		ON CONFLICT (user_id) DO UPDATE SET lsn = GREATEST(write_positions.lsn, EXCLUDED.lsn)
		RETURNING lsn`, user).Scan(&pos)
	if err != nil {
		set.logger.Warn("could not record a write's position; the caller reads from the primary for now", "user", user, "err", err)
		pos = math.MaxInt64
	}
	set.writes.put(user, pos, time.Now())
}

// writeCache is this process's memory of its callers' last write positions. An entry
// goes once every replica has replayed it, or after writeMemory.
type writeCache struct {
	mu        sync.Mutex
	positions map[int64]writePosition
}

type writePosition struct {
	lsn int64
	at  time.Time
}

// writeMemory is how long a position is kept at most: past it, a replica that has not
// replayed the write is far beyond any lag limit and out of rotation anyway.
const writeMemory = time.Minute

func (c *writeCache) get(user int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.positions[user].lsn
}

func (c *writeCache) put(user, lsn int64, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.positions[user]; ok && old.lsn > lsn {
		lsn = old.lsn
	}
	c.positions[user] = writePosition{lsn, at}
}

// settle bounds the positions that could not be recorded (MaxInt64) by lsn, a position
// the primary reached after those writes committed: a primary that answers again, or a
// promoted standby continuing the old primary's WAL.
func (c *writeCache) settle(lsn int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for user, p := range c.positions {
		if p.lsn == math.MaxInt64 {
			c.positions[user] = writePosition{lsn, p.at}
		}
	}
}

// forget drops the positions every replica has replayed (replayed is the least of
// theirs) and those older than writeMemory.
func (c *writeCache) forget(replayed int64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for user, p := range c.positions {
		if p.lsn <= replayed || now.Sub(p.at) > writeMemory {
			delete(c.positions, user)
		}
	}
}

// positionHistory is the primary's WAL insert position at each check, for the last
// while: a replica's lag is how long ago the primary passed the position the replica
// has replayed. It is measured on this machine's clock alone, so the servers' clocks
// need not agree, and it stays 0 for a replica that keeps up with an idle primary.
type positionHistory struct {
	mu      sync.Mutex
	samples []positionSample // oldest first, positions not decreasing
	keep    time.Duration
}

type positionSample struct {
	at  time.Time
	lsn int64
}

func (h *positionHistory) add(at time.Time, lsn int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.samples); n > 0 && lsn < h.samples[n-1].lsn {
		h.samples = h.samples[:0] // a new primary, after a failover, with positions of its own
	}
	h.samples = append(h.samples, positionSample{at, lsn})
	drop := 0
	for drop < len(h.samples)-1 && at.Sub(h.samples[drop].at) > h.keep {
		drop++
	}
	h.samples = append(h.samples[:0], h.samples[drop:]...)
}

// lag is how long ago the primary first stood past replayed: 0 when replayed has caught
// up with the last check. It is exact to one check; a replica further behind than the
// history reaches is as old as the history at least.
func (h *positionHistory) lag(replayed int64, now time.Time) time.Duration {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.samples {
		if s.lsn > replayed {
			return now.Sub(s.at)
		}
	}
	return 0
}

// latest is the primary's position at its last answered check.
func (h *positionHistory) latest() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.samples) == 0 {
		return 0
	}
	return h.samples[len(h.samples)-1].lsn
}
