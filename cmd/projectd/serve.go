package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"

	"projectd/api"
	"projectd/compat/movika"
	"projectd/compat/ncpmaiu"
	"projectd/compat/tervis"
	"projectd/compat/textking"
	"projectd/compat/yatasks"
	"projectd/httpserver"
	"projectd/sqlstore"
)

// newServer composes every surface of projectd on one handler.
// serveOptions are the settings of serve that shape the surfaces.
type serveOptions struct {
	publicURL        string
	rateLimit        int
	ncpRefuseReplays bool
}

func newServer(store *sqlstore.DB, logger *slog.Logger, opts serveOptions) http.Handler {
	mux := http.NewServeMux()
	yatasks.New(store, logger, httpserver.NewLimiter(opts.rateLimit)).Routes(mux)
	textking.New(store, logger, opts.publicURL).Routes(mux)
	movika.New(store, logger).Routes(mux)
	ncpmaiu.New(store, logger, opts.ncpRefuseReplays).Routes(mux)
	tervis.New(store, logger, opts.publicURL).Routes(mux)
	mux.Handle("/", api.New(api.Config{
		Store:     store,
		Logger:    logger,
		PublicURL: opts.publicURL,
		CursorKey: subkey(store.MasterKey, "cursor"),
	}))
	return httpserver.Middleware(mux, logger)
}

func (e *environment) serve(ctx context.Context, args []string) error {
	fs, dsn := e.flags("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	publicURL := fs.String("public-url", "", "scheme://host[:port] that links point to (default: the request's)")
	demo := fs.Bool("demo", false, "load demo data and print curl lines for every surface")
	rateLimit := fs.Int("rate-limit", 6000, "requests a minute per user on the Yandex Tasks surface (0: no limit)")
	refuseReplays := fs.Bool("ncp-refuse-replays", false, "NAVER surface: accept each signature once (identical requests signed in one millisecond are then refused)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rateLimit < 0 {
		return fmt.Errorf("--rate-limit must be 0 or more")
	}
	if *publicURL != "" {
		u, err := url.Parse(*publicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("--public-url must be http(s)://host[:port], got %q", *publicURL)
		}
		*publicURL = strings.TrimSuffix(*publicURL, "/")
	}
	tuneGC(e.getenv)
	logger := slog.New(slog.NewTextHandler(e.stderr, nil))
	store, err := e.openStore(ctx, *dsn)
	if err != nil {
		return err
	}
	defer store.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	base := *publicURL
	if base == "" {
		base = "http://" + ln.Addr().String()
	}
	if *demo {
		if err := loadDemo(ctx, store, base, e.stdout); err != nil {
			ln.Close()
			return fmt.Errorf("demo data: %w", err)
		}
	}
	logger.Info("projectd listening", "url", base, "db", store.Dialect())
	return httpserver.Serve(ctx, ln, newServer(store, logger, serveOptions{publicURL: *publicURL, rateLimit: *rateLimit, ncpRefuseReplays: *refuseReplays}), logger)
}

// serveGCPercent is the garbage collector's target for serve unless GOGC says otherwise.
// serve keeps little alive (caches of statements, users and tokens: tens of MB), and
// every request allocates its page afresh; collecting at 5x the live heap instead of 2x
// gives a first page about 20% more requests/s for about 12 MB more memory
// (docs/performance.md).
const serveGCPercent = 400

// tuneGC sets serveGCPercent when the environment does not set GOGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
}
