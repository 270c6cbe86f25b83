// Package httpserver holds what every HTTP surface of projectd shares: the listener with
// its timeouts and graceful shutdown, middleware (request ids, access logs, panics, body
// limits), credential parsing, strict JSON decoding and content negotiation. Each surface
// renders its own errors; this package makes no authorization decisions.
package httpserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"time"

	"github.com/google/uuid"
)

// MaxBodyBytes bounds every request body; a larger one is a 413.
const MaxBodyBytes = 1 << 20

// NewHTTPServer returns the http.Server that serves h, with timeouts on every phase of a
// request so that slow or idle clients cannot hold connections forever.
func NewHTTPServer(h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      120 * time.Second, // whole collections stream for a while
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}

// Serve serves h on ln until ctx is done, then shuts down gracefully, letting requests
// in flight finish for up to 15 seconds.
func Serve(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	srv := NewHTTPServer(h, logger)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type requestIDKey struct{}

// RequestID returns the id of the request being served.
func RequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// statusRecorder remembers the status and size of a response for the access log.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Middleware wraps h with what every request gets: an X-Request-Id (the caller's, when
// sane, else a new one), a body limit, recovery from panics as a logged 500, (with
// accessLog) an access log line: request id, surface, user id (0 before authentication),
// method, route pattern, path, status, bytes, duration, never a header, so never a
// credential; and, when observer is not nil, its Begin and End.
func Middleware(h http.Handler, logger *slog.Logger, accessLog bool, observer Observer) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		if observer != nil {
			observer.Begin()
		}
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			id = uuid.NewString()
		}
		w.Header().Set("X-Request-Id", id)
		note := &accessNote{}
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		r = r.WithContext(context.WithValue(ctx, accessNoteKey{}, note))
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		}
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				logger.Error("panic", "request_id", id, "method", r.Method, "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					w.Header().Set("Content-Type", "application/problem+json")
					rec.WriteHeader(http.StatusInternalServerError)
					fmt.Fprintf(rec, `{"type":"about:blank","title":"Internal Server Error","status":500,"detail":"Internal error.","request_id":%q}`, id)
				}
			}
			if rec.status == 0 { // the handler wrote nothing: net/http sends 200
				rec.status = http.StatusOK
			}
			elapsed := time.Since(start)
			if observer != nil {
				observer.End(Served{Surface: note.surface, Route: routeOf(r.Pattern), Method: r.Method, Status: rec.status,
					Bytes: rec.bytes, Duration: elapsed, AuthFailure: note.authFailure})
			}
			if accessLog {
				logger.Info("request", "request_id", id, "surface", note.surface, "user", note.user, "method", r.Method, "route", r.Pattern,
					"path", r.URL.Path, "status", rec.status, "bytes", rec.bytes, "duration_ms", float64(elapsed.Microseconds())/1000)
			}
		}()
		h.ServeHTTP(rec, r)
	})
}
