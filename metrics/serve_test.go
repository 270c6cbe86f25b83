package metrics_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"projectd/compat/ncpmaiu"
	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// metricsServer is a server with --metrics-addr, and that listener's URL.
type metricsServer struct {
	*testserver.Server
	metricsURL string
}

func startWithMetrics(t *testing.T, dsn string, args ...string) metricsServer {
	addr := testserver.FreeAddr(t)
	s := testserver.Start(t, dsn, append([]string{"--metrics-addr", addr}, args...)...)
	return metricsServer{s, "http://" + addr}
}

// scrape reads /metrics: its families and its text.
func (m metricsServer) scrape(t *testing.T) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	resp, err := http.Get(m.metricsURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d %v", resp.StatusCode, err)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v", err)
	}
	return families, string(body)
}

// value sums the series of a family whose labels include want: a counter's or gauge's
// value, a histogram's count.
func value(families map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	var sum float64
	f := families[name]
	if f == nil {
		return 0
	}
	for _, m := range f.Metric {
		if !hasLabels(m, want) {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.Counter.GetValue()
		case m.Gauge != nil:
			sum += m.Gauge.GetValue()
		case m.Histogram != nil:
			sum += float64(m.Histogram.GetSampleCount())
		}
	}
	return sum
}

func hasLabels(m *dto.Metric, want map[string]string) bool {
	for k, v := range want {
		if !slices.ContainsFunc(m.Label, func(l *dto.LabelPair) bool { return l.GetName() == k && l.GetValue() == v }) {
			return false
		}
	}
	return true
}

func send(t *testing.T, method, url string, headers ...string) *http.Response {
	t.Helper()
	req, err := testserver.NewRequest(method, url, "", "", headers...)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// noRedirects sends one request and no more: a redirect is an answer like any other.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// routePatterns are the server's routes as compat/README.md lists them (TestRouteTable
// holds it to what serve registers).
func routePatterns(t *testing.T) []string {
	readme, err := os.ReadFile("../compat/README.md")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([^`]+)` \\|").FindAllSubmatch(readme, -1) {
		patterns = append(patterns, string(m[1]))
	}
	if len(patterns) < 40 {
		t.Fatalf("only %d routes in compat/README.md", len(patterns))
	}
	return patterns
}

// A marker that the requests put in every place a client controls: no label may carry it.
const marker = "zq9marker"

var wildcard = regexp.MustCompile(`\{[^}]+\}`)

// Every route is requested with the marker in its wildcards, query, headers and method;
// every request is counted once, under its route's pattern, and no label carries
// anything the client sent.
func TestLabelsAreBounded(t *testing.T) {
	m := startWithMetrics(t, testdb.Flavours[0].New(t))
	token := m.User("walker", true)
	patterns := routePatterns(t)
	before, _ := m.scrape(t)
	sent := 0
	var routes []string
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			method, path = "GET", p
		}
		routes = append(routes, path)
		exact := strings.HasSuffix(path, "{$}") // the path alone, nothing under it
		url := m.Base + wildcard.ReplaceAllString(strings.TrimSuffix(path, "{$}"), marker)
		if strings.HasSuffix(url, "/") && !exact {
			url += marker
		}
		headers := []string{"Authorization", "Bearer " + token, "X-Request-Id", marker, "Api-Key", marker,
			"x-ncp-iam-access-key", marker, "User-Agent", marker}
		send(t, method, url+"?"+marker+"="+marker+"&limit="+marker, headers...)
		sent++
	}
	send(t, marker, m.Base+"/api/projects", "Authorization", "Bearer "+marker) // a method of the client's own
	send(t, "GET", m.Base+"/"+marker)                                          // no route at all
	sent += 2

	after, text := m.scrape(t)
	var leaks []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(strings.ToLower(line), marker) {
			leaks = append(leaks, line)
		}
	}
	if len(leaks) > 0 {
		t.Errorf("%d series carry what the client sent, such as:\n%s", len(leaks), strings.Join(leaks[:min(5, len(leaks))], "\n"))
	}
	if got := value(after, "projectd_http_requests_total", nil) - value(before, "projectd_http_requests_total", nil); got != float64(sent) {
		t.Errorf("%d requests sent, %v counted", sent, got)
	}
	allowed := map[string][]string{
		"route":   append(routes, "none"),
		"surface": {"native", "movika", "yatasks", "ncpmaiu", "textking", "tervis", "none"},
		"method":  {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other"},
		"code":    {"1xx", "2xx", "3xx", "4xx", "5xx", "other"},
	}
	for name, f := range after {
		if !strings.HasPrefix(name, "projectd_") {
			continue
		}
		for _, series := range f.Metric {
			for _, l := range series.Label {
				if values, bounded := allowed[l.GetName()]; bounded && !slices.Contains(values, l.GetValue()) {
					t.Errorf("%s has %s=%q, not one of the server's", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
	for _, p := range patterns {
		method, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // catch-alls answer for several methods
		}
		if value(after, "projectd_http_requests_total", map[string]string{"route": path, "method": method}) < 1 {
			t.Errorf("the request to %s was not counted under its pattern", p)
		}
	}
	if value(after, "projectd_http_requests_total", map[string]string{"method": "other", "route": "/api/"}) != 1 {
		t.Error("a method of the client's own is not counted once as other")
	}
	if value(after, "projectd_http_requests_total", map[string]string{"route": "none", "surface": "none"}) != 1 {
		t.Error("a request no route serves is not counted once under none")
	}
}

// Each family is there with the values of what was done: a request counted once under
// its pattern with its bytes, store operations by kind, the pools of the engine, the
// caches' hits, each authentication failure under its reason, 429s, the build.
func TestFamilies(t *testing.T) {
	for _, f := range testdb.Flavours {
		t.Run(f.Name, func(t *testing.T) {
			m := startWithMetrics(t, f.New(t), "--rate-limit", "20", "--ncp-refuse-replays")
			engine := map[string]string{"sqlite": "sqlite", "postgres": "postgres"}[f.Name]
			ann := m.User("ann", false)
			before, _ := m.scrape(t)
			created := m.Create(ann, `{"name":"counted"}`)
			id := strconv.FormatInt(created.ID, 10)

			var bytes int
			for range 3 {
				r := m.Do("GET", "/api/projects/"+id, ann, "")
				bytes += len(r.Body)
			}
			m.Do("GET", "/api/projects?count=exact", ann, "")
			m.Do("GET", "/api/projects?count=exact&limit=5", ann, "")     // another page: refs from their cache
			m.Do("GET", "/api/projects?count=exact", ann, "")             // the same page again: from the page cache
			m.Do("GET", "/projects/GetUserProjects/"+m.UID(ann), ann, "") // Tervis streams the whole collection
			after, _ := m.scrape(t)
			get := map[string]string{"surface": "native", "route": "/api/projects/{id}", "method": "GET"}
			if d := value(after, "projectd_http_requests_total", get) - value(before, "projectd_http_requests_total", get); d != 3 {
				t.Errorf("3 reads of a project counted %v times", d)
			}
			if d := value(after, "projectd_http_request_duration_seconds", get) - value(before, "projectd_http_request_duration_seconds", get); d != 3 {
				t.Errorf("3 reads of a project timed %v times", d)
			}
			route := map[string]string{"surface": "native", "route": "/api/projects/{id}"}
			if d := value(after, "projectd_http_response_bytes_total", route) - value(before, "projectd_http_response_bytes_total", route); d != float64(bytes) {
				t.Errorf("%d bytes answered, %v counted", bytes, d)
			}
			if n := value(after, "projectd_http_requests_in_flight", nil); n != 0 {
				t.Errorf("%v requests in flight with none running", n)
			}
			for kind, least := range map[string]float64{"get": 3, "page": 2, "count": 2, "stream": 1, "write": 1, "bulk": 0} {
				labels := map[string]string{"engine": engine, "kind": kind}
				if d := value(after, "projectd_store_operation_duration_seconds", labels) - value(before, "projectd_store_operation_duration_seconds", labels); d < least {
					t.Errorf("store %s operations: %v, want at least %v", kind, d, least)
				}
				if !slices.ContainsFunc(after["projectd_store_operation_duration_seconds"].GetMetric(), func(s *dto.Metric) bool { return hasLabels(s, labels) }) {
					t.Errorf("no series of store %s operations", kind)
				}
			}
			pools := map[string][]string{"sqlite": {"reader", "writer"}, "postgres": {"pgxpool"}}[f.Name]
			for _, pool := range pools {
				labels := map[string]string{"pool": pool}
				if open, max := value(after, "projectd_store_pool_open_connections", labels), value(after, "projectd_store_pool_max_connections", labels); open < 1 || max < open {
					t.Errorf("pool %s: %v open of at most %v", pool, open, max)
				}
				for _, name := range []string{"projectd_store_pool_in_use_connections", "projectd_store_pool_waits_total", "projectd_store_pool_wait_seconds_total"} {
					if !slices.ContainsFunc(after[name].GetMetric(), func(s *dto.Metric) bool { return hasLabels(s, labels) }) {
						t.Errorf("%s has no series of pool %s", name, pool)
					}
				}
			}
			for _, cache := range []string{"token", "ref", "page"} {
				labels := map[string]string{"cache": cache}
				if d := value(after, "projectd_cache_hits_total", labels) - value(before, "projectd_cache_hits_total", labels); d < 1 {
					t.Errorf("cache %s: no hits from repeated requests", cache)
				}
				if value(after, "projectd_cache_misses_total", labels) < 1 || value(after, "projectd_cache_entries", labels) < 1 {
					t.Errorf("cache %s: no misses or no entries after its first fills", cache)
				}
			}
			build := map[string]string{"engine": engine, "goversion": runtime.Version()}
			if value(after, "projectd_build_info", build) != 1 {
				t.Errorf("projectd_build_info has no series %v", build)
			}
			for _, name := range []string{"go_goroutines", "go_memstats_heap_alloc_bytes", "process_resident_memory_bytes"} {
				if after[name] == nil {
					t.Errorf("no %s: the runtime collectors are missing", name)
				}
			}

			failures := authFailures(t, m)
			final, _ := m.scrape(t)
			for key, n := range failures {
				labels := map[string]string{"surface": key[0], "reason": key[1]}
				if got := value(final, "projectd_auth_failures_total", labels); got != float64(n) {
					t.Errorf("auth failures %v: %v counted, %d made", key, got, n)
				}
			}
			for range 25 { // past --rate-limit 20 a minute
				m.Do("GET", "/api/me", ann, "")
			}
			limited, _ := m.scrape(t)
			if n := value(limited, "projectd_rate_limited_total", map[string]string{"surface": "native"}); n < 1 {
				t.Errorf("no rate-limit rejection counted, got %v", n)
			}
		})
	}
}

// authFailures makes each kind of failed authentication and returns how many of each
// it made, by surface and reason.
func authFailures(t *testing.T, m metricsServer) map[[2]string]int {
	made := map[[2]string]int{}
	if r := m.Do("GET", "/api/projects", "", ""); r.StatusCode != 401 {
		t.Fatalf("no credential: %d", r.StatusCode)
	}
	made[[2]string{"native", "missing_credential"}]++
	m.Do("GET", "/api/v1/projects", "pd_not-a-token", "")
	made[[2]string{"yatasks", "bad_token"}]++
	if r := m.Do("POST", "/api/session", "", `{"login":"nobody","password":"not a password"}`); r.StatusCode != 401 {
		t.Fatalf("a sign-in with a wrong password: %d", r.StatusCode)
	}
	made[[2]string{"native", "bad_password"}]++
	m.Do("POST", "/accounts/identity/session", "", `{"auth_code":"wrong"}`, "Api-Key", "ak_wrong")
	made[[2]string{"movika", "bad_app_key"}]++

	var key struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	m.User("nc", false)
	if err := json.Unmarshal([]byte(m.CLI("key", "create", "--login", "nc")), &key); err != nil {
		t.Fatal(err)
	}
	uri := "/api/v1/workspaces/w/projects"
	signed := func(secret, accessKey string, at time.Time) []string {
		ts := strconv.FormatInt(at.UnixMilli(), 10)
		return []string{"x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", accessKey,
			"x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(secret), "GET", uri, ts, accessKey)}
	}
	now := time.Now()
	m.Do("GET", uri, "", "", signed("wrong", key.AccessKey, now)...)
	made[[2]string{"ncpmaiu", "bad_signature"}]++
	m.Do("GET", uri, "", "", signed(key.SecretKey, key.AccessKey, now.Add(-time.Hour))...)
	made[[2]string{"ncpmaiu", "stale_timestamp"}]++
	m.Do("GET", uri, "", "", signed(key.SecretKey, "NOSUCHKEY", now)...)
	made[[2]string{"ncpmaiu", "bad_access_key"}]++
	good := signed(key.SecretKey, key.AccessKey, now)
	m.Do("GET", uri, "", "", good...)
	m.Do("GET", uri, "", "", good...) // --ncp-refuse-replays
	made[[2]string{"ncpmaiu", "replayed_signature"}]++
	m.CLI("key", "disable", "--access-key", key.AccessKey)
	m.Do("GET", uri, "", "", signed(key.SecretKey, key.AccessKey, now)...)
	made[[2]string{"ncpmaiu", "disabled_key"}]++
	return made
}

// The metrics listener is off unless asked for, never on the public one, and a bad
// address is refused by name.
func TestMetricsListener(t *testing.T) {
	m := startWithMetrics(t, testdb.Flavours[0].New(t))
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		if r := send(t, "GET", m.Base+path); r.StatusCode != http.StatusNotFound {
			t.Errorf("the public listener answers %s with %d", path, r.StatusCode)
		}
	}
	for _, path := range []string{"/debug/pprof/", "/debug/pprof/goroutine?debug=1", "/debug/pprof/cmdline"} {
		if r := send(t, "GET", m.metricsURL+path); r.StatusCode != http.StatusOK {
			t.Errorf("the metrics listener answers %s with %d", path, r.StatusCode)
		}
	}
	s := testserver.Offline(t, testdb.Flavours[0].New(t))
	err := cli.Run(context.Background(), []string{"serve", "--addr", testserver.FreeAddr(t), "--metrics-addr", "127.0.0.1:notaport"}, s.Getenv, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		t.Errorf("a bad --metrics-addr: %v", err)
	}
}

// Every metric that docs/grafana-dashboard.json queries exists in /metrics.
func TestDashboardQueriesExist(t *testing.T) {
	raw, err := os.ReadFile("../docs/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	}
	var dashboard struct {
		Panels []panel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dashboard); err != nil {
		t.Fatal(err)
	}
	m := startWithMetrics(t, testdb.Flavours[0].New(t))
	m.Do("GET", "/healthz", "", "")
	families, _ := m.scrape(t)
	name := regexp.MustCompile(`\b(?:projectd|go|process)_[a-z0-9_]+\b`)
	queried := 0
	for _, p := range dashboard.Panels {
		for _, target := range p.Targets {
			found := name.FindAllString(target.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q queries no projectd metric: %s", p.Title, target.Expr)
			}
			for _, n := range found {
				queried++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count"), "_sum")
				if families[n] == nil && (families[base] == nil || families[base].GetType() != dto.MetricType_HISTOGRAM) {
					t.Errorf("panel %q queries %s, which /metrics does not have", p.Title, n)
				}
			}
		}
	}
	if queried < 10 {
		t.Errorf("the dashboard queries only %d metrics", queried)
	}
	for _, want := range []string{"Request rate", "Latency", "Errors by surface", "Store latency", "Pool saturation", "Cache hit ratio", "Authentication failures"} {
		if !slices.ContainsFunc(dashboard.Panels, func(p panel) bool { return strings.HasPrefix(p.Title, want) }) {
			t.Errorf("the dashboard has no panel %q", want)
		}
	}
}

// serve keeps pages in the page cache unless --page-cache 0 turns it off: the same list
// three times is two hits, or none.
func TestPageCacheFlag(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	for flag, want := range map[string]float64{"8": 2, "0": 0} {
		m := startWithMetrics(t, dsn, "--page-cache", flag)
		ann := m.User("ann"+flag, false)
		m.Create(ann, `{"name":"cached"}`)
		labels := map[string]string{"cache": "page"}
		before, _ := m.scrape(t)
		for range 3 {
			if r := m.Do("GET", "/api/projects?count=exact", ann, ""); r.StatusCode != 200 {
				t.Fatalf("list: %d %s", r.StatusCode, r.Body)
			}
		}
		after, _ := m.scrape(t)
		if d := value(after, "projectd_cache_hits_total", labels) - value(before, "projectd_cache_hits_total", labels); d != want {
			t.Errorf("--page-cache %s: %v hits of 3 same lists, want %v", flag, d, want)
		}
	}
}
