package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"projectd/internal/testdb"
)

// movikaSeedResponse is the seed's example (the public page of GET /studio-pro/my).
const movikaSeedResponse = `{"data": [{"id": 90280470, "title": "Excepteur in dolor",
  "cover": "http://BGHzcKuudfOLjUePkBUtyyVIoVR.cizaogwQLrTo.-hcCeEpqa.MKGzG+2fNhnz6OqWgr0OLgFae8tZp",
  "manifestChanges": "pariatur velit irure",
  "lastBuiltManifestUrl": "http://RgBIyxAPoxUsDRNNMwEUqhHvnsKaxerD.kmgyh1ypoFWmFoq86XFZ7RAceC2wYKBDYv+fjVZVEXYL61spd6NTPSrPh4",
  "currentManifestUrl": "https://bKGXVmHs.djN",
  "author": {"id": 29396578, "avatarUri": "https://xQDCFiinfapoXThcqKnNCi.dcgT6uL+EfF-xinSaSRM+qo9IAMlwKyNm8T8lVHlzy+M+8.",
    "login": "Ut dolore", "firstName": "in exercitation", "lastName": "aliquip ea proident incididunt magna"},
  "projectName": "suq1ZiyKk3UEMXYla0AP", "buildStatus": 0, "lastBuildStatus": 0, "keywords": "consectetur commodo laborum eu",
  "deployStatus": 3, "lastDeployType": 0, "deployedTo": [1, 2], "modified": false,
  "created": "1954-04-22T23:00:04.371Z", "updatedBy": "hJmjMh@pFk.opye", "updated": "1983-03-12T04:50:40.438Z"}],
  "paging": {"after": "2", "before": "0"}}`

// movikaClient is what a Studio Pro client sends: its app key, the API version, a token.
type movikaClient struct {
	s      *server
	appKey string
	token  string
}

func (c movikaClient) do(method, path, body string, headers ...string) *response {
	c.s.t.Helper()
	all := []string{"Api-Key", c.appKey, "Api-Version", "2.0"}
	if c.token != "" {
		all = append(all, "Authorization", "Bearer "+c.token)
	}
	return c.s.do(method, path, "", body, append(all, headers...)...)
}

var movikaTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func (r *response) movikaError(t *testing.T, status, code int, service string) {
	t.Helper()
	var e struct {
		Error, Message, Path, Timestamp, Service string
		Status, Code                             int
	}
	r.json(t, &e)
	if r.StatusCode != status || e.Status != status || e.Code != code || e.Service != service || e.Error != http.StatusText(status) ||
		e.Message == "" || e.Path != r.Request.URL.Path || !movikaTimestamp.MatchString(e.Timestamp) {
		t.Fatalf("got %d %s, want %d code %d service %s", r.StatusCode, r.body, status, code, service)
	}
}

func newMovika(t *testing.T, s *server, login string) movikaClient {
	t.Helper()
	s.cli("user", "create", "--login", login, "--email", login+"@example.com", "--first-name", "in exercitation",
		"--last-name", "aliquip ea proident incididunt magna", "--avatar-url", "https://xQDCFiinfapoXThcqKnNCi.dcgT6uL+EfF-xinSaSRM+qo9IAMlwKyNm8T8lVHlzy+M+8.")
	return movikaClient{s: s, appKey: strings.TrimSpace(s.cli("appkey", "create", "--name", "studio "+login)),
		token: strings.TrimSpace(s.cli("token", "create", "--login", login))}
}

const movikaSeedExt = `"ext":{"movika":{"cover":"http://BGHzcKuudfOLjUePkBUtyyVIoVR.cizaogwQLrTo.-hcCeEpqa.MKGzG+2fNhnz6OqWgr0OLgFae8tZp",
	"manifestChanges":"pariatur velit irure","lastBuiltManifestUrl":"http://RgBIyxAPoxUsDRNNMwEUqhHvnsKaxerD.kmgyh1ypoFWmFoq86XFZ7RAceC2wYKBDYv+fjVZVEXYL61spd6NTPSrPh4",
	"currentManifestUrl":"https://bKGXVmHs.djN","projectName":"suq1ZiyKk3UEMXYla0AP","buildStatus":0,"lastBuildStatus":0,
	"keywords":"consectetur commodo laborum eu","deployStatus":3,"lastDeployType":0,"deployedTo":[1,2],"modified":false}}`

func TestMovikaSeedExample(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		c := newMovika(t, s, "ut-dolore")
		for i := 0; i < 21; i++ { // 21, so that page 1 of 20 has a next page, as in the example
			s.create(c.token, `{"name":"Excepteur in dolor",`+movikaSeedExt+`}`)
		}
		r := c.do("GET", "/studio-pro/my", "")
		var got, want map[string]any
		r.json(t, &got)
		json.Unmarshal([]byte(movikaSeedResponse), &want)
		got["data"] = got["data"].([]any)[:1]
		sameShape(t, "", got, want, map[string]bool{".data[0].id": true, ".data[0].author.id": true, ".data[0].author.login": true,
			".data[0].created": true, ".data[0].updated": true, ".data[0].updatedBy": true})
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		r.json(t, &page)
		var seed struct {
			Data []json.RawMessage `json:"data"`
		}
		json.Unmarshal([]byte(movikaSeedResponse), &seed)
		if g, w := fmt.Sprint(orderedKeys(t, page.Data[0])), fmt.Sprint(orderedKeys(t, seed.Data[0])); g != w {
			t.Errorf("key order\n got %s\nwant %s", g, w)
		}
		item := got["data"].([]any)[0].(map[string]any)
		if !movikaTimestamp.MatchString(item["created"].(string)) || !movikaTimestamp.MatchString(item["updated"].(string)) ||
			item["updatedBy"] != "ut-dolore@example.com" || item["author"].(map[string]any)["login"] != "ut-dolore" {
			t.Errorf("mapped fields: %v", item)
		}
		// Defaults for a project with no ext.movika.
		p := s.create(c.token, `{"name":"bare"}`)
		var bare map[string]any
		c.do("GET", fmt.Sprintf("/studio-pro/%d", p.ID), "").json(t, &bare)
		if bare["cover"] != nil || bare["keywords"] != "" || bare["buildStatus"] != float64(0) || fmt.Sprint(bare["deployedTo"]) != "[]" ||
			bare["modified"] != false || !regexp.MustCompile(`^[A-Za-z0-9]{20}$`).MatchString(bare["projectName"].(string)) {
			t.Errorf("defaults: %v", bare)
		}
		var again map[string]any
		c.do("GET", fmt.Sprintf("/studio-pro/%d", p.ID), "").json(t, &again)
		if again["projectName"] != bare["projectName"] {
			t.Error("the derived projectName changes")
		}
	})
}

func TestMovikaPaging(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		c := newMovika(t, s, "ann")
		other := newMovika(t, s, "bob")
		for i := 0; i < 45; i++ {
			s.create(c.token, fmt.Sprintf(`{"name":"p%d"}`, i))
		}
		s.create(other.token, `{"name":"bob's"}`)
		type pageJSON struct {
			Data []struct {
				ID    int64  `json:"id"`
				Title string `json:"title"`
			} `json:"data"`
			Paging map[string]string `json:"paging"`
		}
		seen := map[int64]bool{}
		var pages []pageJSON
		query := "?limit=20"
		for {
			var p pageJSON
			r := c.do("GET", "/studio-pro/my"+query, "")
			r.json(t, &p)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d %s", query, r.StatusCode, r.body)
			}
			pages = append(pages, p)
			for _, d := range p.Data {
				if seen[d.ID] {
					t.Fatalf("project %d twice", d.ID)
				}
				seen[d.ID] = true
			}
			after, ok := p.Paging["after"]
			if !ok {
				break
			}
			query = "?limit=20&after=" + after
		}
		if len(seen) != 45 || len(pages) != 3 {
			t.Fatalf("%d projects in %d pages", len(seen), len(pages))
		}
		for i, want := range []string{"map[after:2 before:0]", "map[after:3 before:1]", "map[before:2]"} {
			if fmt.Sprint(pages[i].Paging) != want {
				t.Errorf("page %d paging %v, want %s", i+1, pages[i].Paging, want)
			}
		}
		if pages[0].Data[0].Title != "p44" {
			t.Errorf("not newest first: %s", pages[0].Data[0].Title)
		}
		var back pageJSON
		c.do("GET", "/studio-pro/my?limit=20&before=2", "").json(t, &back)
		if fmt.Sprint(back) != fmt.Sprint(pages[1]) {
			t.Error("before=2 is not page 2")
		}
		var past pageJSON
		c.do("GET", "/studio-pro/my?limit=20&after=9", "").json(t, &past)
		if len(past.Data) != 0 || fmt.Sprint(past.Paging) != "map[before:8]" {
			t.Errorf("past the end: %+v", past)
		}
	})
}

func TestMovikaErrors(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		c := newMovika(t, s, "ann")
		bob := newMovika(t, s, "bob")
		cat := newMovika(t, s, "cat")
		s.cli("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		teamProject := s.create(c.token, `{"name":"team","workspace":"team"}`)
		private := s.create(c.token, `{"name":"private"}`)
		c.do("GET", "/studio-pro/my", "", "Api-Key", "").movikaError(t, 401, 16000, "studio-pro")
		c.do("GET", "/studio-pro/my", "", "Api-Key", "ak_unknown").movikaError(t, 401, 16000, "studio-pro")
		c.do("GET", "/studio-pro/my", "", "Api-Version", "1.0").movikaError(t, 400, 16000, "studio-pro")
		c.do("GET", "/studio-pro/my", "", "Authorization", "").movikaError(t, 401, 16000, "studio-pro")
		c.do("GET", "/studio-pro/my", "", "Authorization", "Bearer pd_unknown").movikaError(t, 401, 16000, "studio-pro")
		if r := c.do("GET", "/studio-pro/my", "", "Api-Version", ""); r.StatusCode != 400 {
			t.Errorf("an empty Api-Version: %d", r.StatusCode)
		}
		noVersion := movikaClient{s: s, appKey: c.appKey, token: c.token}
		if r := s.do("GET", "/studio-pro/my", "", "", "Api-Key", noVersion.appKey, "Authorization", "Bearer "+c.token); r.StatusCode != 200 {
			t.Errorf("no Api-Version means 2.0: %d", r.StatusCode)
		}
		for _, q := range []string{"limit=-1", "limit=0", "limit=101", "limit=x", "after=0", "after=x", "before=-2", "after=2&before=1", "page=2", "limit=1&limit=2"} {
			c.do("GET", "/studio-pro/my?"+q, "").movikaError(t, 400, 16000, "studio-pro")
		}
		c.do("GET", fmt.Sprintf("/studio-pro/%d", private.ID), "", "Authorization", "Bearer "+bob.token).movikaError(t, 404, 16003, "studio-pro")
		c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), "", "Authorization", "Bearer "+bob.token).movikaError(t, 403, 16001, "studio-pro")
		c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), "", "Authorization", "Bearer "+cat.token).movikaError(t, 404, 16003, "studio-pro")
		c.do("GET", "/studio-pro/999999", "").movikaError(t, 404, 16003, "studio-pro")
		c.do("GET", "/studio-pro/abc", "").movikaError(t, 404, 16003, "studio-pro")
		if r := c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), ""); r.StatusCode != 200 {
			t.Fatalf("the author: %d", r.StatusCode)
		}
		// bob's list holds only what bob authored, not the team's projects.
		var mine struct{ Data []any }
		bob.do("GET", "/studio-pro/my", "").json(t, &mine)
		if len(mine.Data) != 0 {
			t.Errorf("bob lists %d projects he did not author", len(mine.Data))
		}
		// ext.movika is checked on native writes.
		for field, ext := range map[string]string{
			"buildStatus": `{"buildStatus":4}`, "deployedTo": `{"deployedTo":[3]}`, "cover": `{"cover":"not a uri"}`,
			"modified": `{"modified":"no"}`, "lastDeployType": `{"lastDeployType":1.5}`, "colour": `{"colour":1}`,
			"lastBuildStatus": `{"lastBuildStatus":1e0}`, "deployStatus": `{"deployStatus":"2"}`,
		} {
			s.do("POST", "/api/projects", c.token, `{"name":"x","ext":{"movika":`+ext+`}}`).wantProblem(t, 400, "ext.movika."+field)
		}
	})
}

func TestMovikaAccounts(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		c := newMovika(t, s, "ann")
		s.create(c.token, `{"name":"mine"}`)
		var ann struct{ ID int64 }
		s.do("GET", "/api/me", c.token, "").json(t, &struct{ User any }{&ann})
		code := strings.TrimSpace(s.cli("authcode", "create", "--login", "ann"))
		anon := movikaClient{s: s, appKey: c.appKey}
		r := anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`)
		var sess struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
			UID          int64  `json:"uid"`
		}
		r.json(t, &sess)
		if r.StatusCode != 200 || sess.AccessToken == "" || sess.RefreshToken == "" || sess.UID != ann.ID {
			t.Fatalf("session: %d %s", r.StatusCode, r.body)
		}
		viaSession := movikaClient{s: s, appKey: c.appKey, token: sess.AccessToken}
		var mine struct{ Data []any }
		viaSession.do("GET", "/studio-pro/my", "").json(t, &mine)
		if len(mine.Data) != 1 {
			t.Fatalf("the session's token lists %d", len(mine.Data))
		}
		// A code works once.
		anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`).movikaError(t, 401, 1000, "accounts")
		anon.do("POST", "/accounts/identity/session", `{"auth_code":"ac_unknown"}`).movikaError(t, 401, 1000, "accounts")
		anon.do("POST", "/accounts/identity/session", `{}`).movikaError(t, 400, 1000, "accounts")
		anon.do("POST", "/accounts/identity/session", `{"auth_code":"x","extra":1}`).movikaError(t, 400, 1000, "accounts")
		anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`, "Api-Key", "ak_unknown").movikaError(t, 401, 1000, "accounts")
		// Refresh rotates both credentials.
		r = anon.do("POST", "/accounts/token", `{"grantType":"session","refreshToken":"`+sess.RefreshToken+`"}`)
		var next struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
			UID          int64  `json:"uid"`
		}
		r.json(t, &next)
		if r.StatusCode != 200 || next.AccessToken == sess.AccessToken || next.RefreshToken == sess.RefreshToken || next.UID != ann.ID {
			t.Fatalf("refresh: %d %s", r.StatusCode, r.body)
		}
		viaSession.do("GET", "/studio-pro/my", "").movikaError(t, 401, 16000, "studio-pro")
		anon.do("POST", "/accounts/token", `{"grantType":"session","refreshToken":"`+sess.RefreshToken+`"}`).movikaError(t, 401, 1000, "accounts")
		anon.do("POST", "/accounts/token", `{"grantType":"password","refreshToken":"`+next.RefreshToken+`"}`).movikaError(t, 400, 1000, "accounts")
		if r := (movikaClient{s: s, appKey: c.appKey, token: next.AccessToken}).do("GET", "/studio-pro/my", ""); r.StatusCode != 200 {
			t.Fatalf("the refreshed token: %d", r.StatusCode)
		}
		// The native API issues codes for the caller.
		r = s.do("POST", "/api/authcodes", c.token, "")
		var issued struct {
			AuthCode  string    `json:"auth_code"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		r.json(t, &issued)
		if r.StatusCode != 201 || time.Until(issued.ExpiresAt) > 11*time.Minute || time.Until(issued.ExpiresAt) < 9*time.Minute {
			t.Fatalf("native auth code: %d %s", r.StatusCode, r.body)
		}
		if r := anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+issued.AuthCode+`"}`); r.StatusCode != 200 {
			t.Fatalf("exchange a native code: %d", r.StatusCode)
		}
	})
}

func TestMovikaDemoLine(t *testing.T) {
	s := startServer(t, testdb.Flavours[0].New(t), "--demo")
	m := regexp.MustCompile(`curl -s -H 'Authorization: Bearer (\S+)' -H 'Api-Key: (\S+)' -H 'Api-Version: 2.0' '(\S+/studio-pro/my\S*)'`).FindStringSubmatch(s.stdout.String())
	if m == nil {
		t.Fatalf("no Movika curl line in:\n%s", s.stdout.String())
	}
	req, _ := http.NewRequest("GET", m[3], nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	req.Header.Set("Api-Key", m[2])
	req.Header.Set("Api-Version", "2.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Data []struct {
			Cover       *string `json:"cover"`
			BuildStatus int     `json:"buildStatus"`
		} `json:"data"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	shaped := false
	for _, p := range page.Data {
		shaped = shaped || (p.Cover != nil && p.BuildStatus == 2)
	}
	if resp.StatusCode != 200 || !shaped {
		t.Fatalf("the demo line answered %d with %+v", resp.StatusCode, page)
	}
}
