package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"projectd"
	"projectd/compat"
	"projectd/compat/ncpmaiu"
	"projectd/compat/surfaces"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// account is a user of one server with every credential the surfaces take.
type account struct {
	login, token, appKey, accessKey, secretKey, uid string
}

func newAccount(t testing.TB, s *testserver.Server, login string) account {
	a := account{login: login, token: s.User(login, false)}
	a.appKey = strings.TrimSpace(s.CLI("appkey", "create", "--name", login+"-app"))
	var key projectd.AccessKey
	if err := json.Unmarshal([]byte(s.CLI("key", "create", "--login", login)), &key); err != nil {
		t.Fatal(err)
	}
	a.accessKey, a.secretKey, a.uid = key.AccessKey, key.SecretKey, s.UID(a.token)
	return a
}

// flags are the credentials of migrate --from surface for the account.
func (a account) flags(surface string) []string {
	switch surface {
	case "movika":
		return []string{"--token", a.token, "--api-key", a.appKey}
	case "tervis":
		return []string{"--token", a.token, "--user-id", a.uid}
	case "ncpmaiu":
		return []string{"--access-key", a.accessKey, "--secret-key", a.secretKey, "--workspace", "studio-" + a.login}
	}
	return []string{"--token", a.token}
}

// list is what the surface answers for the account's projects, every page: JSON objects
// in the surface's order, each without the members that name the server's own ids, users
// or the time of the last write — everything a migration keeps.
func list(t *testing.T, s *testserver.Server, surface string, a account) []map[string]any {
	var all []any
	get := func(path string, headers ...string) map[string]any {
		r := s.Do("GET", path, "", "", headers...)
		if r.StatusCode != 200 {
			t.Fatalf("%s %s: %d %s", surface, path, r.StatusCode, r.Body)
		}
		var body map[string]any
		if surface == "tervis" {
			var items []any
			r.JSON(t, &items)
			return map[string]any{"items": items}
		}
		r.JSON(t, &body)
		return body
	}
	switch surface {
	case "yatasks":
		for last := ""; ; {
			path := "/api/v1/projects?sort=id&limit=300"
			if last != "" {
				path += "&id_gt=" + last
			}
			b := get(path, "Authorization", "OAuth "+a.token)
			items := b["items"].([]any)
			all = append(all, items...)
			if !b["has_more"].(bool) {
				break
			}
			last = items[len(items)-1].(map[string]any)["id"].(string)
		}
	case "textking":
		for page := 1; ; page++ {
			items := get(fmt.Sprintf("/v1/projects?per_page=100&page=%d", page), "Authorization", "Bearer "+a.token, "Accept", "application/json")["items"].([]any)
			if len(items) == 0 {
				break
			}
			all = append(all, items...)
		}
	case "movika":
		for after := "1"; after != ""; {
			b := get("/studio-pro/my?limit=100&after="+after, "Authorization", "Bearer "+a.token, "Api-Key", a.appKey)
			all = append(all, b["data"].([]any)...)
			after, _ = b["paging"].(map[string]any)["after"].(string)
		}
	case "tervis":
		all = get("/projects/GetUserProjects/"+a.uid, "Authorization", "Bearer "+a.token)["items"].([]any)
	case "ncpmaiu":
		path := "/api/v1/workspaces/studio-" + a.login + "/projects"
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		b := get(path, "x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", a.accessKey, "x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(a.secretKey), "GET", path, ts, a.accessKey))
		all = b["result"].(map[string]any)["projects"].([]any)
	}
	serverOwn := map[string]bool{"id": true, "owner": true, "links": true, "author": true, "updatedBy": true, "updated": true,
		"Id": true, "UserID": true, "ModifiedDate": true, "projectId": true, "createdUserName": true, "updatedUserName": true, "updatedTime": true}
	out := make([]map[string]any, len(all))
	for i, item := range all {
		out[i] = item.(map[string]any)
		for k := range out[i] {
			if serverOwn[k] {
				delete(out[i], k)
			}
		}
	}
	return out
}

// load puts n projects shaped for surface into the source, owned by the account; NAVER's
// in its workspace.
func load(t testing.TB, s *testserver.Server, surface compat.Surface, login string, n int) {
	db := testserver.OpenStore(t, s.DSN)
	defer db.Close()
	u, err := db.FindUserByLogin(t.Context(), login)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(uint64(n), 7))
	start := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	testserver.LoadProjects(t, db, n, func(i int) *projectd.Project {
		p := &projectd.Project{Name: fmt.Sprintf("%s project %04d", surface.Name, i), Owner: u, Ext: surface.Seed(rng, i),
			Description: "made for " + surface.Title, CreatedAt: start.Add(time.Duration(i) * time.Minute)}
		if surface.Name == "yatasks" && i%5 == 0 {
			p.Status = projectd.StatusArchived
		}
		if surface.Name == "ncpmaiu" {
			p.Workspace = "studio-" + login
		}
		return p
	})
}

func surfaceNamed(name string) compat.Surface {
	for _, s := range surfaces.All {
		if s.Name == name {
			return s
		}
	}
	panic(name)
}

// madeThrough creates projects through the surface's own write routes, where it has them,
// and returns how many.
func madeThrough(t *testing.T, s *testserver.Server, surface string, a account) int {
	var r *testserver.Response
	switch surface {
	case "yatasks":
		r = s.Do("POST", "/api/v1/projects", "", `{"public_name":"Made through Toloka","public_description":"Birds","task_spec":{"input_spec":{"image":{"type":"url"}},"output_spec":{}},"assignments_issuing_type":"AUTOMATED","private_comment":"kept","max_active_assignments_count":7}`,
			"Authorization", "OAuth "+a.token)
	case "textking":
		r = s.Do("POST", "/v1/projects", "", `{"name":"Made through TextKing","currency":"USD","due_date":"2027-01-31","net_price":12.5}`,
			"Authorization", "Bearer "+a.token, "Content-Type", "application/json", "Accept", "application/json")
	case "ncpmaiu":
		path := "/api/v1/workspaces/studio-" + a.login + "/projects"
		ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
		r = s.Do("POST", path, "", `{"name":"Made through NAVER"}`, "Content-Type", "application/json",
			"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", a.accessKey, "x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(a.secretKey), "POST", path, ts, a.accessKey))
	default:
		return 0 // Movika and Tervis have no create route
	}
	if r.StatusCode != http.StatusOK && r.StatusCode != http.StatusCreated {
		t.Fatalf("create through %s: %d %s", surface, r.StatusCode, r.Body)
	}
	return 1
}

// migrate runs projectd migrate on the destination into owner's account and returns
// what it printed.
func migrate(dst *testserver.Server, surface, source string, from, owner account) (string, error) {
	return dst.TryCLI(append([]string{"migrate", "--from", surface, "--url", source, "--owner", owner.login}, from.flags(surface)...)...)
}

// firstPage is how many projects migrate writes from a surface's first page before it
// asks for the next; the surfaces missing answer a whole collection at once, and TextKing
// is read whole before it is written (oldest first: it tells no creation times).
var firstPage = map[string]int{"yatasks": 300, "movika": 100, "textking": 0}

// A source holding projects made for each surface is migrated into an empty store: each
// surface of the destination then answers for them as the source's did, member by member;
// a run cut off after its first page by its source completes when run again, every
// project once; a second run changes nothing, and a change at the source is an update.
func TestMigrateFromEverySurface(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, dst *testserver.Server) {
		src := testserver.Start(t, testdb.Flavours[0].New(t))
		for _, s := range surfaces.All {
			t.Run(s.Name, func(t *testing.T) {
				from, owner := newAccount(t, src, s.Name), newAccount(t, dst, s.Name)
				if s.Name == "ncpmaiu" {
					if r := src.Do("POST", "/api/workspaces", from.token, `{"name":"studio-`+s.Name+`"}`); r.StatusCode != http.StatusCreated {
						t.Fatalf("workspace: %d %s", r.StatusCode, r.Body)
					}
				}
				load(t, src, s, s.Name, 650) // more than two of Toloka's pages of 300
				n := 650 + madeThrough(t, src, s.Name, from)
				want := list(t, src, s.Name, from)
				if len(want) != n {
					t.Fatalf("the source lists %d projects, want %d", len(want), n)
				}
				// The source is behind a proxy that, on the first run, fails every request
				// after the first: the run stops after a page, and the next goes on.
				first, paged := firstPage[s.Name]
				var served atomic.Int32
				cutting := atomic.Bool{}
				cutting.Store(paged)
				target, _ := url.Parse(src.Base)
				proxy := httputil.NewSingleHostReverseProxy(target)
				source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if cutting.Load() && served.Add(1) > 1 {
						w.WriteHeader(http.StatusBadGateway)
						return
					}
					proxy.ServeHTTP(w, r)
				}))
				defer source.Close()
				if paged {
					out, err := migrate(dst, s.Name, source.URL, from, owner)
					if err == nil || !strings.Contains(err.Error(), "answered 502") || !strings.Contains(out, fmt.Sprintf("created %d, updated 0, unchanged 0, failed 0", first)) {
						t.Fatalf("a run whose source fails after a page: %v\n%s", err, out)
					}
					cutting.Store(false)
				}
				out, err := migrate(dst, s.Name, source.URL, from, owner)
				if err != nil || !strings.Contains(out, fmt.Sprintf("created %d, updated 0, unchanged %d, failed 0", n-first, first)) {
					t.Fatalf("migrate: %v\n%s", err, out)
				}
				got := list(t, dst, s.Name, owner)
				if len(got) != len(want) {
					t.Fatalf("%d projects at the destination, %d at the source", len(got), len(want))
				}
				for i := range got {
					if !reflect.DeepEqual(got[i], want[i]) {
						t.Fatalf("project %d of %d differs:\n got %v\nwant %v", i, n, got[i], want[i])
					}
				}
				out, err = migrate(dst, s.Name, source.URL, from, owner)
				if err != nil || !strings.Contains(out, fmt.Sprintf("created 0, updated 0, unchanged %d, failed 0", n)) {
					t.Fatalf("a second run: %v\n%s", err, out)
				}
				store := testserver.OpenStore(t, dst.DSN)
				if err := store.VerifyCounters(t.Context()); err != nil {
					t.Fatalf("the counters after migrating: %v", err)
				}
			})
		}
	})
}

// A project changed at the source is updated at the destination, never duplicated; the
// run draws its progress and ends with its summary.
func TestMigrateUpdatesWhatChanged(t *testing.T) {
	src := testserver.Start(t, testdb.Flavours[0].New(t))
	dst := testserver.Start(t, testdb.Flavours[0].New(t))
	from, owner := newAccount(t, src, "ann"), newAccount(t, dst, "ann")
	body := `{"public_name":"Elephants","public_description":"What color?","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED","private_comment":"v1"}`
	r := src.Do("POST", "/api/v1/projects", "", body, "Authorization", "OAuth "+from.token)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create at the source: %d %s", r.StatusCode, r.Body)
	}
	var made struct{ ID string }
	r.JSON(t, &made)
	if out, err := migrate(dst, "yatasks", src.Base, from, owner); err != nil || !strings.Contains(out, "created 1, updated 0") {
		t.Fatalf("first run: %v %s", err, out)
	}
	changed := strings.Replace(body, `"v1"`, `"v2"`, 1)
	if r := src.Do("PUT", "/api/v1/projects/"+made.ID, "", changed, "Authorization", "OAuth "+from.token); r.StatusCode != http.StatusOK {
		t.Fatalf("change at the source: %d %s", r.StatusCode, r.Body)
	}
	var stdout, stderr strings.Builder
	args := append([]string{"migrate", "--from", "yatasks", "--url", src.Base, "--owner", "ann"}, from.flags("yatasks")...)
	if err := dst.Program.Run(t.Context(), args, dst.Getenv, nil, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "created 0, updated 1, unchanged 0, failed 0") || !strings.Contains(stderr.String(), "projects 1 ") {
		t.Fatalf("second run: %s / %s", stdout.String(), stderr.String())
	}
	page := dst.List(owner.token, "")
	if len(page.Items) != 1 || !strings.Contains(string(page.Items[0].Ext), `"private_comment":"v2"`) {
		t.Fatalf("the destination: %+v", page.Items)
	}
	// A project that Toloka lists but that no Toloka client could have written (made
	// through another API, without a task_spec) is reported, and the rest goes on.
	odd := src.Create(from.token, `{"name":"made elsewhere"}`)
	out, err := migrate(dst, "yatasks", src.Base, from, owner)
	if err == nil || !strings.Contains(out, "created 0, updated 0, unchanged 1, failed 1") || !strings.Contains(out, fmt.Sprintf("failed %d: task_spec", odd.ID)) {
		t.Fatalf("a run with a project that does not map: %v\n%s", err, out)
	}
}

// Bad input is an error that names its cause, and writes nothing.
func TestMigrateRefusesBadInput(t *testing.T) {
	src := testserver.Start(t, testdb.Flavours[0].New(t))
	dst := testserver.Start(t, testdb.Flavours[0].New(t))
	from, owner := newAccount(t, src, "ann"), newAccount(t, dst, "ann")
	src.Create(from.token, `{"name":"kept at the source","ext":{"textking":{"state":"running"}}}`)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>a router's login page</html>"))
	}))
	defer html.Close()
	wrong := from
	wrong.token = "pd_not-a-token"
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown surface", []string{"--from", "gitlab", "--url", src.Base, "--owner", "ann", "--token", "x"}, "--from must be one of movika, yatasks, textking, tervis, ncpmaiu"},
		{"bad url", []string{"--from", "textking", "--url", "ftp://x", "--owner", "ann", "--token", "x"}, "--url must be http(s)://host[:port]"},
		{"missing credential", []string{"--from", "movika", "--url", src.Base, "--owner", "ann", "--token", "x"}, "--api-key is required"},
		{"missing workspace", []string{"--from", "ncpmaiu", "--url", src.Base, "--owner", "ann", "--access-key", "a", "--secret-key", "s"}, "--workspace is required"},
		{"unknown owner", append([]string{"--from", "textking", "--url", src.Base, "--owner", "nobody"}, from.flags("textking")...), "--owner nobody"},
		{"unreachable", append([]string{"--from", "textking", "--url", "http://127.0.0.1:1", "--owner", "ann"}, from.flags("textking")...), "did not answer"},
		{"bad credentials", append([]string{"--from", "textking", "--url", src.Base, "--owner", "ann"}, wrong.flags("textking")...), "refused the credentials"},
		{"something else", append([]string{"--from", "textking", "--url", html.URL, "--owner", "ann"}, from.flags("textking")...), "does not answer as the API"},
	} {
		_, err := dst.TryCLI(append([]string{"migrate"}, c.args...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	if page := dst.List(owner.token, ""); len(page.Items) != 0 {
		t.Fatalf("refused runs wrote %d projects", len(page.Items))
	}
	out, err := migrate(dst, "textking", src.Base, from, owner)
	if err != nil || !strings.Contains(out, "created 1,") {
		t.Fatalf("the same run with good input: %v %s", err, out)
	}
}

// A run stopped half-way (the context main cancels on SIGINT and SIGTERM) leaves every
// project it wrote whole; the next run writes the rest, each once.
func TestMigrateResumesAfterAStop(t *testing.T) {
	src := testserver.Start(t, testdb.Flavours[0].New(t))
	dst := testserver.Start(t, testdb.Flavours[0].New(t))
	from, owner := newAccount(t, src, "yatasks"), newAccount(t, dst, "yatasks")
	const n = 1500
	load(t, src, surfaceNamed("yatasks"), "yatasks", n)
	ctx, stop := context.WithCancel(t.Context())
	var served atomic.Int32
	target, _ := url.Parse(src.Base)
	proxy := httputil.NewSingleHostReverseProxy(target)
	source := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if served.Add(1) == 4 {
			// As if the operator pressed ^C once the first batches are written, while the
			// fourth page is asked for.
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				if len(dst.List(owner.token, "limit=1").Items) > 0 {
					break
				}
			}
			stop()
		}
		proxy.ServeHTTP(w, r)
	}))
	defer source.Close()
	args := append([]string{"migrate", "--from", "yatasks", "--url", source.URL, "--owner", "yatasks"}, from.flags("yatasks")...)
	var out strings.Builder
	if err := dst.Program.Run(ctx, args, dst.Getenv, nil, &out, io.Discard); err == nil {
		t.Fatalf("a stopped run succeeded:\n%s", out.String())
	}
	written := len(list(t, dst, "yatasks", owner))
	if written == 0 || written == n {
		t.Fatalf("the stopped run wrote %d of %d projects", written, n)
	}
	final, err := migrate(dst, "yatasks", source.URL, from, owner)
	if err != nil || !strings.Contains(final, fmt.Sprintf("created %d, updated 0, unchanged %d, failed 0", n-written, written)) {
		t.Fatalf("after a stop with %d written: %v\n%s", written, err, final)
	}
	if got := list(t, dst, "yatasks", owner); !reflect.DeepEqual(got, list(t, src, "yatasks", from)) {
		t.Fatalf("after the second run the destination has %d projects, not the source's", len(got))
	}
}
