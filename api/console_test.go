package api_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"projectd"
	"projectd/compat/ncpmaiu"
	"projectd/internal/testserver"
)

func views(t *testing.T, s *testserver.Server, token string, id int64) []projectd.SurfaceView {
	t.Helper()
	var page struct{ Items []projectd.SurfaceView }
	r := s.Do("GET", "/api/projects/"+strconv.FormatInt(id, 10)+"/views", token, "")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("views: %d %s", r.StatusCode, r.Body)
	}
	r.JSON(t, &page)
	return page.Items
}

// The views of a project are each surface's own answer to its own client, byte for
// byte, with a curl line that names the surface's credential; NAVER, which names
// projects within workspaces only, has none for a project outside one; a project the
// caller cannot see has no views.
func TestProjectViewsAreTheSurfacesOwnAnswers(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann, bob := s.User("ann", false), s.User("bob", false)
		s.Do("POST", "/api/workspaces", ann, `{"name":"studio"}`)
		p := s.Create(ann, `{"name":"Blue's clues","workspace":"studio","ext":{"tervis":{"Status":3}}}`)
		appKey := strings.TrimSpace(s.CLI("appkey", "create", "--name", "player"))
		var key projectd.AccessKey
		if err := json.Unmarshal([]byte(s.CLI("key", "create", "--login", "ann")), &key); err != nil {
			t.Fatal(err)
		}
		access, secret := key.AccessKey, key.SecretKey
		id := strconv.FormatInt(p.ID, 10)
		direct := map[string][]string{
			"yatasks JSON":  {"/api/v1/projects/" + id, "Authorization", "OAuth " + ann},
			"textking JSON": {"/v1/project/" + p.UID, "Authorization", "Bearer " + ann, "Accept", "application/json"},
			"textking XML":  {"/v1/project/" + p.UID, "Authorization", "Bearer " + ann, "Accept", "application/xml"},
			"movika JSON":   {"/studio-pro/" + id, "Authorization", "Bearer " + ann, "Api-Key", appKey},
			"tervis JSON":   {"/projects/3/name/Blue%27s%20clues", "Authorization", "Bearer " + ann},
			"tervis XML":    {"/projects/3/name/Blue%27s%20clues", "Authorization", "Bearer " + ann, "Accept", "application/xml"},
		}
		got := views(t, s, ann, p.ID)
		seen := map[string]bool{}
		for _, v := range got {
			name := v.Surface + " " + v.Format
			seen[name] = true
			if v.Status != http.StatusOK || v.Title == "" || len(v.Curl) == 0 || !strings.HasSuffix(v.Curl[len(v.Curl)-1], "'"+s.Base+v.Path+"'") {
				t.Errorf("%s: %d %q, curl %q", name, v.Status, v.Title, v.Curl)
			}
			if v.Surface == "ncpmaiu" {
				ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
				sig := ncpmaiu.Sign([]byte(secret), "GET", v.Path, ts, access)
				want := s.Do("GET", v.Path, "", "", "x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", access, "x-ncp-apigw-signature-v2", sig)
				if string(want.Body) != v.Body || want.Header.Get("Content-Type") != v.ContentType {
					t.Errorf("%s differs from a signed request: %s\nvs %s", name, v.Body, want.Body)
				}
				continue
			}
			req, ok := direct[name]
			if !ok {
				t.Errorf("unexpected view %s", name)
				continue
			}
			want := s.Do("GET", req[0], "", "", req[1:]...)
			if want.StatusCode != http.StatusOK || string(want.Body) != v.Body || want.Header.Get("Content-Type") != v.ContentType || v.Path != req[0] {
				t.Errorf("%s at %s differs from %s: %s %s\nvs %d %s %s", name, v.Path, req[0], v.ContentType, v.Body, want.StatusCode, want.Header.Get("Content-Type"), want.Body)
			}
		}
		if len(seen) != len(direct)+1 {
			t.Errorf("views %v, want %d", seen, len(direct)+1)
		}
		for _, v := range got {
			if v.Surface == "yatasks" && !strings.Contains(v.Curl[0], `-H "Authorization: OAuth $TOKEN"`) {
				t.Errorf("yatasks curl %q", v.Curl)
			}
			if v.Surface == "ncpmaiu" && (len(v.Curl) != 2 || !strings.Contains(v.Curl[0], "GET "+v.Path+`\n`)) {
				t.Errorf("ncpmaiu curl %q", v.Curl)
			}
		}

		alone := s.Create(ann, `{"name":"alone"}`)
		for _, v := range views(t, s, ann, alone.ID) {
			if v.Surface == "ncpmaiu" {
				t.Errorf("a project outside workspaces has a NAVER view: %+v", v)
			}
		}
		s.Do("GET", "/api/projects/"+id+"/views", bob, "").WantProblem(t, http.StatusNotFound, "")
		s.Do("GET", "/api/projects/"+id+"/views", "", "").WantProblem(t, http.StatusUnauthorized, "")
	})
}

// The dashboard counts what the caller can see and nothing else: by status, workspace,
// ext namespace, and this week's new projects in the last of twelve weeks.
func TestDashboardCountsWhatTheCallerSees(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		admin, ann, bob := s.User("ada", true), s.User("ann", false), s.User("bob", false)
		s.Do("POST", "/api/workspaces", ann, `{"name":"studio","members":[{"login":"bob","role":"member"}]}`)
		s.Create(ann, `{"name":"a","workspace":"studio","ext":{"tasks":{"private_comment":"x"}}}`)
		archived := s.Create(ann, `{"name":"b"}`)
		s.Do("PATCH", "/api/projects/"+strconv.FormatInt(archived.ID, 10), ann, `{"status":"archived"}`, "Content-Type", "application/merge-patch+json")
		s.Create(bob, `{"name":"c","ext":{"tervis":{"Status":1}}}`)
		type dashboard struct {
			Total       int64            `json:"total"`
			ByStatus    map[string]int64 `json:"by_status"`
			ByWorkspace []struct {
				Name  string
				Count int64
			} `json:"by_workspace"`
			ByNamespace   map[string]int64 `json:"by_namespace"`
			CreatedByWeek []struct {
				Week  time.Time
				Count int64
			} `json:"created_by_week"`
		}
		get := func(token string) dashboard {
			var d dashboard
			r := s.Do("GET", "/api/dashboard", token, "")
			if r.StatusCode != 200 {
				t.Fatalf("dashboard: %d %s", r.StatusCode, r.Body)
			}
			r.JSON(t, &d)
			return d
		}
		for _, c := range []struct {
			who                    string
			token                  string
			total, active, tasks   int64
			tervis, studio, inNone int64
		}{
			{"ann", ann, 2, 1, 1, 0, 1, 1},
			{"bob", bob, 2, 2, 1, 1, 1, 1},
			{"ada", admin, 3, 2, 1, 1, 1, 2},
		} {
			d := get(c.token)
			ws := map[string]int64{}
			for _, w := range d.ByWorkspace {
				ws[w.Name] = w.Count
			}
			weeks := d.CreatedByWeek
			if d.Total != c.total || d.ByStatus["active"] != c.active || d.ByStatus["archived"] != c.total-c.active ||
				d.ByNamespace["tasks"] != c.tasks || d.ByNamespace["tervis"] != c.tervis || ws["studio"] != c.studio || ws[""] != c.inNone ||
				len(weeks) != projectd.DashboardWeeks || weeks[len(weeks)-1].Count != c.total || !weeks[len(weeks)-1].Week.Equal(projectd.WeekStart(time.Now())) {
				t.Errorf("%s: %+v", c.who, d)
			}
		}
	})
}

func TestWeekStartIsMonday(t *testing.T) {
	for in, want := range map[string]string{
		"2026-12-02T04:00:00Z":      "2026-11-30T00:00:00Z", // a Wednesday
		"2026-11-30T00:00:00Z":      "2026-11-30T00:00:00Z",
		"2026-12-06T23:59:59Z":      "2026-11-30T00:00:00Z", // a Sunday
		"2026-12-07T01:00:00+03:00": "2026-11-30T00:00:00Z", // Sunday in UTC
	} {
		at, _ := time.Parse(time.RFC3339, in)
		if got := projectd.WeekStart(at).Format(time.RFC3339); got != want {
			t.Errorf("WeekStart(%s) = %s, want %s", in, got, want)
		}
	}
}

// Admins list and create users (with a password that signs in), change others' roles
// and register app keys; members may do none of it; bad input names its field.
func TestAdminsManageUsersAndAppKeys(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		admin, ann := s.User("ada", true), s.User("ann", false)
		for _, r := range []*testserver.Response{
			s.Do("GET", "/api/users", ann, ""),
			s.Do("POST", "/api/users", ann, `{"login":"eve","email":"eve@example.com"}`),
			s.Do("PATCH", "/api/users/ann", ann, `{"role":"admin"}`),
			s.Do("GET", "/api/appkeys", ann, ""),
			s.Do("POST", "/api/appkeys", ann, `{"name":"x"}`),
		} {
			r.WantProblem(t, http.StatusForbidden, "")
		}
		r := s.Do("POST", "/api/users", admin, `{"login":"cy","email":"cy@example.com","first_name":"Cy","password":"long enough"}`)
		var cy projectd.User
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		r.JSON(t, &cy)
		if cy.Login != "cy" || cy.Role != "member" || cy.UID == "" {
			t.Fatalf("created %+v", cy)
		}
		if r := s.Do("POST", "/api/session", "", `{"login":"cy","password":"long enough"}`); r.StatusCode != http.StatusOK {
			t.Fatalf("the new user's sign-in: %d %s", r.StatusCode, r.Body)
		}
		for body, field := range map[string]string{
			`{"login":"Bad Login","email":"b@example.com"}`:              "login",
			`{"login":"dee","email":"not an address"}`:                   "email",
			`{"login":"dee","email":"d@example.com","role":"owner"}`:     "role",
			`{"login":"dee","email":"d@example.com","password":"short"}`: "password",
			`{"login":"dee","email":"d@example.com","extra":1}`:          "extra",
		} {
			s.Do("POST", "/api/users", admin, body).WantProblem(t, http.StatusBadRequest, field)
		}
		s.Do("POST", "/api/users", admin, `{"login":"cy","email":"cy2@example.com"}`).WantProblem(t, http.StatusConflict, "login")
		var users struct{ Items []projectd.User }
		s.Do("GET", "/api/users", admin, "").JSON(t, &users)
		if len(users.Items) != 3 || users.Items[2].Login != "cy" {
			t.Fatalf("users %+v", users.Items)
		}

		if r := s.Do("PATCH", "/api/users/cy", admin, `{"role":"admin"}`); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"role":"admin"`) {
			t.Fatalf("make admin: %d %s", r.StatusCode, r.Body)
		}
		cyToken := strings.TrimSpace(s.CLI("token", "create", "--login", "cy"))
		if r := s.Do("GET", "/api/users", cyToken, ""); r.StatusCode != 200 {
			t.Fatalf("the new admin lists users: %d %s", r.StatusCode, r.Body)
		}
		s.Do("PATCH", "/api/users/ada", admin, `{"role":"member"}`).WantProblem(t, http.StatusBadRequest, "role")
		s.Do("PATCH", "/api/users/cy", admin, `{"role":"boss"}`).WantProblem(t, http.StatusBadRequest, "role")
		s.Do("PATCH", "/api/users/nobody", admin, `{"role":"member"}`).WantProblem(t, http.StatusNotFound, "")

		r = s.Do("POST", "/api/appkeys", admin, `{"name":"player"}`)
		var created struct {
			Name   string `json:"name"`
			AppKey string `json:"app_key"`
		}
		r.JSON(t, &created)
		if r.StatusCode != http.StatusCreated || created.AppKey == "" || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("app key: %d %s", r.StatusCode, r.Body)
		}
		if r := s.Do("GET", "/studio-pro/my", ann, "", "Api-Key", created.AppKey); r.StatusCode != http.StatusOK {
			t.Fatalf("Movika with the new app key: %d %s", r.StatusCode, r.Body)
		}
		s.Do("POST", "/api/appkeys", admin, `{"name":"player"}`).WantProblem(t, http.StatusConflict, "name")
		s.Do("POST", "/api/appkeys", admin, `{"name":""}`).WantProblem(t, http.StatusBadRequest, "name")
		var keys struct{ Items []projectd.AppKeyInfo }
		s.Do("GET", "/api/appkeys", admin, "").JSON(t, &keys)
		if len(keys.Items) != 1 || keys.Items[0].Name != "player" {
			t.Fatalf("app keys %s", mustJSON(keys))
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
