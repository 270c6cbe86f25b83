package cli_test

import (
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectd/internal/testdb"
	"projectd/internal/testserver"

	"projectd/compat/surfaces"
)

// BenchmarkMigrate moves PROJECTD_MIGRATE_N projects (default 20,000) made for each
// surface from a local source into an empty SQLite store, and reports projects/s:
//
//	go test ./internal/cli -run '^$' -bench Migrate -benchtime 1x
func BenchmarkMigrate(b *testing.B) {
	n := 20_000
	if v, err := strconv.Atoi(os.Getenv("PROJECTD_MIGRATE_N")); err == nil {
		n = v
	}
	src := testserver.Start(b, testdb.Flavours[0].New(b), "--rate-limit", "0", "--access-log=false")
	for _, s := range surfaces.All {
		b.Run(s.Name, func(b *testing.B) {
			from := newAccount(b, src, s.Name)
			if s.Name == "ncpmaiu" {
				if r := src.Do("POST", "/api/workspaces", from.token, `{"name":"studio-`+s.Name+`"}`); r.StatusCode != http.StatusCreated {
					b.Fatalf("workspace: %d %s", r.StatusCode, r.Body)
				}
			}
			load(b, src, s, s.Name, n)
			var elapsed time.Duration
			for b.Loop() {
				dst := testserver.Offline(b, testdb.Flavours[0].New(b))
				owner := dst.CLI("user", "create", "--login", s.Name, "--email", s.Name+"@example.com")
				_ = owner
				start := time.Now()
				out, err := migrate(dst, s.Name, src.Base, from, account{login: s.Name})
				elapsed += time.Since(start)
				if err != nil || !strings.Contains(out, "created "+strconv.Itoa(n)+",") {
					b.Fatalf("migrate: %v\n%s", err, out)
				}
			}
			b.ReportMetric(float64(n*b.N)/elapsed.Seconds(), "projects/s")
		})
	}
}
