package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"projectd"
	"projectd/compat/surfaces"
	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// forEachCLI runs test on a fresh store of every flavour, for admin commands alone.
func forEachCLI(t *testing.T, test func(t *testing.T, s *testserver.Server, f testdb.Flavour)) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) { test(t, cliOn(t, f.New(t)), f) })
	}
}

// cliOn is a server value without a listener, to run admin commands on dsn.
func cliOn(t *testing.T, dsn string) *testserver.Server { return testserver.Offline(t, dsn) }

func TestAdminCommands(t *testing.T) {
	forEachCLI(t, func(t *testing.T, s *testserver.Server, _ testdb.Flavour) {
		var u struct {
			ID    int64  `json:"id"`
			UID   string `json:"uid"`
			Login string `json:"login"`
			Role  string `json:"role"`
		}
		out := s.CLI("user", "create", "--login", "ann", "--email", "ann@example.com", "--first-name", "Ann", "--admin")
		if err := json.Unmarshal([]byte(out), &u); err != nil || u.Login != "ann" || u.Role != "admin" || u.ID == 0 || u.UID == "" {
			t.Fatalf("user create printed %q", out)
		}
		s.CLI("user", "create", "--login", "bob", "--email", "bob@example.com")
		for _, args := range [][]string{
			{"user", "create", "--login", "ann", "--email", "a@example.com"},
			{"user", "create", "--email", "x@example.com"},
			{"user", "create", "--login", "Bad Login", "--email", "x@example.com"},
			{"user", "create", "--login", "x", "--email", "nope"},
			{"user", "create", "--login", "x", "--email", "x@example.com", "extra"},
			{"token", "create"},
			{"token", "create", "--login", "nobody"},
			{"token", "create", "--login", "ann", "--scopes", "root"},
			{"token", "create", "--login", "ann", "--expires", "-1h"},
			{"workspace", "create", "--name", "team"},
			{"workspace", "create", "--name", "team", "--owner", "nobody"},
			{"workspace", "create", "--name", "Bad Name", "--owner", "ann"},
			{"workspace", "create", "--name", "team2", "--owner", "ann", "--member", "nobody"},
			{"key", "create"},
			{"key", "create", "--login", "nobody"},
			{"appkey", "create"},
			{"frobnicate"},
			{},
		} {
			if _, err := s.TryCLI(args...); err == nil {
				t.Errorf("projectd %s succeeded", strings.Join(args, " "))
			}
		}
		out = s.CLI("token", "create", "--login", "bob", "--scopes", "read", "--expires", "1h", "--name", "ci")
		if !regexp.MustCompile(`^pd_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
			t.Fatalf("token create printed %q", out)
		}
		var ws struct {
			Name    string `json:"name"`
			Members []struct{ Login, Role string }
		}
		out = s.CLI("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		if err := json.Unmarshal([]byte(out), &ws); err != nil || ws.Name != "team" || len(ws.Members) != 2 {
			t.Fatalf("workspace create printed %q", out)
		}
		var key map[string]string
		out = s.CLI("key", "create", "--login", "bob")
		if err := json.Unmarshal([]byte(out), &key); err != nil || len(key) != 2 || key["access_key"] == "" || len(key["secret_key"]) < 40 {
			t.Fatalf("key create printed %q", out)
		}
		out = s.CLI("appkey", "create", "--name", "studio")
		if !regexp.MustCompile(`^ak_[A-Za-z0-9_-]{43}\n$`).MatchString(out) {
			t.Fatalf("appkey create printed %q", out)
		}
		if _, err := s.TryCLI("appkey", "create", "--name", "studio"); err == nil {
			t.Fatal("a second app key with the same name")
		}
	})
}

func TestSeedExportImport(t *testing.T) {
	forEachCLI(t, func(t *testing.T, s *testserver.Server, f testdb.Flavour) {
		var stdout, stderr bytes.Buffer
		err := cli.Run(context.Background(), []string{"seed", "--users", "7", "--workspaces", "3", "--projects", "2345"}, s.Getenv, nil, &stdout, &stderr)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr.String(), "100% 2345/2345") || !strings.Contains(stdout.String(), "2345 projects") {
			t.Fatalf("seed printed %q / %q", stdout.String(), stderr.String())
		}
		// A second seed into a store that has projects keeps its indexes and adds to it.
		if err := cli.Run(context.Background(), []string{"seed", "--users", "2", "--workspaces", "0", "--projects", "10"}, s.Getenv, nil, &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		dump := s.CLI("export")
		lines := strings.Split(strings.TrimSpace(dump), "\n")
		counts := map[string]int{}
		surfaces := map[string]bool{}
		for _, line := range lines {
			var rec struct {
				Type string                     `json:"type"`
				Ext  map[string]json.RawMessage `json:"ext"`
			}
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("export line %q: %v", line, err)
			}
			counts[rec.Type]++
			for ns := range rec.Ext {
				surfaces[ns] = true
			}
		}
		if counts["user"] != 9 || counts["workspace"] != 3 || counts["project"] != 2355 || len(surfaces) != 5 {
			t.Fatalf("export holds %v, ext namespaces %v", counts, surfaces)
		}
		// Into a fresh store of the same flavour, and out again: the same records.
		other := cliOn(t, f.New(t))
		file := filepath.Join(t.TempDir(), "dump.ndjson")
		if err := os.WriteFile(file, []byte(dump), 0o600); err != nil {
			t.Fatal(err)
		}
		out := other.CLI("import", "--in", file)
		if !strings.Contains(out, "imported 9 users, 3 workspaces and 2355 projects") {
			t.Fatalf("import printed %q", out)
		}
		if again := other.CLI("export"); again != dump {
			t.Fatal("export after import differs from the original export")
		}
		if _, err := other.TryCLI("import", "--in", file); err == nil {
			t.Fatal("importing the same records twice succeeded")
		}
		for _, bad := range []string{`{"type":"user","login":"x","email":"x@example.com","colour":1}`, `{"type":"robot"}`, `not json`} {
			var stdout, stderr bytes.Buffer
			err := cli.Run(context.Background(), []string{"import"}, s.Getenv, strings.NewReader("\n"+bad+"\n"), &stdout, &stderr)
			if err == nil || !strings.Contains(err.Error(), "line 2") {
				t.Fatalf("import of %s: %v", bad, err)
			}
		}
	})
}

var curlLine = regexp.MustCompile(`curl -s -H 'Authorization: Bearer (pd_[A-Za-z0-9_-]+)' '([^']+/api/projects[^']*)'`)

func TestDemo(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		m := curlLine.FindStringSubmatch(s.Stdout.String())
		if m == nil {
			t.Fatalf("serve --demo printed no native curl line:\n%s", s.Stdout.String())
		}
		req, _ := http.NewRequest("GET", m[2], nil)
		req.Header.Set("Authorization", "Bearer "+m[1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page testserver.PageJSON
		json.NewDecoder(resp.Body).Decode(&page)
		if resp.StatusCode != 200 || len(page.Items) != 5 || !page.HasMore {
			t.Fatalf("the demo curl line answered %d with %d items", resp.StatusCode, len(page.Items))
		}
		// Each demo user has the password it printed.
		pw := regexp.MustCompile(`Passwords \(sign in with POST /api/session\): ada (\S+), ann (\S+), bob (\S+)\n`).FindStringSubmatch(s.Stdout.String())
		if pw == nil {
			t.Fatalf("serve --demo printed no passwords:\n%s", s.Stdout.String())
		}
		for i, login := range []string{"ada", "ann", "bob"} {
			if r := s.Do("POST", "/api/session", "", `{"login":"`+login+`","password":"`+pw[i+1]+`"}`); r.StatusCode != 200 {
				t.Errorf("%s's demo password: %d %s", login, r.StatusCode, r.Body)
			}
		}
		if !strings.Contains(s.Stdout.String(), "Web console: "+s.Base+"/console/ ") {
			t.Errorf("serve --demo printed no console address:\n%s", s.Stdout.String())
		}
		// Started again on the same store, the demo keeps its data and issues a new token.
		again := testserver.Start(t, s.DSN, "--demo")
		m2 := curlLine.FindStringSubmatch(again.Stdout.String())
		if m2 == nil || m2[1] == m[1] {
			t.Fatalf("second demo start printed %q", again.Stdout.String())
		}
		if got := again.List(m2[1], "count=exact"); *got.Total != int64(len(cli.DemoProjects(surfaces.All))) {
			t.Fatalf("demo store holds %d projects after a restart, want %d", *got.Total, len(cli.DemoProjects(surfaces.All)))
		}
	}, "--demo")
}

func TestServeFlags(t *testing.T) {
	env := func(k string) string { return map[string]string{"PROJECTD_MASTER_KEY": testserver.MasterKey}[k] }
	for _, args := range [][]string{
		{"serve", "--public-url", "ftp://x"},
		{"serve", "--public-url", "http://x/base"},
		{"serve", "--addr", "256.0.0.1:1", "--db", "sqlite:" + filepath.Join(t.TempDir(), "x.db")},
		{"serve", "--db", "mysql://x"},
		{"serve", "--bogus"},
		{"serve", "--rate-limit", "-1"},
		{"serve", "--page-cache", "-1"},
	} {
		if err := cli.Run(context.Background(), args, env, nil, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("%v succeeded", args)
		}
	}
}

func TestPublicURL(t *testing.T) {
	s := testserver.Start(t, "sqlite:"+filepath.Join(t.TempDir(), "p.db"), "--public-url", "https://projects.example.com/")
	ann := s.User("ann", false)
	r := s.Do("POST", "/api/projects", ann, `{"name":"x"}`)
	if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, "https://projects.example.com/api/projects/") {
		t.Fatalf("Location %q", loc)
	}
}

// Every serve flag also comes from PROJECTD_<FLAG> (a flag given wins); logs are text or
// JSON lines from a level; the access log can be turned off; version prints the build.
func TestServeConfiguration(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	env := map[string]string{"PROJECTD_DB": dsn, "PROJECTD_MASTER_KEY": testserver.MasterKey,
		"PROJECTD_RATE_LIMIT": "1", "PROJECTD_LOG_FORMAT": "json", "PROJECTD_ACCESS_LOG": "false", "PROJECTD_CONCURRENT_REQUESTS": "banana",
		"PROJECTD_METRICS_ADDR": testserver.FreeAddr(t)}
	getenv := func(k string) string { return env[k] }
	var out, errs bytes.Buffer
	err := cli.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0"}, getenv, nil, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "PROJECTD_CONCURRENT_REQUESTS") {
		t.Fatalf("a bad value from the environment: %v", err)
	}
	delete(env, "PROJECTD_CONCURRENT_REQUESTS")
	cli.Run(context.Background(), []string{"user", "create", "--login", "ann", "--email", "ann@example.com"}, getenv, nil, &out, &errs)
	out.Reset()
	cli.Run(context.Background(), []string{"token", "create", "--login", "ann"}, getenv, nil, &out, &errs)
	token := strings.TrimSpace(out.String())
	serve := func(flags ...string) (statuses []int, logs string) {
		addr := testserver.FreeAddr(t)
		ctx, cancel := context.WithCancel(context.Background())
		buf := &testserver.SyncBuffer{}
		done := make(chan error, 1)
		go func() {
			done <- cli.Run(ctx, append([]string{"serve", "--addr", addr}, flags...), getenv, nil, io.Discard, buf)
		}()
		for start := time.Now(); time.Since(start) < 10*time.Second; time.Sleep(20 * time.Millisecond) {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				break
			}
		}
		for range 2 {
			req, _ := http.NewRequest("GET", "http://"+addr+"/api/projects", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			if resp, err := http.DefaultClient.Do(req); err == nil {
				resp.Body.Close()
				statuses = append(statuses, resp.StatusCode)
			}
		}
		if resp, err := http.Get("http://" + env["PROJECTD_METRICS_ADDR"] + "/metrics"); err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("PROJECTD_METRICS_ADDR: no metrics there: %v", err)
		} else {
			resp.Body.Close()
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return statuses, buf.String()
	}
	statuses, logs := serve()
	if !slices.Equal(statuses, []int{200, 429}) {
		t.Errorf("PROJECTD_RATE_LIMIT=1: %v", statuses)
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !strings.HasPrefix(line, "{") || strings.Contains(line, `"msg":"request"`) {
			t.Errorf("not a JSON line, or an access log line: %s", line)
		}
	}
	if statuses, logs := serve("--rate-limit", "0", "--access-log"); !slices.Equal(statuses, []int{200, 200}) || !regexp.MustCompile(`"surface":"native","user":[1-9][0-9]*,"method":"GET","route":"GET /api/projects"`).MatchString(logs) {
		t.Errorf("flags over the environment: %v\n%s", statuses, logs)
	}
	for _, args := range [][]string{{"serve", "--log-level", "loud"}, {"serve", "--log-format", "xml"}} {
		if err := cli.Run(context.Background(), args, getenv, nil, &out, &errs); err == nil {
			t.Errorf("%v was accepted", args)
		}
	}
	out.Reset()
	if err := cli.Run(context.Background(), []string{"version"}, getenv, nil, &out, &errs); err != nil || !strings.HasPrefix(out.String(), "projectd ") || !strings.Contains(out.String(), "go1.") {
		t.Fatalf("version: %q %v", out.String(), err)
	}
	out.Reset()
	cli.Run(context.Background(), []string{"serve", "-h"}, getenv, nil, &out, &errs)
	flags := regexp.MustCompile(`(?m)^  -([a-z-]+)`).FindAllStringSubmatch(errs.String(), -1)
	if len(flags) < 10 {
		t.Fatalf("serve -h lists %d flags:\n%s", len(flags), errs.String())
	}
	for _, f := range flags {
		name := "PROJECTD_" + strings.ToUpper(strings.ReplaceAll(f[1], "-", "_"))
		if !strings.Contains(errs.String(), "(env "+name+")") {
			t.Errorf("serve -h does not name %s for --%s", name, f[1])
		}
	}
}

// import takes records in any order (a user after projects loads the projects before it
// first), adds to a store that has projects with its counters exact, refreshes the
// planner's statistics, and names the line of a bad project record.
func TestImportInterleavedIntoNonEmptyStore(t *testing.T) {
	forEachCLI(t, func(t *testing.T, s *testserver.Server, f testdb.Flavour) {
		s.CLI("user", "create", "--login", "ann", "--email", "ann@example.com")
		s.CLI("seed", "--users", "2", "--workspaces", "1", "--projects", "50")
		records := strings.Join([]string{
			`{"type":"user","login":"imp1","email":"imp1@example.com","role":"member"}`,
			`{"type":"project","name":"p1","status":"active","owner":"imp1","created_by":"imp1","updated_by":"imp1","ext":{"textking":{"state":"running"}}}`,
			`{"type":"project","name":"p2","status":"archived","owner":"ann","created_by":"ann","updated_by":"ann"}`,
			``,
			`{"type":"user","login":"imp2","email":"imp2@example.com","role":"member"}`,
			`{"type":"project","name":"p3","status":"active","owner":"imp2","created_by":"imp2","updated_by":"imp2"}`,
		}, "\n")
		var stdout, stderr bytes.Buffer
		if err := cli.Run(context.Background(), []string{"import"}, s.Getenv, strings.NewReader(records), &stdout, &stderr); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stdout.String(), "imported 2 users, 0 workspaces and 3 projects") {
			t.Fatalf("import printed %q", stdout.String())
		}
		store := testserver.OpenStore(t, s.DSN)
		defer store.Close()
		if err := store.VerifyCounters(context.Background()); err != nil {
			t.Fatal(err)
		}
		admin := projectd.NewContextWithAuth(context.Background(), &projectd.Auth{User: &projectd.User{Role: projectd.RoleAdmin}, Scopes: []string{projectd.ScopeRead}})
		if n, err := store.CountProjects(admin, projectd.ProjectFilter{}); err != nil || n != 53 {
			t.Fatalf("%d projects after the import (%v), want 53", n, err)
		}
		if n, err := store.CountProjects(admin, projectd.ProjectFilter{Owner: "imp1", Ext: []projectd.ExtEqual{{Path: "textking.state", Value: "running"}}}); err != nil || n != 1 {
			t.Fatalf("imp1's running projects: %d (%v)", n, err)
		}
		bad := `{"type":"project","name":"fine","status":"active","owner":"ann","created_by":"ann","updated_by":"ann"}` + "\n" +
			`{"type":"project","nmae":"typo","status":"active","owner":"ann","created_by":"ann","updated_by":"ann"}`
		err := cli.Run(context.Background(), []string{"import"}, s.Getenv, strings.NewReader(bad), &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "nmae") {
			t.Fatalf("a bad project record: %v", err)
		}
		if n, _ := store.CountProjects(admin, projectd.ProjectFilter{}); n != 53 {
			t.Fatalf("a failed import left %d projects, want the 53 before it", n)
		}
		analyzed := map[string]string{
			"sqlite":   "SELECT count(*) FROM sqlite_stat1 WHERE tbl IN ('projects', 'project_tallies')",
			"postgres": "SELECT count(*) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND relname IN ('projects', 'project_tallies') AND last_analyze IS NOT NULL",
		}[f.Name]
		if n := queryInt(t, s.DSN, analyzed); n < 2 {
			t.Errorf("statistics of %d of projects and project_tallies after the import", n)
		}
	})
}

// queryInt runs a query of one integer on the database of dsn, beside the store.
func queryInt(t testing.TB, dsn, query string) int64 {
	t.Helper()
	driver, source := "pgx", dsn
	if path, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, source = "sqlite3", path
	}
	db, err := sql.Open(driver, source)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
