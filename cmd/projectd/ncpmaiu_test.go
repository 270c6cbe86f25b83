package main

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	ncphmac "github.com/NaverCloudPlatform/ncloud-sdk-go-v2/hmac"

	"projectd"
	"projectd/internal/testdb"
	"projectd/sqlstore"
)

// ncpSeedResponse is the seed's example (the public page of the workspace project list).
const ncpSeedResponse = `{"code": "0", "message": "success", "result": {"projects": [
 {"projectId": 1001, "name": "project_one", "isBaseProject": true, "createdUserName": "user1", "createdTime": "2025-04-23T13:56:56", "updatedUserName": "user1", "updatedTime": "2025-04-23T13:56:56"},
 {"projectId": 1002, "name": "project_two", "isBaseProject": false, "createdUserName": "user2", "createdTime": "2025-04-23T14:34:56", "updatedUserName": "user2", "updatedTime": "2025-04-23T14:34:56"},
 {"projectId": 1003, "name": "project_three", "isBaseProject": false, "createdUserName": "user3", "createdTime": "2025-04-23T14:12:48", "updatedUserName": "user3", "updatedTime": "2025-04-23T14:12:48"}],
 "totalCount": 3}}`

// ncpSigner signs requests with NAVER's own Go SDK signer, as its clients do: the
// timestamp is the clock's millisecond, so requests in one millisecond share it.
type ncpSigner struct {
	s                 *server
	accessKey, secret string
	skew              time.Duration // how far the signer's clock is off
}

func newSigner(t *testing.T, s *server, login string) ncpSigner {
	t.Helper()
	var k struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal([]byte(s.cli("key", "create", "--login", login)), &k); err != nil {
		t.Fatal(err)
	}
	return ncpSigner{s: s, accessKey: k.AccessKey, secret: k.SecretKey}
}

func (g ncpSigner) headers(method, uri string) []string {
	ts := strconv.FormatInt(time.Now().Add(g.skew).UnixMilli(), 10)
	sig, err := ncphmac.NewSigner(g.secret, crypto.SHA256).Sign(method, g.s.base+uri, g.accessKey, ts)
	if err != nil {
		g.s.t.Fatal(err)
	}
	return []string{"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", g.accessKey,
		"x-ncp-apigw-signature-v2", sig, "Content-Type", "application/json"}
}

// workspace creates a workspace the signer's user owns and returns its projects' URI.
func (g ncpSigner) workspace(t *testing.T, name string) string {
	t.Helper()
	if r := g.do("POST", "/api/v1/workspaces", `{"workspaceName":"`+name+`"}`); r.StatusCode != 200 {
		t.Fatalf("create workspace %s: %d %s", name, r.StatusCode, r.body)
	}
	return "/api/v1/workspaces/" + name + "/projects"
}

func (g ncpSigner) do(method, uri, body string, extra ...string) *response {
	g.s.t.Helper()
	return g.s.do(method, uri, "", body, append(g.headers(method, uri), extra...)...)
}

func (r *response) ncpError(t *testing.T, status int, code string) string {
	t.Helper()
	var e struct{ Code, Message string }
	r.json(t, &e)
	if r.StatusCode != status || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.body, status, code)
	}
	return e.Message
}

func (r *response) gatewayError(t *testing.T, code string) {
	t.Helper()
	var e struct {
		Error struct{ ErrorCode, Message, Details string } `json:"error"`
	}
	r.json(t, &e)
	if r.StatusCode != 401 || e.Error.ErrorCode != code || e.Error.Message == "" || e.Error.Details == "" {
		t.Fatalf("got %d %s, want 401 gateway %s", r.StatusCode, r.body, code)
	}
}

func TestNCPSeedExample(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		s.user("user1", false)
		s.user("user2", false)
		g1 := newSigner(t, s, "user1")
		r := g1.do("POST", "/api/v1/workspaces", `{"workspaceName":"my-workspace"}`)
		var created map[string]any
		r.json(t, &created)
		result, _ := created["result"].(map[string]any)
		if r.StatusCode != 200 || created["code"] != "0" || result["workspaceName"] != "my-workspace" || result["createdUserName"] != "user1" ||
			len(result) != 5 {
			t.Fatalf("create workspace: %d %s", r.StatusCode, r.body)
		}
		s.do("PUT", "/api/workspaces/my-workspace/members/user2", s.user("owner-token-holder", true), `{"role":"member"}`)
		g2 := newSigner(t, s, "user2")
		for _, c := range []struct {
			g    ncpSigner
			name string
		}{{g2, "project_two"}, {g1, "project_three"}} {
			if r := c.g.do("POST", "/api/v1/workspaces/my-workspace/projects", `{"name":"`+c.name+`"}`); r.StatusCode != 200 {
				t.Fatalf("create %s: %d %s", c.name, r.StatusCode, r.body)
			}
		}
		r = g2.do("GET", "/api/v1/workspaces/my-workspace/projects", "")
		var got, want map[string]any
		r.json(t, &got)
		json.Unmarshal([]byte(ncpSeedResponse), &want)
		free := map[string]bool{}
		for i := 0; i < 3; i++ {
			for _, k := range []string{"projectId", "name", "createdUserName", "createdTime", "updatedUserName", "updatedTime"} {
				free[fmt.Sprintf(".result.projects[%d].%s", i, k)] = true
			}
		}
		sameShape(t, "", got, want, free)
		var page struct {
			Result struct {
				Projects []json.RawMessage `json:"projects"`
			} `json:"result"`
		}
		r.json(t, &page)
		var seed struct {
			Result struct {
				Projects []json.RawMessage `json:"projects"`
			} `json:"result"`
		}
		json.Unmarshal([]byte(ncpSeedResponse), &seed)
		if g, w := fmt.Sprint(orderedKeys(t, page.Result.Projects[0])), fmt.Sprint(orderedKeys(t, seed.Result.Projects[0])); g != w {
			t.Errorf("key order %s, want %s", g, w)
		}
		projects := got["result"].(map[string]any)["projects"].([]any)
		first, second := projects[0].(map[string]any), projects[1].(map[string]any)
		if first["name"] != "default" || first["isBaseProject"] != true || second["name"] != "project_two" ||
			second["createdUserName"] != "user2" || first["projectId"].(float64) >= second["projectId"].(float64) {
			t.Errorf("projects: %v", projects)
		}
		for _, p := range projects {
			if ts := p.(map[string]any)["createdTime"].(string); len(ts) != 19 || ts[10] != 'T' {
				t.Errorf("createdTime %q", ts)
			}
		}
	})
}

func TestNCPSignatureRules(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		s.user("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "team")
		set := func(h []string, name, value string) []string {
			out := append([]string(nil), h...)
			for i := 0; i < len(out); i += 2 {
				if out[i] == name {
					out[i+1] = value
				}
			}
			return out
		}
		wrongSecret := g
		wrongSecret.secret = "not the secret"
		for name, h := range map[string][]string{
			"wrong secret":      wrongSecret.headers("GET", uri),
			"wrong method":      g.headers("POST", uri),
			"wrong path":        g.headers("GET", "/api/v1/workspaces/other/projects"),
			"changed query":     g.headers("GET", uri+"?x=1"),
			"missing timestamp": set(g.headers("GET", uri), "x-ncp-apigw-timestamp", ""),
			"missing key":       set(g.headers("GET", uri), "x-ncp-iam-access-key", ""),
			"missing signature": set(g.headers("GET", uri), "x-ncp-apigw-signature-v2", ""),
			"bad timestamp":     set(g.headers("GET", uri), "x-ncp-apigw-timestamp", "yesterday"),
			"unknown key":       set(g.headers("GET", uri), "x-ncp-iam-access-key", "AKUNKNOWN"),
		} {
			t.Run(name, func(t *testing.T) {
				path := uri
				if name == "changed query" {
					path = uri + "?x=2"
				}
				s.do("GET", path, "", "", h...).gatewayError(t, "200")
			})
		}
		for name, skew := range map[string]time.Duration{"stale": -6 * time.Minute, "future": 6 * time.Minute} {
			skewed := g
			skewed.skew = skew
			t.Run(name, func(t *testing.T) { skewed.do("GET", uri, "").gatewayError(t, "200") })
		}
		// Within the window is fine, and so is the same signature again, as at NAVER's
		// gateway.
		near := g
		near.skew = -4 * time.Minute
		h := near.headers("GET", uri)
		for i := range 2 {
			if r := s.do("GET", uri, "", "", h...); r.StatusCode != 200 {
				t.Fatalf("4 minutes old, use %d: %d %s", i+1, r.StatusCode, r.body)
			}
		}
		if r := g.do("GET", uri+"?x=1", ""); r.StatusCode != 200 {
			t.Fatalf("a signed query: %d %s", r.StatusCode, r.body)
		}
		s.cli("key", "disable", "--access-key", g.accessKey)
		g.do("GET", uri, "").gatewayError(t, "210")
		// A new key from the native API signs for the caller.
		var k struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		s.do("POST", "/api/keys", s.user("bob", false), "").json(t, &k)
		bob := ncpSigner{s: s, accessKey: k.AccessKey, secret: k.SecretKey}
		bob.do("GET", uri, "").ncpError(t, 403, "10403")
	})
}

func TestNCPRules(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		s.user("ann", false)
		s.user("cat", false)
		g, cat := newSigner(t, s, "ann"), newSigner(t, s, "cat")
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"team"}`)
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"other"}`)
		base := "/api/v1/workspaces/team/projects"
		for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("n", 101) + `"}`, `{"name":"a;b"}`, `{"name":"a|b"}`,
			"{\"name\":\"a`b\"}", `{}`, `{"name":1}`, `{"name":"x","colour":1}`, `not json`} {
			msg := g.do("POST", base, body).ncpError(t, 400, "10001")
			if !strings.HasPrefix(msg, "Invalid Request.") {
				t.Errorf("%s: message %q", body, msg)
			}
		}
		if r := g.do("POST", base, `{"name":"`+strings.Repeat("n", 100)+`"}`); r.StatusCode != 200 {
			t.Fatalf("100 characters: %d", r.StatusCode)
		}
		var made struct {
			Result struct{ ProjectID int64 } `json:"result"`
		}
		g.do("POST", base, `{"name":"ok"}`).json(t, &made)
		g.do("POST", base, `{"name":"ok"}`).ncpError(t, 409, "10409")
		if r := g.do("POST", "/api/v1/workspaces/other/projects", `{"name":"ok"}`); r.StatusCode != 200 {
			t.Fatalf("the same name in another workspace: %d", r.StatusCode)
		}
		item := fmt.Sprintf("%s/%d", base, made.Result.ProjectID)
		var one struct {
			Result struct{ Name string } `json:"result"`
		}
		g.do("GET", item, "").json(t, &one)
		if one.Result.Name != "ok" {
			t.Fatalf("get: %+v", one)
		}
		g.do("PATCH", item, `{"name":"default"}`).ncpError(t, 409, "10409")
		g.do("PATCH", item, `{"name":"x|y"}`).ncpError(t, 400, "10001")
		var renamed struct {
			Result struct{ Name string } `json:"result"`
		}
		g.do("PATCH", item, `{"name":"renamed"}`).json(t, &renamed)
		if renamed.Result.Name != "renamed" {
			t.Fatalf("rename: %+v", renamed)
		}
		// The base project stays.
		var list struct {
			Result struct {
				Projects []struct {
					ProjectID     int64
					IsBaseProject bool
				}
			} `json:"result"`
		}
		g.do("GET", base, "").json(t, &list)
		baseItem := fmt.Sprintf("%s/%d", base, list.Result.Projects[0].ProjectID)
		if !list.Result.Projects[0].IsBaseProject {
			t.Fatal("the first project is not the base project")
		}
		g.do("PATCH", baseItem, `{"name":"mine"}`).ncpError(t, 400, "10001")
		g.do("DELETE", baseItem, "").ncpError(t, 400, "10001")
		// Membership and existence.
		cat.do("GET", base, "").ncpError(t, 403, "10403")
		cat.do("POST", base, `{"name":"sneak"}`).ncpError(t, 403, "10403")
		cat.do("GET", item, "").ncpError(t, 403, "10403")
		g.do("GET", "/api/v1/workspaces/nope/projects", "").ncpError(t, 404, "10404")
		g.do("GET", "/api/v1/workspaces/other/projects/"+strconv.FormatInt(made.Result.ProjectID, 10), "").ncpError(t, 404, "10404")
		g.do("GET", base+"/999999", "").ncpError(t, 404, "10404")
		g.do("GET", base+"/abc", "").ncpError(t, 404, "10404")
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"team"}`).ncpError(t, 409, "10409")
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"No"}`).ncpError(t, 400, "10001")
		g.do("POST", "/api/v1/workspaces", `{}`).ncpError(t, 400, "10001")
		var deleted map[string]any
		r := g.do("DELETE", item, "")
		r.json(t, &deleted)
		if r.StatusCode != 200 || deleted["code"] != "0" || deleted["message"] != "success" || len(deleted) != 2 {
			t.Fatalf("delete: %d %s", r.StatusCode, r.body)
		}
		g.do("GET", item, "").ncpError(t, 404, "10404")
		// At most 1,000 projects in a workspace through this surface.
		db := openStore(t, s.dsn)
		var now struct {
			Result struct{ TotalCount int } `json:"result"`
		}
		g.do("GET", base, "").json(t, &now)
		var fill []*projectd.Project
		for i := now.Result.TotalCount; i < 1000; i++ {
			fill = append(fill, &projectd.Project{Name: fmt.Sprintf("fill %d", i), Owner: &projectd.User{Login: "ann"}, Workspace: "team"})
		}
		if err := db.ImportProjects(context.Background(), fill); err != nil {
			t.Fatal(err)
		}
		if msg := g.do("POST", base, `{"name":"one too many"}`).ncpError(t, 400, "10001"); !strings.Contains(msg, "1000") {
			t.Errorf("limit message %q", msg)
		}
		s.do("POST", "/api/projects", s.user("ada", true), `{"name":"x","ext":{"maiu":{"isBaseProject":"yes"}}}`).wantProblem(t, 400, "ext.maiu.isBaseProject")
	})
}

// TestNCPListStreams lists workspaces of 1,000 and 100,000 projects and compares the peak
// heap of the process while each answer streams: it must not grow with the count.
func TestNCPListStreams(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	s := startServer(t, dsn)
	s.user("ann", false)
	g := newSigner(t, s, "ann")
	db := openStore(t, dsn)
	peaks := map[int]uint64{}
	for _, n := range []int{1000, 100_000} {
		name := fmt.Sprintf("w%d", n)
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"`+name+`"}`)
		loadProjects(t, db, n-1, func(i int) *projectd.Project { // the base project is there already
			return &projectd.Project{Name: fmt.Sprintf("project %d", i), Owner: &projectd.User{Login: "ann"},
				Workspace: name, Ext: json.RawMessage(`{"maiu":{"isBaseProject":false}}`)}
		})
		uri := "/api/v1/workspaces/" + name + "/projects"
		var size int64
		peaks[n], size = streamPeak(t, s.base+uri, g.headers("GET", uri), fmt.Sprintf(`"totalCount":%d}}`, n))
		t.Logf("%d projects: %d bytes answered, peak heap growth %d KiB", n, size, peaks[n]>>10)
	}
	// The 100,000 answer is ~20 MB; held in memory it would show here.
	if peaks[100_000] > peaks[1000]+8<<20 {
		t.Fatalf("peak heap grew from %d KiB to %d KiB with the number of projects", peaks[1000]>>10, peaks[100_000]>>10)
	}
}

// loadProjects bulk-loads n projects made by build straight into the store.
func loadProjects(t *testing.T, db *sqlstore.DB, n int, build func(i int) *projectd.Project) {
	t.Helper()
	made := 0
	err := db.LoadProjects(context.Background(), func() ([]*projectd.Project, error) {
		var batch []*projectd.Project
		for ; made < n && len(batch) < 10000; made++ {
			batch = append(batch, build(made))
		}
		return batch, nil
	}, func(int) {})
	if err != nil {
		t.Fatal(err)
	}
}

// streamPeak fetches url and returns how far the process's heap grew above its level
// before the request while the answer streamed, and the answer's size. The answer must
// end with suffix.
func streamPeak(t *testing.T, url string, headers []string, suffix string) (uint64, int64) {
	t.Helper()
	// At the collector's default target: serve's own (serveGCPercent) lets garbage reach
	// five times the live heap, which a long stream fills whatever it keeps.
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	var peak atomic.Uint64
	done := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(2 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
		}
	}()
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	tail := &tailWriter{}
	size, _ := io.Copy(tail, resp.Body) // read and drop, keeping only the end
	resp.Body.Close()
	close(done)
	if !strings.HasSuffix(strings.TrimSpace(string(tail.last)), suffix) {
		t.Fatalf("%s: the answer ends %q, want %q", url, tail.last, suffix)
	}
	if peak.Load() < before.HeapAlloc {
		return 0, size
	}
	return peak.Load() - before.HeapAlloc, size
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct{ last []byte }

func (w *tailWriter) Write(p []byte) (int, error) {
	w.last = append(w.last, p...)
	if len(w.last) > 64 {
		w.last = w.last[len(w.last)-64:]
	}
	return len(p), nil
}
