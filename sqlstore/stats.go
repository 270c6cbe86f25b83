// What the store tells about itself: how long its operations take, the state of its pools
// and how often its caches answer.

package sqlstore

import (
	"sync/atomic"
	"time"

	"projectd"
)

// timed starts timing an operation of kind for Observe; the returned func ends it.
func (db *DB) timed(kind string) func() {
	if db.Observe == nil {
		return func() {}
	}
	start := time.Now()
	return func() { db.Observe(kind, time.Since(start)) }
}

// PoolStats reports every connection pool of the store.
func (db *DB) PoolStats() []projectd.PoolStats { return db.engine.pools() }

// CacheStats reports the token cache, the reference cache and the page cache.
func (db *DB) CacheStats() []projectd.CacheStats {
	db.tokens.mu.Lock()
	tokens := len(db.tokens.entries)
	db.tokens.mu.Unlock()
	db.refs.mu.RLock()
	refs := len(db.refs.users) + len(db.refs.workspaces)
	db.refs.mu.RUnlock()
	return []projectd.CacheStats{db.tokens.counts.stats("token", tokens), db.refs.counts.stats("ref", refs), db.pages.counts.stats("page", db.pages.entries())}
}

// lookups counts a cache's hits and misses.
type lookups struct{ hits, misses atomic.Uint64 }

func (l *lookups) count(hits, misses int) {
	l.hits.Add(uint64(hits))
	l.misses.Add(uint64(misses))
}

func (l *lookups) stats(name string, entries int) projectd.CacheStats {
	return projectd.CacheStats{Cache: name, Hits: l.hits.Load(), Misses: l.misses.Load(), Entries: entries}
}
