package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"projectd/compat/ncpmaiu"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// TestSoak is opt-in: PROJECTD_SOAK=10m go test ./cmd/projectd -run TestSoak -timeout 30m
// (docs/soak.md). For that long, 64 connections make mixed reads and writes through every
// surface while hostile clients stall streams, send oversized bodies and bad signatures;
// it fails on any 5xx, on any acknowledged write missing at the end, or on memory that
// keeps growing. PROJECTD_SOAK_DB picks the store (default a fresh SQLite file).
func TestSoak(t *testing.T) {
	d, err := time.ParseDuration(os.Getenv("PROJECTD_SOAK"))
	if err != nil {
		t.Skip("SKIPPING the soak test: set PROJECTD_SOAK to a duration (10m) to run it")
	}
	dsn := os.Getenv("PROJECTD_SOAK_DB")
	if dsn == "" {
		dsn = testdb.Flavours[0].New(t)
	}
	s := testserver.Offline(t, dsn)
	admin := soakUser(s, "root", true)
	var users []soakCaller
	for i := range 8 {
		users = append(users, soakCaller{token: soakUser(s, fmt.Sprintf("u%d", i), false)})
	}
	appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "soak"))
	for i := range users {
		login := fmt.Sprintf("u%d", i)
		var key struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		json.Unmarshal([]byte(s.CLI("key", "create", "--login", login)), &key)
		users[i].accessKey, users[i].secret = key.AccessKey, key.SecretKey
		s.CLI("workspace", "create", "--name", "ws-"+login, "--owner", login)
	}
	addr := testserver.FreeAddr(t)
	s.Base = "http://" + addr
	child := soakProcess(t, dsn, addr)
	for i := range users { // uids need the server
		var me struct {
			User struct{ UID string } `json:"user"`
		}
		json.Unmarshal([]byte(soakDo(s.Base, "GET", "/api/me", users[i].token, "", nil).body), &me)
		users[i].uid = me.User.UID
	}

	var requests, serverErrors, hostile atomic.Int64
	var mu sync.Mutex
	var acked []string // native paths of projects whose creation was acknowledged
	var firstErrors []string
	record := func(r soakResponse, what string) {
		requests.Add(1)
		if r.status >= 500 || r.status == 0 {
			serverErrors.Add(1)
			mu.Lock()
			if len(firstErrors) < 10 {
				firstErrors = append(firstErrors, fmt.Sprintf("%s: %d %.200s", what, r.status, r.body))
			}
			mu.Unlock()
		}
	}
	ack := func(path string) { mu.Lock(); acked = append(acked, path); mu.Unlock() }
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	for w := range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			u := users[w%len(users)]
			for i := 0; time.Now().Before(deadline); i++ {
				name := fmt.Sprintf("soak %d-%d", w, i)
				switch rng.IntN(10) {
				case 0: // native create, then read and patch it
					r := soakDo(s.Base, "POST", "/api/projects", u.token, `{"name":"`+name+`","ext":{"textking":{"state":"prepared"}}}`, nil)
					record(r, "native create")
					if r.status == 201 {
						ack(r.header.Get("Location")[strings.Index(r.header.Get("Location"), "/api/"):])
					}
				case 1:
					record(soakDo(s.Base, "GET", "/api/projects?limit=20&count=exact&sort=-created", u.token, "", nil), "native list")
				case 2: // Yandex Tasks create and list
					r := soakDo(s.Base, "POST", "/api/v1/projects", "", `{"public_name":"`+name+`","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, []string{"Authorization", "OAuth " + u.token})
					record(r, "yatasks create")
					var p struct{ ID string }
					if json.Unmarshal([]byte(r.body), &p) == nil && r.status == 201 {
						ack("/api/projects/" + p.ID)
					}
				case 3:
					record(soakDo(s.Base, "GET", "/api/v1/projects?sort=id&limit=50", "", "", []string{"Authorization", "OAuth " + u.token}), "yatasks list")
				case 4: // TextKing create and list in XML
					r := soakDo(s.Base, "POST", "/v1/projects", u.token, `{"name":"`+name+`","due_date":null,"state":null}`, nil)
					record(r, "textking create")
					var p struct{ ID string }
					if json.Unmarshal([]byte(r.body), &p) == nil && r.status == 201 {
						ack("/api/projects/" + p.ID)
					}
				case 5:
					record(soakDo(s.Base, "GET", "/v1/projects?per_page=20", u.token, "", []string{"Accept", "application/xml"}), "textking list")
				case 6:
					record(soakDo(s.Base, "GET", "/studio-pro/my?limit=20", u.token, "", []string{"Api-Key", appKey}), "movika list")
				case 7:
					record(soakDo(s.Base, "GET", "/projects/GetUserProjects/"+u.uid, u.token, "", nil), "tervis stream")
				case 8: // NAVER create in the user's workspace
					uri := "/api/v1/workspaces/ws-" + u.login(users) + "/projects"
					r := soakDo(s.Base, "POST", uri, "", `{"name":"`+name+`"}`, u.signed("POST", uri))
					record(r, "ncp create")
					var p struct {
						Result struct{ ProjectID int64 } `json:"result"`
					}
					if json.Unmarshal([]byte(r.body), &p) == nil && r.status == 200 {
						ack(fmt.Sprintf("/api/projects/%d", p.Result.ProjectID))
					}
				case 9:
					uri := "/api/v1/workspaces/ws-" + u.login(users) + "/projects"
					record(soakDo(s.Base, "GET", uri, "", "", u.signed("GET", uri)), "ncp list")
				}
			}
		}()
	}
	// Hostile clients: stalled streams, oversized bodies, bad signatures.
	for h := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := users[h]
			for time.Now().Before(deadline) {
				hostile.Add(1)
				switch h {
				case 0, 1:
					if c, err := net.Dial("tcp", addr); err == nil {
						fmt.Fprintf(c, "GET /projects/GetUserProjects/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", u.uid, u.token)
						time.Sleep(3 * time.Second)
						c.Close()
					}
				case 2:
					r := soakDo(s.Base, "POST", "/api/projects", u.token, `{"name":"`+strings.Repeat("x", 2<<20)+`"}`, nil)
					if r.status != 413 && r.status != 400 {
						record(soakResponse{status: 500, body: fmt.Sprintf("oversized body answered %d", r.status)}, "hostile body")
					}
				case 3:
					uri := "/api/v1/workspaces/ws-u3/projects"
					hdr := u.signed("GET", uri)
					hdr[len(hdr)-1] = "bogus"
					r := soakDo(s.Base, "GET", uri, "", "", hdr)
					if r.status != 401 {
						record(soakResponse{status: 500, body: fmt.Sprintf("bad signature answered %d", r.status)}, "hostile signature")
					}
					time.Sleep(50 * time.Millisecond)
				}
			}
		}()
	}
	// Memory, every 10 seconds.
	var rss []int64
	for time.Now().Before(deadline) {
		time.Sleep(10 * time.Second)
		rss = append(rss, soakRSS(child.Process.Pid))
	}
	wg.Wait()
	lost := 0
	for _, path := range acked {
		if r := soakDo(s.Base, "GET", path, admin, "", nil); r.status != 200 {
			lost++
		}
	}
	third := max(1, len(rss)/3)
	early, late := avg(rss[:third]), avg(rss[len(rss)-third:])
	t.Logf("soak %s: %d requests (%d/s), %d 5xx, %d hostile attempts, %d acknowledged writes, %d lost; RSS %d MB early, %d MB late, peak %d MB",
		d, requests.Load(), requests.Load()/int64(d.Seconds()), serverErrors.Load(), hostile.Load(), len(acked), lost, early>>20, late>>20, slicesMax(rss)>>20)
	for _, e := range firstErrors {
		t.Log(e)
	}
	if serverErrors.Load() > 0 || lost > 0 {
		t.Fatalf("%d 5xx, %d acknowledged writes lost", serverErrors.Load(), lost)
	}
	if late > early*3/2+16<<20 {
		t.Fatalf("memory grew from %d MB to %d MB", early>>20, late>>20)
	}
}

type soakCaller struct {
	token, uid, accessKey, secret string
}

func (u soakCaller) login(users []soakCaller) string {
	for i, v := range users {
		if v.token == u.token {
			return "u" + strconv.Itoa(i)
		}
	}
	return ""
}

func (u soakCaller) signed(method, uri string) []string {
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	return []string{"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", u.accessKey,
		"x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(u.secret), method, uri, ts, u.accessKey)}
}

func soakUser(s *testserver.Server, login string, admin bool) string {
	args := []string{"user", "create", "--login", login, "--email", login + "@example.com"}
	if admin {
		args = append(args, "--admin")
	}
	s.CLI(args...)
	return strings.TrimSpace(s.CLI("token", "create", "--login", login))
}

type soakResponse struct {
	status int
	header http.Header
	body   string
}

var soakClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 128}}

func soakDo(base, method, path, token, body string, headers []string) soakResponse {
	req, err := testserver.NewRequest(method, base+path, token, body, headers...)
	if err != nil {
		return soakResponse{body: err.Error()}
	}
	resp, err := soakClient.Do(req)
	if err != nil {
		return soakResponse{body: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	io.Copy(io.Discard, resp.Body)
	return soakResponse{resp.StatusCode, resp.Header, string(b)}
}

// soakProcess runs serve as a child, without rate limits (the soak's own load is the
// point), its logs dropped but for their end.
func soakProcess(t *testing.T, dsn, addr string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "serve", "--addr", addr,
		"--rate-limit", "0", "--auth-failure-limit", "0", "--concurrent-requests", "0")
	cmd.Env = append(os.Environ(), "PROJECTD_TEST_MAIN=1", "PROJECTD_DB="+dsn, "PROJECTD_MASTER_KEY="+testserver.MasterKey)
	var tail bytes.Buffer
	cmd.Stderr = &tailBuffer{b: &tail}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(20 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			return cmd
		}
	}
	t.Fatal("the child server did not start")
	return nil
}

// tailBuffer keeps the last 64 KB written to it.
type tailBuffer struct {
	mu sync.Mutex
	b  *bytes.Buffer
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if w.b.Len() > 64<<10 {
		w.b.Next(w.b.Len() - 64<<10)
	}
	return len(p), nil
}

func soakRSS(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func avg(xs []int64) int64 {
	var sum int64
	for _, x := range xs {
		sum += x
	}
	return sum / int64(max(1, len(xs)))
}

func slicesMax(xs []int64) int64 {
	var m int64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
