package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// gen makes the same bytes every run: the owners' and big's projects in the numbers
// asked, a fifth archived, over three years.
func TestGenerate(t *testing.T) {
	var a, b bytes.Buffer
	if err := run(context.Background(), []string{"gen", "--owners", "30", "--per-owner", "7", "--big", "90", "--collection", "12"}, &a); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"gen", "--owners", "30", "--per-owner", "7", "--big", "90", "--collection", "12"}, &b); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatal("two runs of gen differ")
	}
	owners, archived, users, inColl := map[string]int{}, 0, 0, 0
	var workspaces []record
	var first, last time.Time
	for _, line := range strings.Split(strings.TrimSpace(a.String()), "\n") {
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		switch r.Type {
		case "user":
			users++
		case "workspace":
			workspaces = append(workspaces, r)
		case "project":
			owners[r.Owner]++
			if r.Workspace == "coll" && r.Owner == "coll" {
				inColl++
				continue
			}
			if r.Status == "archived" {
				archived++
			}
			if first.IsZero() {
				first = *r.CreatedAt
			}
			last = *r.CreatedAt
		}
	}
	total := 30*7 + 90
	if users != 32 || len(owners) != 32 || owners["big"] != 90 || owners["o00001"] != 7 || owners["o00030"] != 7 {
		t.Fatalf("%d users, projects by owner %v", users, owners)
	}
	if len(workspaces) != 1 || workspaces[0].Name != "coll" || len(workspaces[0].Members) != 1 || workspaces[0].Members[0] != (member{"coll", "owner"}) {
		t.Fatalf("workspaces %+v", workspaces)
	}
	if owners["coll"] != 12 || inColl != 12 {
		t.Fatalf("coll owns %d projects, %d of them in its workspace; want 12", owners["coll"], inColl)
	}
	if archived != total/5 {
		t.Fatalf("%d archived of %d", archived, total)
	}
	if span := last.Sub(first); span < 2*365*24*time.Hour || span > 3*365*24*time.Hour {
		t.Fatalf("created over %v", span)
	}
}

// ceiling answers each path with the bytes projectd gave, fetched with the bearer token
// or with the headers of its line, and 404 for others.
func TestCeiling(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" && (r.Header.Get("Authorization") != "OAuth other" || r.Header.Get("Api-Key") != "k") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"path":"`+r.URL.RequestURI()+`"}`)
	}))
	defer origin.Close()
	paths := filepath.Join(t.TempDir(), "paths")
	os.WriteFile(paths, []byte("/api/projects?owner=a&limit=20\n/api/projects?status=archived\n/api/v1/projects?sort=id\tAuthorization: OAuth other\tApi-Key: k\n"), 0o600)
	answers, err := capture(context.Background(), origin.URL, "tok", paths)
	if err != nil {
		t.Fatal(err)
	}
	origin.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, answers) }()
	get := func(path string) (int, string) {
		resp, err := http.Get("http://" + ln.Addr().String() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/api/projects?owner=a&limit=20"); code != 200 || body != `{"path":"/api/projects?owner=a&limit=20"}` {
		t.Fatalf("%d %s", code, body)
	}
	if code, body := get("/api/v1/projects?sort=id"); code != 200 || body != `{"path":"/api/v1/projects?sort=id"}` {
		t.Fatalf("a path captured with headers of its own: %d %s", code, body)
	}
	if code, _ := get("/api/projects?owner=b"); code != 404 {
		t.Fatalf("an unknown path: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := capture(context.Background(), "http://"+ln.Addr().String(), "tok", paths); err == nil {
		t.Fatal("capturing from a server that is gone succeeded")
	}
}
