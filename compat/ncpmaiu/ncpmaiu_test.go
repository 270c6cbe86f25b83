package ncpmaiu_test

import (
	"context"
	"crypto"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	ncphmac "github.com/NaverCloudPlatform/ncloud-sdk-go-v2/hmac"

	"projectd"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
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
	s                 *testserver.Server
	accessKey, secret string
	skew              time.Duration // how far the signer's clock is off
}

func newSigner(t *testing.T, s *testserver.Server, login string) ncpSigner {
	t.Helper()
	var k struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal([]byte(s.CLI("key", "create", "--login", login)), &k); err != nil {
		t.Fatal(err)
	}
	return ncpSigner{s: s, accessKey: k.AccessKey, secret: k.SecretKey}
}

func (g ncpSigner) headers(method, uri string) []string {
	ts := strconv.FormatInt(time.Now().Add(g.skew).UnixMilli(), 10)
	sig, err := ncphmac.NewSigner(g.secret, crypto.SHA256).Sign(method, g.s.Base+uri, g.accessKey, ts)
	if err != nil {
		g.s.T.Fatal(err)
	}
	return []string{"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", g.accessKey,
		"x-ncp-apigw-signature-v2", sig, "Content-Type", "application/json"}
}

// workspace creates a workspace the signer's user owns and returns its projects' URI.
func (g ncpSigner) workspace(t *testing.T, name string) string {
	t.Helper()
	if r := g.do("POST", "/api/v1/workspaces", `{"workspaceName":"`+name+`"}`); r.StatusCode != 200 {
		t.Fatalf("create workspace %s: %d %s", name, r.StatusCode, r.Body)
	}
	return "/api/v1/workspaces/" + name + "/projects"
}

func (g ncpSigner) do(method, uri, body string, extra ...string) *testserver.Response {
	g.s.T.Helper()
	return g.s.Do(method, uri, "", body, append(g.headers(method, uri), extra...)...)
}

func ncpError(t *testing.T, r *testserver.Response, status int, code string) string {
	t.Helper()
	var e struct{ Code, Message string }
	r.JSON(t, &e)
	if r.StatusCode != status || e.Code != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.Body, status, code)
	}
	return e.Message
}

func gatewayError(t *testing.T, r *testserver.Response, code string) {
	t.Helper()
	var e struct {
		Error struct{ ErrorCode, Message, Details string } `json:"error"`
	}
	r.JSON(t, &e)
	if r.StatusCode != 401 || e.Error.ErrorCode != code || e.Error.Message == "" || e.Error.Details == "" {
		t.Fatalf("got %d %s, want 401 gateway %s", r.StatusCode, r.Body, code)
	}
}

func TestNCPSeedExample(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("user1", false)
		s.User("user2", false)
		g1 := newSigner(t, s, "user1")
		r := g1.do("POST", "/api/v1/workspaces", `{"workspaceName":"my-workspace"}`)
		var created map[string]any
		r.JSON(t, &created)
		result, _ := created["result"].(map[string]any)
		if r.StatusCode != 200 || created["code"] != "0" || result["workspaceName"] != "my-workspace" || result["createdUserName"] != "user1" ||
			len(result) != 5 {
			t.Fatalf("create workspace: %d %s", r.StatusCode, r.Body)
		}
		s.Do("PUT", "/api/workspaces/my-workspace/members/user2", s.User("owner-token-holder", true), `{"role":"member"}`)
		g2 := newSigner(t, s, "user2")
		for _, c := range []struct {
			g    ncpSigner
			name string
		}{{g2, "project_two"}, {g1, "project_three"}} {
			if r := c.g.do("POST", "/api/v1/workspaces/my-workspace/projects", `{"name":"`+c.name+`"}`); r.StatusCode != 200 {
				t.Fatalf("create %s: %d %s", c.name, r.StatusCode, r.Body)
			}
		}
		r = g2.do("GET", "/api/v1/workspaces/my-workspace/projects", "")
		var got, want map[string]any
		r.JSON(t, &got)
		json.Unmarshal([]byte(ncpSeedResponse), &want)
		free := map[string]bool{}
		for i := 0; i < 3; i++ {
			for _, k := range []string{"projectId", "name", "createdUserName", "createdTime", "updatedUserName", "updatedTime"} {
				free[fmt.Sprintf(".result.projects[%d].%s", i, k)] = true
			}
		}
		testserver.SameShape(t, "", got, want, free)
		var page struct {
			Result struct {
				Projects []json.RawMessage `json:"projects"`
			} `json:"result"`
		}
		r.JSON(t, &page)
		var seed struct {
			Result struct {
				Projects []json.RawMessage `json:"projects"`
			} `json:"result"`
		}
		json.Unmarshal([]byte(ncpSeedResponse), &seed)
		if g, w := fmt.Sprint(testserver.OrderedKeys(t, page.Result.Projects[0])), fmt.Sprint(testserver.OrderedKeys(t, seed.Result.Projects[0])); g != w {
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
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("ann", false)
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
				gatewayError(t, s.Do("GET", path, "", "", h...), "200")
			})
		}
		for name, skew := range map[string]time.Duration{"stale": -6 * time.Minute, "future": 6 * time.Minute} {
			skewed := g
			skewed.skew = skew
			t.Run(name, func(t *testing.T) { gatewayError(t, skewed.do("GET", uri, ""), "200") })
		}
		// Within the window is fine, and so is the same signature again, as at NAVER's
		// gateway.
		near := g
		near.skew = -4 * time.Minute
		h := near.headers("GET", uri)
		for i := range 2 {
			if r := s.Do("GET", uri, "", "", h...); r.StatusCode != 200 {
				t.Fatalf("4 minutes old, use %d: %d %s", i+1, r.StatusCode, r.Body)
			}
		}
		if r := g.do("GET", uri+"?x=1", ""); r.StatusCode != 200 {
			t.Fatalf("a signed query: %d %s", r.StatusCode, r.Body)
		}
		s.CLI("key", "disable", "--access-key", g.accessKey)
		gatewayError(t, g.do("GET", uri, ""), "210")
		// A new key from the native API signs for the caller.
		var k struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		s.Do("POST", "/api/keys", s.User("bob", false), "").JSON(t, &k)
		bob := ncpSigner{s: s, accessKey: k.AccessKey, secret: k.SecretKey}
		ncpError(t, bob.do("GET", uri, ""), 403, "10403")
	})
}

func TestNCPRules(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("ann", false)
		s.User("cat", false)
		g, cat := newSigner(t, s, "ann"), newSigner(t, s, "cat")
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"team"}`)
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"other"}`)
		base := "/api/v1/workspaces/team/projects"
		for _, body := range []string{`{"name":""}`, `{"name":"` + strings.Repeat("n", 101) + `"}`, `{"name":"a;b"}`, `{"name":"a|b"}`,
			"{\"name\":\"a`b\"}", `{}`, `{"name":1}`, `{"name":"x","colour":1}`, `not json`} {
			msg := ncpError(t, g.do("POST", base, body), 400, "10001")
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
		g.do("POST", base, `{"name":"ok"}`).JSON(t, &made)
		ncpError(t, g.do("POST", base, `{"name":"ok"}`), 409, "10409")
		if r := g.do("POST", "/api/v1/workspaces/other/projects", `{"name":"ok"}`); r.StatusCode != 200 {
			t.Fatalf("the same name in another workspace: %d", r.StatusCode)
		}
		item := fmt.Sprintf("%s/%d", base, made.Result.ProjectID)
		var one struct {
			Result struct{ Name string } `json:"result"`
		}
		g.do("GET", item, "").JSON(t, &one)
		if one.Result.Name != "ok" {
			t.Fatalf("get: %+v", one)
		}
		ncpError(t, g.do("PATCH", item, `{"name":"default"}`), 409, "10409")
		ncpError(t, g.do("PATCH", item, `{"name":"x|y"}`), 400, "10001")
		var renamed struct {
			Result struct{ Name string } `json:"result"`
		}
		g.do("PATCH", item, `{"name":"renamed"}`).JSON(t, &renamed)
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
		g.do("GET", base, "").JSON(t, &list)
		baseItem := fmt.Sprintf("%s/%d", base, list.Result.Projects[0].ProjectID)
		if !list.Result.Projects[0].IsBaseProject {
			t.Fatal("the first project is not the base project")
		}
		ncpError(t, g.do("PATCH", baseItem, `{"name":"mine"}`), 400, "10001")
		ncpError(t, g.do("DELETE", baseItem, ""), 400, "10001")
		// Membership and existence.
		ncpError(t, cat.do("GET", base, ""), 403, "10403")
		ncpError(t, cat.do("POST", base, `{"name":"sneak"}`), 403, "10403")
		ncpError(t, cat.do("GET", item, ""), 403, "10403")
		ncpError(t, g.do("GET", "/api/v1/workspaces/nope/projects", ""), 404, "10404")
		ncpError(t, g.do("GET", "/api/v1/workspaces/other/projects/"+strconv.FormatInt(made.Result.ProjectID, 10), ""), 404, "10404")
		ncpError(t, g.do("GET", base+"/999999", ""), 404, "10404")
		ncpError(t, g.do("GET", base+"/abc", ""), 404, "10404")
		ncpError(t, g.do("POST", "/api/v1/workspaces", `{"workspaceName":"team"}`), 409, "10409")
		ncpError(t, g.do("POST", "/api/v1/workspaces", `{"workspaceName":"No"}`), 400, "10001")
		ncpError(t, g.do("POST", "/api/v1/workspaces", `{}`), 400, "10001")
		var deleted map[string]any
		r := g.do("DELETE", item, "")
		r.JSON(t, &deleted)
		if r.StatusCode != 200 || deleted["code"] != "0" || deleted["message"] != "success" || len(deleted) != 2 {
			t.Fatalf("delete: %d %s", r.StatusCode, r.Body)
		}
		ncpError(t, g.do("GET", item, ""), 404, "10404")
		// At most 1,000 projects in a workspace through this surface.
		db := testserver.OpenStore(t, s.DSN)
		var now struct {
			Result struct{ TotalCount int } `json:"result"`
		}
		g.do("GET", base, "").JSON(t, &now)
		var fill []*projectd.Project
		for i := now.Result.TotalCount; i < 1000; i++ {
			fill = append(fill, &projectd.Project{Name: fmt.Sprintf("fill %d", i), Owner: &projectd.User{Login: "ann"}, Workspace: "team"})
		}
		if err := db.ImportProjects(context.Background(), fill); err != nil {
			t.Fatal(err)
		}
		if msg := ncpError(t, g.do("POST", base, `{"name":"one too many"}`), 400, "10001"); !strings.Contains(msg, "1000") {
			t.Errorf("limit message %q", msg)
		}
		s.Do("POST", "/api/projects", s.User("ada", true), `{"name":"x","ext":{"maiu":{"isBaseProject":"yes"}}}`).WantProblem(t, 400, "ext.maiu.isBaseProject")
	})
}

// TestNCPListStreams lists workspaces of 1,000 and 100,000 projects and compares the peak
// heap of the process while each answer streams: it must not grow with the count.
func TestNCPListStreams(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	s := testserver.Start(t, dsn)
	s.User("ann", false)
	g := newSigner(t, s, "ann")
	db := testserver.OpenStore(t, dsn)
	peaks := map[int]uint64{}
	for _, n := range []int{1000, 100_000} {
		name := fmt.Sprintf("w%d", n)
		g.do("POST", "/api/v1/workspaces", `{"workspaceName":"`+name+`"}`)
		testserver.LoadProjects(t, db, n-1, func(i int) *projectd.Project { // the base project is there already
			return &projectd.Project{Name: fmt.Sprintf("project %d", i), Owner: &projectd.User{Login: "ann"},
				Workspace: name, Ext: json.RawMessage(`{"maiu":{"isBaseProject":false}}`)}
		})
		uri := "/api/v1/workspaces/" + name + "/projects"
		var size int64
		peaks[n], size = testserver.StreamPeak(t, s.Base+uri, g.headers("GET", uri), fmt.Sprintf(`"totalCount":%d}}`, n))
		t.Logf("%d projects: %d bytes answered, peak heap growth %d KiB", n, size, peaks[n]>>10)
	}
	// The 100,000 answer is ~20 MB; held in memory it would show here.
	if peaks[100_000] > peaks[1000]+8<<20 {
		t.Fatalf("peak heap grew from %d KiB to %d KiB with the number of projects", peaks[1000]>>10, peaks[100_000]>>10)
	}
}
