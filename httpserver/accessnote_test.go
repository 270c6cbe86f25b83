package httpserver

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
)

// Each access line names the surface whose mux matched the route and the user that
// authenticated; an unrouted or anonymous request names neither, and no line carries a
// credential.
func TestAccessLogNamesSurfaceAndUser(t *testing.T) {
	var logs bytes.Buffer
	mux := http.NewServeMux()
	SurfaceMux{Mux: mux, Surface: "tervis"}.HandleFunc("GET /projects/{id}", func(w http.ResponseWriter, r *http.Request) {
		NoteUser(r.Context(), 42)
		w.Write([]byte("ok"))
	})
	SurfaceMux{Mux: mux, Surface: "native"}.Handle("GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h := Middleware(mux, slog.New(slog.NewJSONHandler(&logs, nil)), true, nil)
	for _, path := range []string{"/projects/7", "/healthz", "/nowhere"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer secret-token")
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	want := []struct {
		surface, route string
		user           int64
		status         int
	}{{"tervis", "GET /projects/{id}", 42, 200}, {"native", "GET /healthz", 0, 200}, {"", "", 0, 404}}
	dec := json.NewDecoder(&logs)
	for _, w := range want {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(raw, []byte("secret-token")) {
			t.Fatalf("credential in the log: %s", raw)
		}
		var line struct {
			Surface, Route string
			RequestID      string `json:"request_id"`
			User           int64
			Status         int
		}
		if err := json.Unmarshal(raw, &line); err != nil {
			t.Fatal(err)
		}
		if line.Surface != w.surface || line.Route != w.route || line.User != w.user || line.Status != w.status || line.RequestID == "" {
			t.Fatalf("%s, want surface %q route %q user %d status %d", raw, w.surface, w.route, w.user, w.status)
		}
	}
}
