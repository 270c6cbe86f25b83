package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"projectd"
)

// storeCollector reads the store's pools and caches at every scrape.
type storeCollector struct{ source projectd.StatsSource }

var (
	poolMaxOpen = prometheus.NewDesc("projectd_store_pool_max_connections", "The most connections the pool opens (0: no bound).", []string{"pool"}, nil)
	poolOpen    = prometheus.NewDesc("projectd_store_pool_open_connections", "Connections the pool holds open, in use or idle.", []string{"pool"}, nil)
	poolInUse   = prometheus.NewDesc("projectd_store_pool_in_use_connections", "Connections of the pool in use.", []string{"pool"}, nil)
	poolWaits   = prometheus.NewDesc("projectd_store_pool_waits_total", "Acquisitions that found no idle connection and waited.", []string{"pool"}, nil)
	poolWait    = prometheus.NewDesc("projectd_store_pool_wait_seconds_total", "Time spent waiting for a connection.", []string{"pool"}, nil)
	cacheHits   = prometheus.NewDesc("projectd_cache_hits_total", "Lookups the cache answered (ref: project rows filled from it).", []string{"cache"}, nil)
	cacheMisses = prometheus.NewDesc("projectd_cache_misses_total", "Lookups that went to the database.", []string{"cache"}, nil)
	cacheSize   = prometheus.NewDesc("projectd_cache_entries", "Entries the cache holds.", []string{"cache"}, nil)
	replicaUp   = prometheus.NewDesc("projectd_db_replica_up", "1 while the read replica is in rotation: it answers, replays as a standby and is within --replica-max-lag.", []string{"replica"}, nil)
	replicaLag  = prometheus.NewDesc("projectd_db_replica_lag_seconds", "How long ago the primary passed the WAL position the replica has replayed, at its last check.", []string{"replica"}, nil)
	replicaRead = prometheus.NewDesc("projectd_db_replica_reads_total", "Routed reads the replica answered.", []string{"replica"}, nil)
)

func (storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolMaxOpen, poolOpen, poolInUse, poolWaits, poolWait, cacheHits, cacheMisses, cacheSize, replicaUp, replicaLag, replicaRead} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	for _, p := range c.source.PoolStats() {
		ch <- prometheus.MustNewConstMetric(poolMaxOpen, prometheus.GaugeValue, float64(p.MaxOpen), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(p.Open), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(p.InUse), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(p.Waits), p.Pool)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, p.WaitTime.Seconds(), p.Pool)
	}
	for _, s := range c.source.CacheStats() {
		ch <- prometheus.MustNewConstMetric(cacheHits, prometheus.CounterValue, float64(s.Hits), s.Cache)
		ch <- prometheus.MustNewConstMetric(cacheMisses, prometheus.CounterValue, float64(s.Misses), s.Cache)
		ch <- prometheus.MustNewConstMetric(cacheSize, prometheus.GaugeValue, float64(s.Entries), s.Cache)
	}
	for _, r := range c.source.ReplicaStats() {
		up := 0.0
		if r.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(replicaUp, prometheus.GaugeValue, up, r.Replica)
		ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, r.Lag.Seconds(), r.Replica)
		ch <- prometheus.MustNewConstMetric(replicaRead, prometheus.CounterValue, float64(r.Reads), r.Replica)
	}
}
