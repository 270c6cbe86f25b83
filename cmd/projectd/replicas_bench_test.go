package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// BenchmarkReplicaFirstPage reads owners' first pages of the native API through serve
// (a child process) on one store, three ways: on the primary without replicas; on the
// replica; and routed with a "replica" that is the primary itself, which is never a
// standby, so every read goes to the primary after the routing's work (the caller's
// write position looked up on the primary): the overhead routing adds. Each with the
// page cache off (every read queries) and on, with the transactions the primary ran per
// read (primary-tx/op): what a replica takes off it. docs/performance.md has a run.
//
//	PROJECTD_TEST_STANDBY=... go test ./cmd/projectd -run '^$' -bench ReplicaFirstPage -benchtime 5s
func BenchmarkReplicaFirstPage(b *testing.B) {
	primary, standby := testdb.NewWithStandby(b)
	off := testserver.Offline(b, primary)
	off.CLI("user", "create", "--login", "benchadmin", "--email", "bench@example.com", "--admin")
	off.CLI("seed", "--users", "100", "--workspaces", "10", "--projects", "20000")
	token := strings.TrimSpace(off.CLI("token", "create", "--login", "benchadmin", "--scopes", "read"))
	testdb.WaitFor(b, time.Minute, "the standby to replay the seed", func() bool { return countOn(standby.URL, "projects") == 20000 })

	for _, cache := range []string{"0", "8"} {
		for _, way := range []struct{ name, replica string }{{"primary", ""}, {"replica", standby.URL}, {"routed-to-primary", primary}} {
			name := "page-cache=" + cache + "MiB/" + way.name
			b.Run(name, func(b *testing.B) {
				args := []string{"--page-cache", cache}
				if way.replica != "" {
					args = append(args, "--db-replica", way.replica)
				}
				s := startReplicaServe(b, primary, args...)
				pages := ownerPages(b, s.base, token)
				before := primaryTransactions(b, primary)
				b.ResetTimer()
				parallelRequests(b, http.StatusOK, func(n int64) (*http.Request, error) {
					return testserver.NewRequest("GET", s.base+pages[n%int64(len(pages))], token, "")
				})
				b.StopTimer()
				b.ReportMetric(float64(primaryTransactions(b, primary)-before)/float64(b.N), "primary-tx/op")
				if way.replica == standby.URL && s.metric(b, `projectd_db_replica_reads_total{replica="127.0.0.1:5433"}`) == 0 {
					b.Error("the replica took no reads")
				}
			})
		}
	}
}

// primaryTransactions is the count of transactions the primary's database has committed:
// what the reads asked of the primary, per read. Statistics reach it within a second.
func primaryTransactions(b testing.TB, primary string) int64 {
	time.Sleep(1100 * time.Millisecond)
	return queryInt(b, primary, "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
}

// BenchmarkReplicaWrite creates projects through serve without replicas and with one:
// with replicas, every write also records its caller's WAL position on the primary (an
// UNLOGGED upsert, one round trip after the commit).
//
//	go test ./cmd/projectd -run '^$' -bench ReplicaWrite -benchtime 5s
func BenchmarkReplicaWrite(b *testing.B) {
	primary, standby := testdb.NewWithStandby(b)
	off := testserver.Offline(b, primary)
	var writers []string
	for i := range 16 {
		writers = append(writers, off.User(fmt.Sprintf("writer%d", i), false))
	}
	for _, way := range []struct{ name, replica string }{{"no-replicas", ""}, {"replica", standby.URL}} {
		b.Run(way.name, func(b *testing.B) {
			var args []string
			if way.replica != "" {
				args = append(args, "--db-replica", way.replica)
			}
			s := startReplicaServe(b, primary, args...)
			b.ResetTimer()
			parallelRequests(b, http.StatusCreated, func(n int64) (*http.Request, error) {
				return testserver.NewRequest("POST", s.base+"/api/projects", writers[n%int64(len(writers))], fmt.Sprintf(`{"name":"bench-%d"}`, n))
			})
		})
	}
}

// parallelRequests sends the n-th request of b from 16 goroutines at once (8 a core),
// each answered with want.
func parallelRequests(b *testing.B, want int, request func(n int64) (*http.Request, error)) {
	var next atomic.Int64
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, err := request(next.Add(1))
			if err != nil {
				b.Error(err)
				return
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				b.Errorf("%s %s: status %d, want %d", req.Method, req.URL.Path, resp.StatusCode, want)
				return
			}
		}
	})
}

// ownerPages are the first pages of twenty of every seeded owner's projects, newest first.
func ownerPages(b testing.TB, base, token string) []string {
	req, err := testserver.NewRequest("GET", base+"/api/users", token, "")
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var users struct {
		Items []struct {
			Login string `json:"login"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&users); err != nil {
		b.Fatal(err)
	}
	var pages []string
	for _, u := range users.Items {
		if u.Login != "benchadmin" {
			pages = append(pages, "/api/projects?limit=20&sort=-created&owner="+u.Login)
		}
	}
	if len(pages) < 50 {
		b.Fatalf("only %d owners", len(pages))
	}
	return pages
}
