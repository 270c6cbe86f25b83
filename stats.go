package projectd

import "time"

// The kinds of store operation whose durations a store reports (StoreObserver).
const (
	OpPage   = "page"   // a page of a list
	OpCount  = "count"  // a total
	OpGet    = "get"    // one record by key
	OpWrite  = "write"  // a write transaction
	OpStream = "stream" // a whole collection, chunk by chunk
	OpBulk   = "bulk"   // an import or a load
)

// StoreOps lists every kind of store operation.
var StoreOps = []string{OpPage, OpCount, OpGet, OpWrite, OpStream, OpBulk}

// StoreObserver learns how long each store operation took, by kind (OpPage...).
type StoreObserver func(kind string, elapsed time.Duration)

// PoolStats is a snapshot of one of a store's connection pools.
type PoolStats struct {
	Pool     string // which pool: "reader" and "writer" on SQLite, "pgxpool" on PostgreSQL
	MaxOpen  int    // the most connections it opens (0: no bound)
	Open     int    // connections open, in use or idle
	InUse    int
	Waits    int64         // acquisitions so far that found no idle connection and waited
	WaitTime time.Duration // the time those waits took, in total
}

// CacheStats counts the lookups of one of a store's caches.
type CacheStats struct {
	Cache   string // "token", "ref" or "page"
	Hits    uint64
	Misses  uint64
	Entries int
}

// StatsSource is a store that reports its pools, caches and read replicas.
type StatsSource interface {
	PoolStats() []PoolStats
	CacheStats() []CacheStats
	ReplicaStats() []ReplicaStats
}

// ReplicaStats is the state of one read replica of a store, as its last check found it.
type ReplicaStats struct {
	Replica string // host:port
	Up      bool   // in rotation: it answers, is a standby and is within the lag limit
	Lag     time.Duration
	Reads   int64 // routed reads it answered
}
