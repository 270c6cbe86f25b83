package surfaces_test

import (
	"encoding/json"
	"strings"
	"testing"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// tooMany is how each bearer surface (and the native API) is asked, and how its 429
// must look in its own error shape.
var tooMany = []struct {
	name    string
	request func(s *testserver.Server, token, uid, appKey string) *testserver.Response
	shape   func(body map[string]any) bool
}{
	{"native", func(s *testserver.Server, token, _, _ string) *testserver.Response {
		return s.Do("GET", "/api/projects", token, "")
	}, func(b map[string]any) bool { return b["status"] == 429.0 && b["title"] == "Too Many Requests" }},
	{"yatasks", func(s *testserver.Server, token, _, _ string) *testserver.Response {
		return s.Do("GET", "/api/v1/projects", "", "", "Authorization", "OAuth "+token)
	}, func(b map[string]any) bool { return b["code"] == "TOO_MANY_REQUESTS" }},
	{"textking", func(s *testserver.Server, token, _, _ string) *testserver.Response {
		return s.Do("GET", "/v1/projects", token, "")
	}, func(b map[string]any) bool { return b["error"] == "too_many_requests" && b["status"] == 429.0 }},
	{"movika", func(s *testserver.Server, token, _, appKey string) *testserver.Response {
		return s.Do("GET", "/studio-pro/my", token, "", "Api-Key", appKey)
	}, func(b map[string]any) bool {
		return b["status"] == 429.0 && b["code"] == 16000.0 && b["service"] == "studio-pro"
	}},
	{"tervis", func(s *testserver.Server, token, uid, _ string) *testserver.Response {
		return s.Do("GET", "/projects/GetUserProjects/"+uid, token, "")
	}, func(b map[string]any) bool { m, _ := b["Message"].(string); return m != "" }},
}

func userOf(t *testing.T, s *testserver.Server, login string) (token, uid string) {
	var u struct{ UID string }
	if err := json.Unmarshal([]byte(s.CLI("user", "create", "--login", login, "--email", login+"@example.com")), &u); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(s.CLI("token", "create", "--login", login)), u.UID
}

func want429(t *testing.T, name string, r *testserver.Response, shape func(map[string]any) bool) {
	t.Helper()
	var body map[string]any
	json.Unmarshal(r.Body, &body)
	if r.StatusCode != 429 || r.Header.Get("Retry-After") == "" || !shape(body) {
		t.Errorf("%s: %d Retry-After %q %s", name, r.StatusCode, r.Header.Get("Retry-After"), r.Body)
	}
}

// --rate-limit bounds each user's requests on every surface, each answering its own 429.
func TestRateLimitOnEverySurface(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--rate-limit", "2")
	appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "studio"))
	for _, tc := range tooMany {
		token, uid := userOf(t, s, "u-"+tc.name)
		for i := range 2 {
			if r := tc.request(s, token, uid, appKey); r.StatusCode != 200 {
				t.Fatalf("%s: request %d: %d %s", tc.name, i+1, r.StatusCode, r.Body)
			}
		}
		want429(t, tc.name, tc.request(s, token, uid, appKey), tc.shape)
	}
}

// --auth-failure-limit: an address that failed to authenticate too often is refused on
// every surface, even with a good credential, until its budget refills.
func TestFailedAuthenticationsAreLimited(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--auth-failure-limit", "3")
	appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "studio"))
	token, uid := userOf(t, s, "ann")
	for i := range 3 {
		if r := s.Do("GET", "/api/projects", "pd_wrong", ""); r.StatusCode != 401 {
			t.Fatalf("bad token %d: %d", i+1, r.StatusCode)
		}
	}
	for _, tc := range tooMany {
		want429(t, tc.name, tc.request(s, token, uid, appKey), tc.shape)
	}
	// Movika's accounts API spends the same budget with bad auth codes.
	r := s.Do("POST", "/accounts/identity/session", "", `{"auth_code":"nope"}`, "Api-Key", appKey)
	want429(t, "movika accounts", r, func(b map[string]any) bool { return b["code"] == 1000.0 && b["service"] == "accounts" })
}
