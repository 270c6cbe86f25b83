package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"projectd/api"
	"projectd/compat"
	"projectd/compat/surfaces"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// testMasterKey is a fixed master key, so that tests do not write key files.
const testMasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// server is a projectd started through run, as main starts it.
type server struct {
	t      testing.TB
	base   string
	dsn    string
	getenv func(string) string
	stdout *syncBuffer
}

// syncBuffer is a bytes.Buffer that the server goroutine and the test may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// forEachFlavour runs test against a server on a fresh store of every flavour.
func forEachFlavour(t *testing.T, test func(t *testing.T, s *server), serveArgs ...string) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) {
			test(t, startServer(t, f.New(t), serveArgs...))
		})
	}
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServer runs "projectd serve" on dsn and waits until /healthz answers.
func startServer(t testing.TB, dsn string, serveArgs ...string) *server {
	t.Helper()
	env := map[string]string{"PROJECTD_DB": dsn, "PROJECTD_MASTER_KEY": testMasterKey}
	s := &server{t: t, dsn: dsn, getenv: func(k string) string { return env[k] }, stdout: &syncBuffer{}}
	addr := freeAddr(t)
	s.base = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", addr}, serveArgs...), s.getenv, nil, s.stdout, logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve returned %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("serve did not shut down")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(s.base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not healthy: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cli runs an admin command on the server's store and returns what it printed.
func (s *server) cli(args ...string) string {
	s.t.Helper()
	out, err := s.tryCLI(args...)
	if err != nil {
		s.t.Fatalf("projectd %s: %v", strings.Join(args, " "), err)
	}
	return out
}

func (s *server) tryCLI(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, s.getenv, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		return stdout.String(), fmt.Errorf("%w (stderr: %s)", err, stderr.String())
	}
	return stdout.String(), nil
}

// user creates a user through the CLI and returns a read-write token for them.
func (s *server) user(login string, admin bool) string {
	s.t.Helper()
	args := []string{"user", "create", "--login", login, "--email", login + "@example.com"}
	if admin {
		args = append(args, "--admin")
	}
	s.cli(args...)
	return strings.TrimSpace(s.cli("token", "create", "--login", login))
}

// uid returns the uid of the user a token stands for.
func (s *server) uid(token string) string {
	s.t.Helper()
	var me struct {
		User struct{ UID string } `json:"user"`
	}
	s.do("GET", "/api/me", token, "").json(s.t, &me)
	return me.User.UID
}

// openStore opens the store under dsn directly, for loads a test does not make through
// the API; it is closed when the test ends.
func openStore(t *testing.T, dsn string) *sqlstore.DB {
	t.Helper()
	ext, err := compat.Extensions(surfaces.All)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlstore.Open(context.Background(), dsn, ext)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openAPIDocuments are the OpenAPI documents serve answers, the native API's first; each
// response of the tests is checked against the one that has its route.
var openAPIDocuments = func() []namedDocument {
	docs := []namedDocument{{"api", api.OpenAPIDocument()}}
	for _, s := range surfaces.All {
		docs = append(docs, namedDocument{s.Name, s.OpenAPI})
	}
	return docs
}()

type namedDocument struct {
	name string
	doc  []byte
}

var (
	openAPIOnce    sync.Once
	openAPIRouters []routers.Router
	openAPIErr     error
)

// openAPI loads and validates every OpenAPI document once.
func openAPI(t testing.TB) []routers.Router {
	openAPIOnce.Do(func() {
		for _, d := range openAPIDocuments {
			doc, err := openapi3.NewLoader().LoadFromData(d.doc)
			if err == nil {
				err = doc.Validate(context.Background())
			}
			var router routers.Router
			if err == nil {
				router, err = gorillamux.NewRouter(doc)
			}
			if err != nil {
				openAPIErr = fmt.Errorf("the OpenAPI document of %s is not valid: %w", d.name, err)
				return
			}
			openAPIRouters = append(openAPIRouters, router)
		}
	})
	if openAPIErr != nil {
		t.Fatal(openAPIErr)
	}
	return openAPIRouters
}

// response is an answer of the server, already read.
type response struct {
	*http.Response
	body []byte
}

func (r *response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("%s: %v", r.body, err)
	}
}

// do sends a request and checks the answer of every native route against the OpenAPI
// document: its status must be documented and its body must match the schema.
func (s *server) do(method, path, token, body string, headers ...string) *response {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	if resp.Header.Get("X-Request-Id") == "" {
		s.t.Errorf("%s %s: no X-Request-Id", method, path)
	}
	s.checkOpenAPI(req, resp, b)
	return &response{resp, b}
}

// checkOpenAPI validates a response against the document whose route it is. A native
// path that no document routes must be a 404; other unrouted paths are the surfaces'
// catch-alls (checked by their own tests).
func (s *server) checkOpenAPI(req *http.Request, resp *http.Response, body []byte) {
	s.t.Helper()
	for _, router := range openAPI(s.t) {
		route, params, err := router.FindRoute(req)
		if err != nil {
			continue
		}
		in := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 resp.StatusCode,
			Header:                 resp.Header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true},
		}
		in.SetBodyBytes(body)
		if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
			s.t.Errorf("%s %s: response does not match its OpenAPI document: %.2000s\n%.2000s", req.Method, req.URL.Path, err, body)
		}
		return
	}
	native := strings.HasPrefix(req.URL.Path, "/api/") && !strings.HasPrefix(req.URL.Path, "/api/v1/")
	if native && resp.StatusCode != http.StatusNotFound {
		s.t.Errorf("%s %s answered %d but is in no OpenAPI document", req.Method, req.URL.Path, resp.StatusCode)
	}
}

// problem is the RFC 9457 body of an error.
type problem struct {
	Status        int    `json:"status"`
	Detail        string `json:"detail"`
	InvalidParams []struct {
		Name string `json:"name"`
	} `json:"invalid_params"`
}

// wantProblem checks an error answer: status, problem+json and the named parameter.
func (r *response) wantProblem(t *testing.T, status int, param string) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("status %d, want %d: %s", r.StatusCode, status, r.body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	var p problem
	r.json(t, &p)
	if p.Status != status || p.Detail == "" {
		t.Fatalf("problem body %s", r.body)
	}
	if param != "" && (len(p.InvalidParams) != 1 || p.InvalidParams[0].Name != param) {
		t.Fatalf("problem names %+v, want %q: %s", p.InvalidParams, param, r.body)
	}
}
