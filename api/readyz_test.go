package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"projectd"
	"projectd/internal/testdb"
)

// pingStore is a store whose readiness check is ping; nothing else of it is called.
type pingStore struct {
	Store
	ping func(ctx context.Context) error
}

func (s pingStore) Ping(ctx context.Context) error { return s.ping(ctx) }

// /readyz says which of its conditions failed; a store error's own text stays in the log.
func TestReadyzSaysWhy(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ping   func(ctx context.Context) error
		status int
		reason string
	}{
		{"ready", func(context.Context) error { return nil }, 200, ""},
		{"pending", func(context.Context) error {
			return fmt.Errorf("%w: the schema is at version 6, this binary needs 7", projectd.ErrMigrationsPending)
		}, 503, "migrations pending: the schema is at version 6, this binary needs 7"},
		{"slow", func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }, 503, "the store did not answer within 1s"},
		{"down", func(context.Context) error { return errors.New("dial tcp 10.0.0.7:5432: connection refused") }, 503, "the store does not answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := New(Config{Store: pingStore{ping: tc.ping}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
				CursorKey: make([]byte, 32), Ext: testdb.Extensions(nil)})
			rec := httptest.NewRecorder()
			start := time.Now()
			h.handleReadyz(rec, httptest.NewRequest("GET", "/readyz", nil))
			if took := time.Since(start); took > readyTimeout+time.Second {
				t.Fatalf("took %s", took)
			}
			var body struct{ Status, Reason string }
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || rec.Code != tc.status || body.Reason != tc.reason {
				t.Fatalf("%d %s, want %d with reason %q", rec.Code, rec.Body, tc.status, tc.reason)
			}
			if strings.Contains(rec.Body.String(), "10.0.0.7") {
				t.Fatalf("the store's error reached the public body: %s", rec.Body)
			}
			if (rec.Code == http.StatusOK) != (body.Status == "ok") {
				t.Fatalf("status %q with %d", body.Status, rec.Code)
			}
		})
	}
}
