package movika_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
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
	s      *testserver.Server
	appKey string
	token  string
}

func (c movikaClient) do(method, path, body string, headers ...string) *testserver.Response {
	c.s.T.Helper()
	all := []string{"Api-Key", c.appKey, "Api-Version", "2.0"}
	if c.token != "" {
		all = append(all, "Authorization", "Bearer "+c.token)
	}
	return c.s.Do(method, path, "", body, append(all, headers...)...)
}

var movikaTimestamp = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

func movikaError(t *testing.T, r *testserver.Response, status, code int, service string) {
	t.Helper()
	var e struct {
		Error, Message, Path, Timestamp, Service string
		Status, Code                             int
	}
	r.JSON(t, &e)
	if r.StatusCode != status || e.Status != status || e.Code != code || e.Service != service || e.Error != http.StatusText(status) ||
		e.Message == "" || e.Path != r.Request.URL.Path || !movikaTimestamp.MatchString(e.Timestamp) {
		t.Fatalf("got %d %s, want %d code %d service %s", r.StatusCode, r.Body, status, code, service)
	}
}

func newMovika(t *testing.T, s *testserver.Server, login string) movikaClient {
	t.Helper()
	s.CLI("user", "create", "--login", login, "--email", login+"@example.com", "--first-name", "in exercitation",
		"--last-name", "aliquip ea proident incididunt magna", "--avatar-url", "https://xQDCFiinfapoXThcqKnNCi.dcgT6uL+EfF-xinSaSRM+qo9IAMlwKyNm8T8lVHlzy+M+8.")
	return movikaClient{s: s, appKey: strings.TrimSpace(s.CLI("appkey", "create", "--name", "studio "+login)),
		token: strings.TrimSpace(s.CLI("token", "create", "--login", login))}
}

const movikaSeedExt = `"ext":{"movika":{"cover":"http://BGHzcKuudfOLjUePkBUtyyVIoVR.cizaogwQLrTo.-hcCeEpqa.MKGzG+2fNhnz6OqWgr0OLgFae8tZp",
	"manifestChanges":"pariatur velit irure","lastBuiltManifestUrl":"http://RgBIyxAPoxUsDRNNMwEUqhHvnsKaxerD.kmgyh1ypoFWmFoq86XFZ7RAceC2wYKBDYv+fjVZVEXYL61spd6NTPSrPh4",
	"currentManifestUrl":"https://bKGXVmHs.djN","projectName":"suq1ZiyKk3UEMXYla0AP","buildStatus":0,"lastBuildStatus":0,
	"keywords":"consectetur commodo laborum eu","deployStatus":3,"lastDeployType":0,"deployedTo":[1,2],"modified":false}}`

func TestMovikaSeedExample(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := newMovika(t, s, "ut-dolore")
		for i := 0; i < 21; i++ { // 21, so that page 1 of 20 has a next page, as in the example
			s.Create(c.token, `{"name":"Excepteur in dolor",`+movikaSeedExt+`}`)
		}
		r := c.do("GET", "/studio-pro/my", "")
		var got, want map[string]any
		r.JSON(t, &got)
		json.Unmarshal([]byte(movikaSeedResponse), &want)
		got["data"] = got["data"].([]any)[:1]
		testserver.SameShape(t, "", got, want, map[string]bool{".data[0].id": true, ".data[0].author.id": true, ".data[0].author.login": true,
			".data[0].created": true, ".data[0].updated": true, ".data[0].updatedBy": true})
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		r.JSON(t, &page)
		var seed struct {
			Data []json.RawMessage `json:"data"`
		}
		json.Unmarshal([]byte(movikaSeedResponse), &seed)
		if g, w := fmt.Sprint(testserver.OrderedKeys(t, page.Data[0])), fmt.Sprint(testserver.OrderedKeys(t, seed.Data[0])); g != w {
			t.Errorf("key order\n got %s\nwant %s", g, w)
		}
		item := got["data"].([]any)[0].(map[string]any)
		if !movikaTimestamp.MatchString(item["created"].(string)) || !movikaTimestamp.MatchString(item["updated"].(string)) ||
			item["updatedBy"] != "ut-dolore@example.com" || item["author"].(map[string]any)["login"] != "ut-dolore" {
			t.Errorf("mapped fields: %v", item)
		}
		// Defaults for a project with no ext.movika.
		p := s.Create(c.token, `{"name":"bare"}`)
		var bare map[string]any
		c.do("GET", fmt.Sprintf("/studio-pro/%d", p.ID), "").JSON(t, &bare)
		if bare["cover"] != nil || bare["keywords"] != "" || bare["buildStatus"] != float64(0) || fmt.Sprint(bare["deployedTo"]) != "[]" ||
			bare["modified"] != false || !regexp.MustCompile(`^[A-Za-z0-9]{20}$`).MatchString(bare["projectName"].(string)) {
			t.Errorf("defaults: %v", bare)
		}
		var again map[string]any
		c.do("GET", fmt.Sprintf("/studio-pro/%d", p.ID), "").JSON(t, &again)
		if again["projectName"] != bare["projectName"] {
			t.Error("the derived projectName changes")
		}
	})
}

func TestMovikaPaging(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := newMovika(t, s, "ann")
		other := newMovika(t, s, "bob")
		for i := 0; i < 45; i++ {
			s.Create(c.token, fmt.Sprintf(`{"name":"p%d"}`, i))
		}
		s.Create(other.token, `{"name":"bob's"}`)
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
			r.JSON(t, &p)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d %s", query, r.StatusCode, r.Body)
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
		c.do("GET", "/studio-pro/my?limit=20&before=2", "").JSON(t, &back)
		if fmt.Sprint(back) != fmt.Sprint(pages[1]) {
			t.Error("before=2 is not page 2")
		}
		var past pageJSON
		c.do("GET", "/studio-pro/my?limit=20&after=9", "").JSON(t, &past)
		if len(past.Data) != 0 || fmt.Sprint(past.Paging) != "map[before:8]" {
			t.Errorf("past the end: %+v", past)
		}
	})
}

func TestMovikaErrors(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := newMovika(t, s, "ann")
		bob := newMovika(t, s, "bob")
		cat := newMovika(t, s, "cat")
		s.CLI("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		teamProject := s.Create(c.token, `{"name":"team","workspace":"team"}`)
		private := s.Create(c.token, `{"name":"private"}`)
		movikaError(t, c.do("GET", "/studio-pro/my", "", "Api-Key", ""), 401, 16000, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/my", "", "Api-Key", "ak_unknown"), 401, 16000, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/my", "", "Api-Version", "1.0"), 400, 16000, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/my", "", "Authorization", ""), 401, 16000, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/my", "", "Authorization", "Bearer pd_unknown"), 401, 16000, "studio-pro")
		if r := c.do("GET", "/studio-pro/my", "", "Api-Version", ""); r.StatusCode != 400 {
			t.Errorf("an empty Api-Version: %d", r.StatusCode)
		}
		noVersion := movikaClient{s: s, appKey: c.appKey, token: c.token}
		if r := s.Do("GET", "/studio-pro/my", "", "", "Api-Key", noVersion.appKey, "Authorization", "Bearer "+c.token); r.StatusCode != 200 {
			t.Errorf("no Api-Version means 2.0: %d", r.StatusCode)
		}
		for _, q := range []string{"limit=-1", "limit=0", "limit=101", "limit=x", "after=0", "after=x", "before=-2", "after=2&before=1", "page=2", "limit=1&limit=2"} {
			movikaError(t, c.do("GET", "/studio-pro/my?"+q, ""), 400, 16000, "studio-pro")
		}
		movikaError(t, c.do("GET", fmt.Sprintf("/studio-pro/%d", private.ID), "", "Authorization", "Bearer "+bob.token), 404, 16003, "studio-pro")
		movikaError(t, c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), "", "Authorization", "Bearer "+bob.token), 403, 16001, "studio-pro")
		movikaError(t, c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), "", "Authorization", "Bearer "+cat.token), 404, 16003, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/999999", ""), 404, 16003, "studio-pro")
		movikaError(t, c.do("GET", "/studio-pro/abc", ""), 404, 16003, "studio-pro")
		if r := c.do("GET", fmt.Sprintf("/studio-pro/%d", teamProject.ID), ""); r.StatusCode != 200 {
			t.Fatalf("the author: %d", r.StatusCode)
		}
		// bob's list holds only what bob authored, not the team's projects.
		var mine struct{ Data []any }
		bob.do("GET", "/studio-pro/my", "").JSON(t, &mine)
		if len(mine.Data) != 0 {
			t.Errorf("bob lists %d projects he did not author", len(mine.Data))
		}
		// ext.movika is checked on native writes.
		for field, ext := range map[string]string{
			"buildStatus": `{"buildStatus":4}`, "deployedTo": `{"deployedTo":[3]}`, "cover": `{"cover":"not a uri"}`,
			"modified": `{"modified":"no"}`, "lastDeployType": `{"lastDeployType":1.5}`, "colour": `{"colour":1}`,
			"lastBuildStatus": `{"lastBuildStatus":1e0}`, "deployStatus": `{"deployStatus":"2"}`,
		} {
			s.Do("POST", "/api/projects", c.token, `{"name":"x","ext":{"movika":`+ext+`}}`).WantProblem(t, 400, "ext.movika."+field)
		}
	})
}

func TestMovikaAccounts(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		c := newMovika(t, s, "ann")
		s.Create(c.token, `{"name":"mine"}`)
		var ann struct{ ID int64 }
		s.Do("GET", "/api/me", c.token, "").JSON(t, &struct{ User any }{&ann})
		code := strings.TrimSpace(s.CLI("authcode", "create", "--login", "ann"))
		anon := movikaClient{s: s, appKey: c.appKey}
		r := anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`)
		var sess struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
			UID          int64  `json:"uid"`
		}
		r.JSON(t, &sess)
		if r.StatusCode != 200 || sess.AccessToken == "" || sess.RefreshToken == "" || sess.UID != ann.ID {
			t.Fatalf("session: %d %s", r.StatusCode, r.Body)
		}
		viaSession := movikaClient{s: s, appKey: c.appKey, token: sess.AccessToken}
		var mine struct{ Data []any }
		viaSession.do("GET", "/studio-pro/my", "").JSON(t, &mine)
		if len(mine.Data) != 1 {
			t.Fatalf("the session's token lists %d", len(mine.Data))
		}
		// A code works once.
		movikaError(t, anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`), 401, 1000, "accounts")
		movikaError(t, anon.do("POST", "/accounts/identity/session", `{"auth_code":"ac_unknown"}`), 401, 1000, "accounts")
		movikaError(t, anon.do("POST", "/accounts/identity/session", `{}`), 400, 1000, "accounts")
		movikaError(t, anon.do("POST", "/accounts/identity/session", `{"auth_code":"x","extra":1}`), 400, 1000, "accounts")
		movikaError(t, anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+code+`"}`, "Api-Key", "ak_unknown"), 401, 1000, "accounts")
		// Refresh rotates both credentials.
		r = anon.do("POST", "/accounts/token", `{"grantType":"session","refreshToken":"`+sess.RefreshToken+`"}`)
		var next struct {
			AccessToken  string `json:"accessToken"`
			RefreshToken string `json:"refreshToken"`
			UID          int64  `json:"uid"`
		}
		r.JSON(t, &next)
		if r.StatusCode != 200 || next.AccessToken == sess.AccessToken || next.RefreshToken == sess.RefreshToken || next.UID != ann.ID {
			t.Fatalf("refresh: %d %s", r.StatusCode, r.Body)
		}
		movikaError(t, viaSession.do("GET", "/studio-pro/my", ""), 401, 16000, "studio-pro")
		movikaError(t, anon.do("POST", "/accounts/token", `{"grantType":"session","refreshToken":"`+sess.RefreshToken+`"}`), 401, 1000, "accounts")
		movikaError(t, anon.do("POST", "/accounts/token", `{"grantType":"password","refreshToken":"`+next.RefreshToken+`"}`), 400, 1000, "accounts")
		if r := (movikaClient{s: s, appKey: c.appKey, token: next.AccessToken}).do("GET", "/studio-pro/my", ""); r.StatusCode != 200 {
			t.Fatalf("the refreshed token: %d", r.StatusCode)
		}
		// The native API issues codes for the caller.
		r = s.Do("POST", "/api/authcodes", c.token, "")
		var issued struct {
			AuthCode  string    `json:"auth_code"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		r.JSON(t, &issued)
		if r.StatusCode != 201 || time.Until(issued.ExpiresAt) > 11*time.Minute || time.Until(issued.ExpiresAt) < 9*time.Minute {
			t.Fatalf("native auth code: %d %s", r.StatusCode, r.Body)
		}
		if r := anon.do("POST", "/accounts/identity/session", `{"auth_code":"`+issued.AuthCode+`"}`); r.StatusCode != 200 {
			t.Fatalf("exchange a native code: %d", r.StatusCode)
		}
	})
}

func TestMovikaDemoLine(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--demo")
	m := regexp.MustCompile(`curl -s -H 'Authorization: Bearer (\S+)' -H 'Api-Key: (\S+)' -H 'Api-Version: 2.0' '(\S+/studio-pro/my\S*)'`).FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("no Movika curl line in:\n%s", s.Stdout.String())
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
