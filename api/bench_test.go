package api_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// BenchmarkListHTTP is the whole list path as a client sees it: GET /api/projects, newest
// first, 20 a page, from serve started through run, on an SQLite and a PostgreSQL store
// holding the same PROJECTD_BENCH_PROJECTS projects (default 100,000; docs/performance.md
// uses 1,000,000). seed fills the SQLite file, and export and import copy it to
// PostgreSQL; both are kept for later runs (the file in PROJECTD_BENCH_DIR, the schema
// bench_http_N in the database at PROJECTD_TEST_POSTGRES). first_page is the newest 20;
// deep_page follows a cursor from halfway down (projects created up to the middle one's
// time, page 2), which must cost what the first page does.
func BenchmarkListHTTP(b *testing.B) {
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("PROJECTD_BENCH_PROJECTS")); err == nil && v > 0 {
		n = v
	}
	dir := testdb.BenchDir()
	sqlite := "sqlite:" + filepath.Join(dir, fmt.Sprintf("projectd-http-bench-%d.db", n))
	dump := filepath.Join(dir, fmt.Sprintf("projectd-http-bench-%d.ndjson", n))
	stores := []struct{ name, dsn string }{{"sqlite", sqlite}}
	if dsn := testdb.KeptPostgres(b, fmt.Sprintf("bench_http_%d", n)); dsn != "" {
		stores = append(stores, struct{ name, dsn string }{"postgres", dsn})
	}
	for _, st := range stores {
		s := testserver.Start(b, st.dsn)
		if _, err := s.TryCLI("token", "create", "--login", "benchadmin"); err != nil {
			// A new store: fill it. The dump of the SQLite store, its admin included, is
			// what PostgreSQL is filled from.
			if st.name == "sqlite" {
				s.CLI("user", "create", "--login", "benchadmin", "--email", "bench@example.com", "--admin")
				s.CLI("seed", "--users", "1000", "--workspaces", "100", "--projects", strconv.Itoa(n))
				s.CLI("export", "--out", dump)
			} else {
				s.CLI("import", "--in", dump)
			}
		}
		token := strings.TrimSpace(s.CLI("token", "create", "--login", "benchadmin", "--scopes", "read"))
		get := func(b *testing.B, path string) []byte {
			req, _ := http.NewRequest("GET", s.Base+path, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, body, err)
			}
			return body
		}
		var middle struct {
			CreatedAt string `json:"created_at"`
		}
		var first struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		if err := json.Unmarshal(get(b, fmt.Sprintf("/api/projects/%d", n/2)), &middle); err != nil {
			b.Fatal(err)
		}
		deep := "/api/projects?limit=20&sort=-created&created_lte=" + url.QueryEscape(middle.CreatedAt)
		if err := json.Unmarshal(get(b, deep), &first); err != nil || len(first.Items) != 20 || first.NextCursor == "" {
			b.Fatalf("the page halfway down: %d items, cursor %q, %v", len(first.Items), first.NextCursor, err)
		}
		deep += "&cursor=" + url.QueryEscape(first.NextCursor)
		for _, page := range []struct{ name, path string }{
			{"first_page", "/api/projects?limit=20&sort=-created"},
			{"deep_page", deep},
		} {
			b.Run(st.name+"/"+page.name, func(b *testing.B) {
				for b.Loop() {
					get(b, page.path)
				}
			})
		}
	}
}
