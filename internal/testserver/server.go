// Package testserver starts the real projectd server for tests, the way main does (the
// command line's serve on a fresh store of each flavour), waits on /healthz, and talks to
// it: every answer is checked against the OpenAPI document whose route it is. Each
// surface's and the native API's end-to-end tests use it.
package testserver

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"projectd/compat"
	"projectd/compat/surfaces"
	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// Passwords hash at bcrypt's least cost in tests: under the race detector the default
// takes seconds a hash.
func init() { sqlstore.PasswordCost = bcrypt.MinCost }

// MasterKey is a fixed master key, so that tests do not write key files.
const MasterKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

// Server is a projectd started through the command line, as main starts it.
type Server struct {
	T      testing.TB
	Base   string // http://127.0.0.1:port
	DSN    string
	Getenv func(string) string
	Stdout *SyncBuffer // what serve printed
	// Program is what serve runs: the list of surfaces, or one a test made.
	Program cli.Program
}

// SyncBuffer is a bytes.Buffer that the server goroutine and the test may share.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// ForEachFlavour runs test against a server on a fresh store of every flavour.
func ForEachFlavour(t *testing.T, test func(t *testing.T, s *Server), serveArgs ...string) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) {
			test(t, Start(t, f.New(t), serveArgs...))
		})
	}
}

// FreeAddr returns a loopback address with a free port.
func FreeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Start runs "projectd serve" on dsn with every surface and waits until /healthz answers.
func Start(t testing.TB, dsn string, serveArgs ...string) *Server {
	t.Helper()
	return StartProgram(t, cli.Program{Surfaces: surfaces.All}, dsn, serveArgs...)
}

// StartProgram runs serve of program on dsn; it stops when the test ends.
func StartProgram(t testing.TB, program cli.Program, dsn string, serveArgs ...string) *Server {
	t.Helper()
	s := Offline(t, dsn)
	s.Stdout, s.Program = &SyncBuffer{}, program
	addr := FreeAddr(t)
	s.Base = "http://" + addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &SyncBuffer{}
	go func() {
		done <- program.Run(ctx, append([]string{"serve", "--addr", addr}, serveArgs...), s.Getenv, nil, s.Stdout, logs)
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
		resp, err := http.Get(s.Base + "/healthz")
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

// Offline is a Server without a listener, to run admin commands on dsn.
func Offline(t testing.TB, dsn string) *Server {
	env := map[string]string{"PROJECTD_DB": dsn, "PROJECTD_MASTER_KEY": MasterKey}
	return &Server{T: t, DSN: dsn, Getenv: func(k string) string { return env[k] }, Program: cli.Program{Surfaces: surfaces.All}}
}

// CLI runs an admin command on the server's store and returns what it printed.
func (s *Server) CLI(args ...string) string {
	s.T.Helper()
	out, err := s.TryCLI(args...)
	if err != nil {
		s.T.Fatalf("projectd %s: %v", strings.Join(args, " "), err)
	}
	return out
}

// TryCLI runs an admin command and returns what it printed and its error.
func (s *Server) TryCLI(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	err := s.Program.Run(context.Background(), args, s.Getenv, strings.NewReader(""), &stdout, &stderr)
	if err != nil {
		return stdout.String(), fmt.Errorf("%w (stderr: %s)", err, stderr.String())
	}
	return stdout.String(), nil
}

// User creates a user through the CLI and returns a read-write token for them.
func (s *Server) User(login string, admin bool) string {
	s.T.Helper()
	args := []string{"user", "create", "--login", login, "--email", login + "@example.com"}
	if admin {
		args = append(args, "--admin")
	}
	s.CLI(args...)
	return strings.TrimSpace(s.CLI("token", "create", "--login", login))
}

// UID returns the uid of the user a token stands for.
func (s *Server) UID(token string) string {
	s.T.Helper()
	var me struct {
		User struct{ UID string } `json:"user"`
	}
	s.Do("GET", "/api/me", token, "").JSON(s.T, &me)
	return me.User.UID
}

// OpenStore opens the store under dsn directly, for loads a test does not make through
// the API; it is closed when the test ends.
func OpenStore(t testing.TB, dsn string) *sqlstore.DB {
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
