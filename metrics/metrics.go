// Package metrics is projectd's Prometheus registry (github.com/prometheus/client_golang):
// the requests every surface serves, the store's operations, pools and caches, the
// security signals and the build, with the Go runtime's own collectors. Every label takes
// one of a bounded set of values: route patterns, surface names, kinds, never what a
// client sent.
package metrics

import (
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"projectd"
	"projectd/httpserver"
)

// Build is what projectd_build_info says of the running binary.
type Build struct {
	Version, Commit, GoVersion, Engine string
}

// Metrics is the registry of one server. It is the httpserver.Observer of its requests
// and the projectd.StoreObserver of its store (ObserveStore).
type Metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	latency      *prometheus.HistogramVec
	inFlight     prometheus.Gauge
	bytes        *prometheus.CounterVec
	authFailures *prometheus.CounterVec
	rateLimited  *prometheus.CounterVec
	store        *prometheus.HistogramVec
	storeKinds   map[string]prometheus.Observer // by kind, on this store's engine
	mu           sync.RWMutex
	series       map[seriesKey]*requestSeries
}

// seriesKey names the series of one kind of request; requestSeries holds them, so that a
// request costs no hashing of label values once its kind has been seen.
type seriesKey struct{ surface, route, method, code string }

type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
	bytes    prometheus.Counter
}

// durationBuckets resolve 0.1 ms to 10 s: 16 buckets, each about 2.15× the one before.
var durationBuckets = prometheus.ExponentialBucketsRange(0.0001, 10, 16)

// New returns the registry of a server on store, whose surfaces are named surfaces.
func New(build Build, store projectd.StatsSource, surfaces []string) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projectd_http_requests_total",
			Help: "Requests answered, by surface, route pattern, method and status class.",
		}, []string{"surface", "route", "method", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "projectd_http_request_duration_seconds",
			Help:    "Time from a request's arrival to its answer's end, by surface, route pattern and method.",
			Buckets: durationBuckets,
		}, []string{"surface", "route", "method"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "projectd_http_requests_in_flight",
			Help: "Requests being served now.",
		}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projectd_http_response_bytes_total",
			Help: "Bytes of response bodies written, by surface and route pattern.",
		}, []string{"surface", "route"}),
		authFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projectd_auth_failures_total",
			Help: "Requests whose credential was refused, by surface and reason.",
		}, []string{"surface", "reason"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "projectd_rate_limited_total",
			Help: "Requests refused with 429 by a rate, concurrency or failed-authentication limit, by surface.",
		}, []string{"surface"}),
		store: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "projectd_store_operation_duration_seconds",
			Help:    "Time a store operation took, by engine and kind (page, count, get, write, stream, bulk).",
			Buckets: durationBuckets,
		}, []string{"engine", "kind"}),
		storeKinds: map[string]prometheus.Observer{},
		series:     map[seriesKey]*requestSeries{},
	}
	buildInfo := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        "projectd_build_info",
		Help:        "Always 1: the build's version, commit and Go version, and the store's engine.",
		ConstLabels: prometheus.Labels{"version": build.Version, "commit": build.Commit, "goversion": build.GoVersion, "engine": build.Engine},
	})
	buildInfo.Set(1)
	m.registry.MustRegister(m.requests, m.latency, m.inFlight, m.bytes, m.authFailures, m.rateLimited, m.store, buildInfo,
		storeCollector{store}, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Every series a dashboard draws exists from the start, at zero.
	for _, kind := range projectd.StoreOps {
		m.storeKinds[kind] = m.store.WithLabelValues(build.Engine, kind)
	}
	for _, s := range append([]string{none}, surfaces...) {
		m.rateLimited.WithLabelValues(s)
		for _, why := range httpserver.AuthFailures {
			m.authFailures.WithLabelValues(s, string(why))
		}
	}
	return m
}

// none is the label of a request that no surface's route matched.
const none = "none"

// Begin counts a request in flight.
func (m *Metrics) Begin() { m.inFlight.Inc() }

// End counts an answered request under bounded labels.
func (m *Metrics) End(s httpserver.Served) {
	m.inFlight.Dec()
	surface, route := s.Surface, s.Route
	if surface == "" {
		surface = none
	}
	if route == "" {
		route = none
	}
	key := seriesKey{surface, route, methodLabel(s.Method), statusClass(s.Status)}
	series := m.seriesOf(key)
	series.requests.Inc()
	series.latency.Observe(s.Duration.Seconds())
	series.bytes.Add(float64(s.Bytes))
	if s.AuthFailure != "" {
		m.authFailures.WithLabelValues(surface, string(s.AuthFailure)).Inc()
	}
	if s.Status == http.StatusTooManyRequests {
		m.rateLimited.WithLabelValues(surface).Inc()
	}
}

func (m *Metrics) seriesOf(key seriesKey) *requestSeries {
	m.mu.RLock()
	series, ok := m.series[key]
	m.mu.RUnlock()
	if ok {
		return series
	}
	series = &requestSeries{
		requests: m.requests.WithLabelValues(key.surface, key.route, key.method, key.code),
		latency:  m.latency.WithLabelValues(key.surface, key.route, key.method),
		bytes:    m.bytes.WithLabelValues(key.surface, key.route),
	}
	m.mu.Lock()
	m.series[key] = series
	m.mu.Unlock()
	return series
}

// ObserveStore records a store operation; it is the store's projectd.StoreObserver.
func (m *Metrics) ObserveStore(kind string, elapsed time.Duration) {
	if o := m.storeKinds[kind]; o != nil {
		o.Observe(elapsed.Seconds())
	}
}

// methodLabel keeps the methods of HTTP's registry and folds any other token a client
// may send into "other".
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "other"
}

var statusClasses = [...]string{"1xx", "2xx", "3xx", "4xx", "5xx"}

func statusClass(status int) string {
	if status < 100 || status > 599 {
		return "other"
	}
	return statusClasses[status/100-1]
}

// Handler serves /metrics and net/http/pprof's /debug/pprof/: for the separate listener
// of serve --metrics-addr, never the public one.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}
