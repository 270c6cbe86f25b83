package httpserver_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"projectd"
	"projectd/httpserver"
)

type fakeAuthenticator map[string]error

func (f fakeAuthenticator) Authenticate(_ context.Context, secret string) (*projectd.Auth, error) {
	if err, ok := f[secret]; ok {
		return nil, err
	}
	return &projectd.Auth{User: &projectd.User{Login: secret}}, nil
}

// The one authentication step: the surface's schemes, its message for a missing
// credential, the store's verdict passed to the surface's renderer unchanged.
func TestBearerAuth(t *testing.T) {
	down := errors.New("database is down")
	store := fakeAuthenticator{"unknown": projectd.Errorf(projectd.EUNAUTHORIZED, "no such token"), "broken": down}
	var failed error
	auth := httpserver.BearerAuth{Store: store, Schemes: []string{"OAuth", "Bearer"}, Missing: "send a token",
		Fail: func(w http.ResponseWriter, r *http.Request, err error) { failed = err; w.WriteHeader(599) }}
	h := auth.Wrap(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(projectd.UserFromContext(r.Context()).Login))
	})
	for _, tc := range []struct {
		header, body string
		want         error
		code         string
	}{
		{"oauth ann", "ann", nil, ""},
		{"Bearer bob", "bob", nil, ""},
		{"", "", nil, projectd.EUNAUTHORIZED},
		{"Basic ann", "", nil, projectd.EUNAUTHORIZED},
		{"Bearer unknown", "", nil, projectd.EUNAUTHORIZED},
		{"Bearer broken", "", down, projectd.EINTERNAL},
	} {
		failed = nil
		req := httptest.NewRequest("GET", "/", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		rec := httptest.NewRecorder()
		h(rec, req)
		if rec.Body.String() != tc.body || projectd.ErrorCode(failed) != tc.code {
			t.Errorf("%q: body %q, failure %v", tc.header, rec.Body.String(), failed)
		}
		if tc.want != nil && !errors.Is(failed, tc.want) {
			t.Errorf("%q: the store's error was not passed on: %v", tc.header, failed)
		}
	}
	failed = nil
	req := httptest.NewRequest("GET", "/", nil)
	h(httptest.NewRecorder(), req)
	if projectd.ErrorMessage(failed) != "send a token" {
		t.Errorf("missing credential: %v", failed)
	}
}

// Each user's requests in progress are bounded; leaving frees a place.
func TestThrottleConcurrent(t *testing.T) {
	th := &httpserver.Throttle{Concurrent: 2}
	leave1, err1 := th.Enter(7)
	_, err2 := th.Enter(7)
	_, err3 := th.Enter(7)
	if err1 != nil || err2 != nil || projectd.ErrorCode(err3) != projectd.ETOOMANY || projectd.RetryAfter(err3) < 1 {
		t.Fatalf("got %v %v %v", err1, err2, err3)
	}
	if _, err := th.Enter(8); err != nil {
		t.Fatalf("another user: %v", err)
	}
	leave1()
	if _, err := th.Enter(7); err != nil {
		t.Fatalf("after leaving: %v", err)
	}
}

// A streamed answer's writes each have their own deadline: a client that stops reading
// is cut off after the idle time, and the handler learns it from its write.
func TestStreamWriterCutsOffStalledClients(t *testing.T) {
	result := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		out := httpserver.NewStreamWriter(w, 32<<10, 200*time.Millisecond)
		chunk := make([]byte, 64<<10)
		for range 2000 { // 128 MB: far more than a socket holds
			if _, err := out.Write(chunk); err != nil {
				result <- err
				return
			}
		}
		result <- out.Flush()
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")) // and never read
	select {
	case err := <-result:
		if err == nil {
			t.Fatal("the stalled client was written to the end")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the stalled client was not cut off")
	}
}
