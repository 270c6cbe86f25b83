package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"

	"projectd"
	"projectd/api"
	"projectd/compat"
	"projectd/console"
	"projectd/httpserver"
	"projectd/metrics"
	"projectd/sqlstore"
)

// The store is what the native API and the surfaces need.
var (
	_ api.Store    = (*sqlstore.DB)(nil)
	_ compat.Store = (*sqlstore.DB)(nil)
)

// mountedSurface is a surface with its flags declared, ready to mount.
type mountedSurface struct {
	compat.Surface
	mount compat.Mount
}

// newServer composes every surface of projectd on one handler; observer (nil for none)
// learns of every request.
func newServer(store *sqlstore.DB, logger *slog.Logger, publicURL string, throttle *httpserver.Throttle, mounted []mountedSurface, accessLog bool, observer httpserver.Observer) http.Handler {
	mux := http.NewServeMux()
	routes(mux, store, logger, publicURL, throttle, mounted)
	return httpserver.Middleware(mux, logger, accessLog, observer)
}

// newLogger is serve's logger: text or JSON lines from level up.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level must be debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format must be text or json, got %q", format)
}

// nativeSurface is the surface name of the native API's routes, in access logs and metrics.
const nativeSurface = "native"

// surfaceNames are the names of the mounted surfaces, in their order.
func surfaceNames(mounted []mountedSurface) []string {
	names := make([]string, len(mounted))
	for i, m := range mounted {
		names[i] = m.Name
	}
	return names
}

// routes registers every route of the server on mux: the native API's, and those of the
// surfaces of the list, each mounted with the flags it declared, with its OpenAPI
// document. compat/README.md lists them all (TestRouteTable).
func routes(mux httpserver.Mux, store *sqlstore.DB, logger *slog.Logger, publicURL string, throttle *httpserver.Throttle, mounted []mountedSurface) {
	env := compat.Env{Store: store, Logger: logger, PublicURL: publicURL, Throttle: throttle}
	surfaces := make([]compat.Surface, len(mounted))
	for i, m := range mounted {
		surfaces[i] = m.Surface
		surfaceMux := httpserver.SurfaceMux{Mux: mux, Surface: m.Name}
		m.mount(surfaceMux, env)
		surfaceMux.HandleFunc("GET /api/openapi/"+m.Name+".json", httpserver.ServeDocument(m.OpenAPI))
	}
	api.New(api.Config{
		Store:     store,
		Logger:    logger,
		PublicURL: publicURL,
		CursorKey: subkey(store.MasterKey, "cursor"),
		Ext:       store.Ext,
		Surfaces:  surfaceNames(mounted),
		Throttle:  throttle,
		Views: func(ctx context.Context, a *projectd.Auth, base string, p *projectd.Project) ([]projectd.SurfaceView, error) {
			return compat.ShowProject(ctx, mux, surfaces, a, base, p)
		},
	}).Routes(httpserver.SurfaceMux{Mux: mux, Surface: nativeSurface})
	console.Routes(httpserver.SurfaceMux{Mux: mux, Surface: nativeSurface}) // its page is the native API's
}

func (e *environment) serve(ctx context.Context, args []string) error {
	fs, dsn := e.flags("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	publicURL := fs.String("public-url", "", "scheme://host[:port] that links point to (default: the request's)")
	demo := fs.Bool("demo", false, "load demo data and print curl lines for every surface")
	rateLimit := fs.Int("rate-limit", 6000, "requests a minute per user, on every surface and the native API (0: no limit)")
	authFailures := fs.Int("auth-failure-limit", 20, "failed authentications a minute per client address before 429s (0: no limit)")
	concurrent := fs.Int("concurrent-requests", 16, "requests of one user in progress at once before 429s (0: no limit)")
	var mounted []mountedSurface
	for _, s := range e.surfaces {
		mounted = append(mounted, mountedSurface{s, s.Flags(fs)})
	}
	logFormat := fs.String("log-format", "text", "log lines as text or json")
	logLevel := fs.String("log-level", "info", "the least level logged: debug, info, warn or error")
	accessLog := fs.Bool("access-log", true, "log a line for every request")
	pageCache := fs.Int("page-cache", sqlstore.DefaultPageCacheSize>>20, "MiB of list pages kept until the next write to the database (0: none)")
	metricsAddr := fs.String("metrics-addr", "", "address of a separate listener for Prometheus /metrics and /debug/pprof/ (default: none; keep it private)")
	var replicas replicaURLs
	fs.Var(&replicas, "db-replica", "a PostgreSQL streaming replica's postgres:// URL that reads may go to; repeat it for more (the variable takes them separated by spaces)")
	maxLag := fs.Duration("replica-max-lag", sqlstore.DefaultMaxReplicaLag, "how old the data a replica serves may be; a replica further behind leaves the rotation until it catches up")
	if err := e.parseWithEnv(fs, args); err != nil {
		return err
	}
	if *maxLag <= 0 {
		return fmt.Errorf("--replica-max-lag must be more than 0, got %s", *maxLag)
	}
	if *rateLimit < 0 {
		return fmt.Errorf("--rate-limit must be 0 or more")
	}
	if *authFailures < 0 {
		return fmt.Errorf("--auth-failure-limit must be 0 or more")
	}
	if *concurrent < 0 {
		return fmt.Errorf("--concurrent-requests must be 0 or more")
	}
	if *pageCache < 0 {
		return fmt.Errorf("--page-cache must be 0 or more")
	}
	if *publicURL != "" {
		var err error
		if *publicURL, err = parseOrigin("--public-url", *publicURL); err != nil {
			return err
		}
	}
	tuneGC(e.getenv)
	logger, err := newLogger(e.stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	store, err := e.openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	store.SetPageCacheSize(*pageCache << 20)
	if len(replicas) > 0 {
		if err := store.UseReplicas(ctx, sqlstore.ReplicaOptions{URLs: replicas, MaxLag: *maxLag, Logger: logger}); err != nil {
			return fmt.Errorf("--db-replica: %w", err)
		}
		logger.Info("reads go to replicas", "replicas", len(replicas), "max_lag", *maxLag)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	if *demo {
		if err := loadDemo(ctx, store, e.surfaces, base, e.stdout); err != nil {
			ln.Close()
			return fmt.Errorf("demo data: %w", err)
		}
	}
	var observer httpserver.Observer
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	metricsDone := make(chan error, 1)
	if *metricsAddr != "" {
		m, err := listenMetrics(ctx, *metricsAddr, store, mounted, logger, metricsDone)
		if err != nil {
			ln.Close()
			return err
		}
		observer = m
	} else {
		close(metricsDone)
	}
	logger.Info("projectd listening", "url", base, "db", store.Dialect())
	throttle := &httpserver.Throttle{PerUser: httpserver.NewLimiter(*rateLimit), FailedAuth: httpserver.NewLimiter(*authFailures), Concurrent: *concurrent}
	err = httpserver.Serve(ctx, ln, newServer(store, logger, *publicURL, throttle, mounted, *accessLog, observer), logger)
	stop()
	return errors.Join(err, <-metricsDone)
}

// replicaURLs are the values of --db-replica: URLs only, since a key=value DSN has spaces,
// which separate the replicas of PROJECTD_DB_REPLICA.
type replicaURLs []string

func (r *replicaURLs) String() string { return strings.Join(*r, " ") }

func (r *replicaURLs) Set(v string) error {
	urls := strings.Fields(v)
	if len(urls) == 0 {
		return errors.New("give a postgres:// URL")
	}
	for _, u := range urls {
		if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
			return fmt.Errorf("%q is not a postgres:// URL", u)
		}
	}
	*r = append(*r, urls...)
	return nil
}

// listenMetrics serves the metrics of store and of the requests on addr until ctx is done,
// then sends how that ended to done. The returned registry observes the requests.
func listenMetrics(ctx context.Context, addr string, store *sqlstore.DB, mounted []mountedSurface, logger *slog.Logger, done chan<- error) (*metrics.Metrics, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	b := build()
	b.Engine = store.Dialect()
	m := metrics.New(b, store, append(surfaceNames(mounted), nativeSurface))
	store.Observe = m.ObserveStore
	logger.Info("metrics listening", "url", "http://"+ln.Addr().String()+"/metrics")
	go func() { done <- httpserver.Serve(ctx, ln, m.Handler(), logger) }()
	return m, nil
}

// serveGCPercent is the garbage collector's target for serve unless GOGC says otherwise.
// serve keeps little alive (caches of statements, users and tokens: tens of MB), and
// every request allocates its page afresh; collecting at 5x the live heap instead of 2x
// gives a first page about 20% more requests/s for about 12 MB more memory
// (docs/performance.md).
const serveGCPercent = 400

// serveMemoryLimit is the Go heap's soft limit unless GOMEMLIMIT says otherwise: past
// it the collector runs sooner than serveGCPercent would let it, so a live heap grown by
// the page cache does not take five times itself. Serving 1,000,000 projects to owners'
// pages rotating over 1,000 owners peaked at 91–97 MB instead of 135–139 MB, at the same
// requests/s (docs/performance.md). It is soft: a live heap larger than it still grows,
// with the collector's share of the CPU capped by the runtime.
const serveMemoryLimit = 64 << 20

// tuneGC sets serveGCPercent and serveMemoryLimit where the environment does not set
// GOGC and GOMEMLIMIT.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemoryLimit)
	}
}
