package ncpmaiu_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// What NAVER's SDKs send, replayed as they send it: the Go SDK's signer over the whole
// URL, timestamps at the clock's millisecond (so a tight loop repeats them), lower-case
// header names, and requests from several threads at once.

// rawDo sends a request with header names exactly as given (Go would canonicalise them),
// without the OpenAPI check, for bursts.
func rawDo(t *testing.T, method, url, body string, headers []string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, stringsReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header[headers[i]] = []string{headers[i+1]}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b [512]byte
	n, _ := resp.Body.Read(b[:])
	return resp.StatusCode, string(b[:n])
}

func TestNCPSDKBursts(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "burst")
		for i := range 300 {
			if code, body := rawDo(t, "GET", s.Base+uri, "", g.headers("GET", uri)); code != 200 {
				t.Fatalf("identical GET %d: %d %s", i, code, body)
			}
		}
		for i := range 100 {
			body := fmt.Sprintf(`{"name":"p%03d"}`, i)
			if code, resp := rawDo(t, "POST", s.Base+uri, body, g.headers("POST", uri)); code != 200 {
				t.Fatalf("create %d: %d %s", i, code, resp)
			}
		}
		var page struct {
			Result struct{ TotalCount int } `json:"result"`
		}
		g.do("GET", uri, "").JSON(t, &page)
		if page.Result.TotalCount != 101 {
			t.Fatalf("totalCount %d after 100 creates, want 101 (with the base project)", page.Result.TotalCount)
		}
		// Eight threads, as the Java SDK's ApiClient is used from a pool.
		var wg sync.WaitGroup
		failures := make(chan string, 8*50)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 50 {
					if code, body := rawDo(t, "GET", s.Base+uri, "", g.headers("GET", uri)); code != 200 {
						failures <- fmt.Sprintf("%d %s", code, body)
					}
				}
			}()
		}
		wg.Wait()
		close(failures)
		for f := range failures {
			t.Errorf("concurrent GET: %s", f)
		}
	})
}

func TestNCPRefuseReplaysOptIn(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		s.User("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "team")
		h := g.headers("GET", uri)
		if r := s.Do("GET", uri, "", "", h...); r.StatusCode != 200 {
			t.Fatalf("first use: %d %s", r.StatusCode, r.Body)
		}
		gatewayError(t, s.Do("GET", uri, "", "", h...), "200")
		// Another process on the same store (a restart, or a replica) refuses it too.
		gatewayError(t, testserver.Start(t, s.DSN, "--ncp-refuse-replays").Do("GET", uri, "", "", h...), "200")
		// The trade-off: identical requests in one millisecond are one signature.
		h = g.headers("GET", uri)
		s.Do("GET", uri, "", "", h...)
		gatewayError(t, s.Do("GET", uri, "", "", h...), "200")
	}, "--ncp-refuse-replays")
}

func stringsReader(s string) io.Reader {
	if s == "" {
		return nil
	}
	return strings.NewReader(s)
}

// NAVER's part of /api/v1/ answers what no route serves in NAVER's shape (the rest of
// /api/v1/ is Toloka's).
func TestNCPUnroutedPaths(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	ncpError(t, s.Do("GET", "/api/v1/workspaces/team", "", ""), 404, "10404")
	r := s.Do("PUT", "/api/v1/workspaces/team/projects", "", "")
	ncpError(t, r, 405, "10405")
	if got := r.Header.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow %q", got)
	}
	if r := s.Do("GET", "/api/v1/workspaces", "", ""); r.StatusCode != 405 || r.Header.Get("Allow") != "POST" {
		t.Errorf("GET /api/v1/workspaces: %d %q", r.StatusCode, r.Header.Get("Allow"))
	}
}

// The gateway's 429: a key's user over --rate-limit, and an address whose signatures
// failed --auth-failure-limit times, even with a good signature after.
func TestNCPThrottle(t *testing.T) {
	want429 := func(t *testing.T, r *testserver.Response) {
		t.Helper()
		var e struct {
			Error struct{ ErrorCode, Message, Details string } `json:"error"`
		}
		r.JSON(t, &e)
		if r.StatusCode != 429 || e.Error.ErrorCode != "429" || e.Error.Details == "" || r.Header.Get("Retry-After") == "" {
			t.Fatalf("got %d %s", r.StatusCode, r.Body)
		}
	}
	t.Run("per user", func(t *testing.T) {
		s := testserver.Start(t, testdb.Flavours[0].New(t), "--rate-limit", "2")
		s.User("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "team")
		if r := g.do("GET", uri, ""); r.StatusCode != 200 {
			t.Fatalf("%d %s", r.StatusCode, r.Body)
		}
		want429(t, g.do("GET", uri, ""))
	})
	t.Run("failed signatures", func(t *testing.T) {
		s := testserver.Start(t, testdb.Flavours[0].New(t), "--auth-failure-limit", "3")
		s.User("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "team")
		wrong := g
		wrong.secret = "not the secret"
		for range 3 {
			gatewayError(t, wrong.do("GET", uri, ""), "200")
		}
		want429(t, g.do("GET", uri, ""))
	})
}

// The base project NAVER makes with a workspace is protected in the store, whichever API
// asks: the native API can neither delete nor rename nor move it, nor unset its flag.
func TestNCPBaseProjectIsPinnedForEveryAPI(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		g := newSigner(t, s, "ann")
		uri := g.workspace(t, "team")
		s.CLI("workspace", "create", "--name", "other", "--owner", "ann")
		var page struct {
			Result struct {
				Projects []struct{ ProjectID int64 } `json:"projects"`
			} `json:"result"`
		}
		g.do("GET", uri, "").JSON(t, &page)
		base := fmt.Sprintf("/api/projects/%d", page.Result.Projects[0].ProjectID)
		s.Do("DELETE", base, ann, "").WantProblem(t, 409, "ext.maiu.isBaseProject")
		s.Do("PATCH", base, ann, `{"name":"renamed"}`).WantProblem(t, 409, "name")
		s.Do("PATCH", base, ann, `{"workspace":"other"}`).WantProblem(t, 409, "workspace")
		s.Do("PATCH", base, ann, `{"ext":{"maiu":{"isBaseProject":false}}}`).WantProblem(t, 409, "ext.maiu.isBaseProject")
		s.Do("PATCH", base, ann, `{"ext":null}`).WantProblem(t, 409, "ext.maiu.isBaseProject")
		if r := s.Do("PATCH", base, ann, `{"description":"still the base"}`); r.StatusCode != 200 {
			t.Fatalf("a description may change: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", base, ann, ""); r.StatusCode != 200 {
			t.Fatalf("the base project is gone: %d", r.StatusCode)
		}
	})
}
