package httpserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"projectd"
)

func TestMiddlewareRecoversFromPanics(t *testing.T) {
	var logs bytes.Buffer
	h := Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("boom")
		}
		w.Write([]byte(RequestID(r)))
	}), slog.New(slog.NewTextHandler(&logs, nil)), true, nil)
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var p map[string]any
	if resp.StatusCode != 500 || json.Unmarshal(body, &p) != nil || p["status"] != float64(500) || strings.Contains(string(body), "boom") {
		t.Fatalf("panic answered %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "panic=boom") {
		t.Fatalf("the panic was not logged: %s", logs.String())
	}
	// The server lives on, and request ids pass through when sane.
	req, _ := http.NewRequest("GET", srv.URL+"/ok", nil)
	req.Header.Set("X-Request-Id", "abc-123")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "abc-123" || resp.Header.Get("X-Request-Id") != "abc-123" {
		t.Fatalf("after a panic: %d %q", resp.StatusCode, body)
	}
	req.Header.Set("X-Request-Id", "bad id\twith spaces")
	resp, _ = http.DefaultClient.Do(req)
	resp.Body.Close()
	if id := resp.Header.Get("X-Request-Id"); len(id) != 36 {
		t.Fatalf("an insane request id was kept or not replaced: %q", id)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		w.Write([]byte("done"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, ln, h, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String())
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	time.Sleep(100 * time.Millisecond) // the request is in flight
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	if b := <-got; b != "done" {
		t.Fatalf("the request in flight got %q", b)
	}
	if err := <-served; err != nil {
		t.Fatal(err)
	}
}

func TestCredential(t *testing.T) {
	for _, tc := range []struct {
		header  string
		schemes []string
		want    string
	}{
		{"Bearer abc", []string{"Bearer"}, "abc"},
		{"bearer  abc ", []string{"Bearer"}, "abc"},
		{"OAuth abc", []string{"Bearer"}, ""},
		{"OAuth abc", []string{"OAuth", "Bearer"}, "abc"},
		{"Bearer", []string{"Bearer"}, ""},
		{"", []string{"Bearer"}, ""},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tc.header)
		if got := Credential(r, tc.schemes...); got != tc.want {
			t.Errorf("%q with %v: got %q, want %q", tc.header, tc.schemes, got, tc.want)
		}
	}
}

func TestDecodeJSONNamesTheField(t *testing.T) {
	type body struct {
		Name  string   `json:"name"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
		Inner struct {
			On bool `json:"on"`
		} `json:"inner"`
	}
	for _, tc := range []struct{ in, field string }{
		{`{"name":1}`, "name"},
		{`{"count":"x"}`, "count"},
		{`{"count":1.5}`, "count"},
		{`{"tags":"x"}`, "tags"},
		{`{"inner":{"on":"yes"}}`, "inner.on"},
		{`{"extra":1}`, "extra"},
		{`{"name":"a"} x`, "body"},
		{`{`, "body"},
		{``, "body"},
		{"{\"name\":\"\xff\"}", "name"},
		{"{\"inner\":{\"x\":\"\xc3\"}}", "x"},
	} {
		var v body
		err := DecodeJSON([]byte(tc.in), &v)
		if projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) != tc.field {
			t.Errorf("%q: got %v, want field %q", tc.in, err, tc.field)
		}
	}
	var v body
	if err := DecodeJSON([]byte(`{"name":"ok","count":2,"tags":["a"],"inner":{"on":true}}`), &v); err != nil || v.Count != 2 || !v.Inner.On {
		t.Fatalf("valid body: %+v %v", v, err)
	}
}

func TestReadBodyLimit(t *testing.T) {
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", MaxBodyBytes+1)))
	r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
	if _, err := ReadBody(r); err != ErrBodyTooLarge {
		t.Fatalf("got %v", err)
	}
	r = httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", MaxBodyBytes)))
	r.Body = http.MaxBytesReader(rec, r.Body, MaxBodyBytes)
	if b, err := ReadBody(r); err != nil || len(b) != MaxBodyBytes {
		t.Fatalf("a body of exactly 1 MiB: %d %v", len(b), err)
	}
}

func TestServerTimeouts(t *testing.T) {
	srv := NewHTTPServer(http.NotFoundHandler(), slog.Default())
	for name, d := range map[string]time.Duration{
		"ReadHeaderTimeout": srv.ReadHeaderTimeout, "ReadTimeout": srv.ReadTimeout,
		"WriteTimeout": srv.WriteTimeout, "IdleTimeout": srv.IdleTimeout,
	} {
		if d <= 0 || d > 5*time.Minute {
			t.Errorf("%s is %v", name, d)
		}
	}
	if srv.MaxHeaderBytes <= 0 || srv.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes is %d", srv.MaxHeaderBytes)
	}
}

func TestNegotiate(t *testing.T) {
	offers := []string{"application/json", "application/xml"}
	for accept, want := range map[string]string{
		"":                 "application/json",
		"application/xml":  "application/xml",
		"application/json": "application/json",
		"*/*":              "application/json",
		"application/*":    "application/json",
		"text/html":        "",
		"application/xml;q=0.9, application/json;q=0.5": "application/xml",
		"application/json;q=0.1, application/xml":       "application/xml",
		"text/html, application/xml;q=0.8":              "application/xml",
		"application/json;q=0":                          "",
		"application/json;q=abc":                        "",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", accept)
		if got := Negotiate(r, offers...); got != want {
			t.Errorf("Accept %q: got %q, want %q", accept, got, want)
		}
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(3)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d refused within the burst", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait < time.Second || wait > 20*time.Second {
		t.Fatalf("the 4th request: %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("another caller was limited")
	}
	if ok, _ := NewLimiter(0).Allow("a"); !ok {
		t.Fatal("a zero limit limited")
	}
}

// AppendTime writes the time in UTC, whatever its zone, as a JSON string in the layout.
func TestAppendTime(t *testing.T) {
	moscow := time.FixedZone("MSK", 3*3600)
	at := time.Date(2025, 3, 9, 2, 4, 5, 123456789, moscow)
	for layout, want := range map[string]string{
		"2006-01-02T15:04:05.000000Z07:00": `"2025-03-08T23:04:05.123456Z"`,
		"2006-01-02T15:04:05":              `"2025-03-08T23:04:05"`,
	} {
		if got := string(AppendTime([]byte("x"), at, layout)); got != "x"+want {
			t.Errorf("AppendTime(%s) = %s, want x%s", layout, got, want)
		}
	}
}
