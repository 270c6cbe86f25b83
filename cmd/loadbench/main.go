// Command loadbench makes the data set of the load benchmark and serves its ceiling
// (scripts/loadbench drives both, with wrk, beside projectd):
//
//	loadbench gen [--owners 8000] [--per-owner 100] [--big 200000] [--collection 1000] > projects.ndjson
//	loadbench ceiling --from URL --token T --paths FILE [--addr 127.0.0.1:18601]
//
// gen writes NDJSON for projectd import: owners o00001… with per-owner projects each and
// one owner "big" with big projects, a fifth of them archived, created over three years,
// then owner "coll" with collection projects, all in its workspace "coll" (the whole
// collections of NAVER and Tervis); the same bytes on every run. ceiling fetches every
// path of FILE from projectd once — a line is a path, then optionally the headers to send
// instead of the bearer token, tab-separated — and then answers each path with the same
// bytes from memory: what a server that does nothing but write the answer could do on
// this machine.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: loadbench gen|ceiling [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	switch args[0] {
	case "gen":
		owners := fs.Int("owners", 8000, "owners of per-owner projects each")
		perOwner := fs.Int("per-owner", 100, "projects of each of those owners")
		big := fs.Int("big", 200000, "projects of the owner big")
		collection := fs.Int("collection", 1000, "projects of the owner coll, in its workspace coll")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		w := bufio.NewWriter(stdout)
		if err := generate(w, *owners, *perOwner, *big, *collection); err != nil {
			return err
		}
		return w.Flush()
	case "ceiling":
		from := fs.String("from", "", "projectd's base URL")
		token := fs.String("token", "", "the bearer token to fetch with")
		paths := fs.String("paths", "", "a file of paths, one a line")
		addr := fs.String("addr", "127.0.0.1:18601", "address to serve on")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		answers, err := capture(ctx, *from, *token, *paths)
		if err != nil {
			return err
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ceiling of %d answers on http://%s\n", len(answers), ln.Addr())
		return serve(ctx, ln, answers)
	}
	return fmt.Errorf("unknown command %q: use gen or ceiling", args[0])
}

// record is a project line of projectd's export format.
type record struct {
	Type      string          `json:"type"`
	Login     string          `json:"login,omitempty"`
	Email     string          `json:"email,omitempty"`
	Role      string          `json:"role,omitempty"`
	Name      string          `json:"name,omitempty"`
	Status    string          `json:"status,omitempty"`
	Owner     string          `json:"owner,omitempty"`
	Workspace string          `json:"workspace,omitempty"`
	Members   []member        `json:"members,omitempty"`
	CreatedAt *time.Time      `json:"created_at,omitempty"`
	CreatedBy string          `json:"created_by,omitempty"`
	UpdatedAt *time.Time      `json:"updated_at,omitempty"`
	UpdatedBy string          `json:"updated_by,omitempty"`
	Version   int64           `json:"version,omitempty"`
	Ext       json.RawMessage `json:"ext,omitempty"`
}

type member struct {
	Login string `json:"login"`
	Role  string `json:"role"`
}

var states = []string{"prepared", "running", "finished", "canceled"}

// generate writes the users, then the projects, interleaving owners so that every owner's
// projects spread over the whole three years, then coll's workspace and projects.
func generate(w io.Writer, owners, perOwner, big, collection int) error {
	enc := json.NewEncoder(w)
	logins := make([]string, owners)
	for i := range logins {
		logins[i] = fmt.Sprintf("o%05d", i+1)
	}
	for _, login := range append(logins, "big", "coll") {
		if err := enc.Encode(record{Type: "user", Login: login, Email: login + "@example.com", Role: "member"}); err != nil {
			return err
		}
	}
	total := owners*perOwner + big
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	step := 3 * 365 * 24 * time.Hour / time.Duration(max(total, 1))
	bigEvery := 0
	if big > 0 {
		bigEvery = max(total/big, 1)
	}
	madeBig, next := 0, 0
	for i := range total {
		owner := ""
		if bigEvery > 0 && i%bigEvery == 0 && madeBig < big || next >= owners*perOwner {
			owner = "big"
			madeBig++
		} else {
			owner = logins[next%owners]
			next++
		}
		status := "active"
		if i%5 == 0 {
			status = "archived"
		}
		at := start.Add(time.Duration(i) * step)
		ext := json.RawMessage(`{"textking":{"state":"` + states[i%len(states)] + `"}}`)
		if err := enc.Encode(record{Type: "project", Name: fmt.Sprintf("project %d", i+1), Status: status, Owner: owner,
			CreatedAt: &at, CreatedBy: owner, UpdatedAt: &at, UpdatedBy: owner, Version: 1, Ext: ext}); err != nil {
			return err
		}
	}
	if err := enc.Encode(record{Type: "workspace", Name: "coll", CreatedAt: &start, CreatedBy: "coll", UpdatedAt: &start, UpdatedBy: "coll",
		Members: []member{{"coll", "owner"}}}); err != nil {
		return err
	}
	for i := range collection {
		at := start.Add(time.Duration(i) * 3 * 365 * 24 * time.Hour / time.Duration(collection))
		if err := enc.Encode(record{Type: "project", Name: fmt.Sprintf("collected %d", i+1), Status: "active", Owner: "coll", Workspace: "coll",
			CreatedAt: &at, CreatedBy: "coll", UpdatedAt: &at, UpdatedBy: "coll", Version: 1, Ext: json.RawMessage(`{}`)}); err != nil {
			return err
		}
	}
	return nil
}

// answer is one captured response.
type answer struct {
	contentType string
	body        []byte
}

// capture fetches every path of the file from projectd, which must answer each with 200.
func capture(ctx context.Context, from, token, file string) (map[string]answer, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	answers := map[string]answer{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		path, headers, _ := strings.Cut(line, "\t")
		req, err := http.NewRequestWithContext(ctx, "GET", strings.TrimSuffix(from, "/")+path, nil)
		if err != nil {
			return nil, err
		}
		if headers == "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		for _, h := range strings.Split(headers, "\t") {
			if k, v, ok := strings.Cut(h, ":"); ok {
				req.Header.Set(k, strings.TrimSpace(v))
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("%s answered %d: %.200s", path, resp.StatusCode, body)
		}
		answers[path] = answer{resp.Header.Get("Content-Type"), body}
	}
	return answers, nil
}

// serve answers each captured path with its bytes, anything else with 404, until ctx ends.
func serve(ctx context.Context, ln net.Listener, answers map[string]answer) error {
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", a.contentType)
		w.Write(a.body)
	})}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
