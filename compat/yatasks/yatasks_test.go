package yatasks_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"projectd/internal/cli"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// tolokaSeedProject is the project of the seed's example response
// (the public project-list page of the Toloka API), as a client would send it.
const tolokaSeedProject = `{
  "public_name": "Elephant color",
  "public_description": "What color is the elephant in the picture?",
  "public_instructions": "<p>Look at the picture and decide what color the elephant is.</p> You can zoom in or out using the buttons:</p> <img src=\"disc/img1.png>\"",
  "private_comment": "My first project",
  "task_spec": {"input_spec": {"image": {"type": "URL", "required": true, "hidden": false}},
    "output_spec": {"result": {"type": "string", "required": true, "hidden": false}},
    "view_spec": {"assets": {"script_urls": ["library1.js", "library2.js"]}, "markup": "<task interface code>",
      "script": "<JavaScript code>", "styles": "<CSS code>",
      "settings": {"showSkip": true, "showTimer": true, "showTitle": true, "showSubmit": true, "showFullscreen": true,
        "showInstructions": true, "showFinish": true, "showMessage": true, "showReward": true}}},
  "assignments_issuing_type": "AUTOMATED",
  "assignments_automerge_enabled": false,
  "max_active_assignments_count": 15,
  "quality_control": {"configs": [{"collector_config": {"type": "SKIPPED_IN_ROW_ASSIGNMENTS"},
    "rules": [{"conditions": [{"key": "skipped_in_row_count", "operator": "GTE", "value": 10}],
      "action": {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "Skipped more than 10 task suites in a row"}}}]}]},
  "localization_config": {"default_language": "EN"}
}`

// tolokaSeedResponse is the seed's example response, verbatim.
const tolokaSeedResponse = `{"items": [{"id": "83859", "public_name": "Elephant color",
  "public_description": "What color is the elephant in the picture?",
  "public_instructions": "<p>Look at the picture and decide what color the elephant is.</p> You can zoom in or out using the buttons:</p> <img src=\"disc/img1.png>\"",
  "private_comment": "My first project",
  "task_spec": {"input_spec": {"image": {"type": "URL", "required": true, "hidden": false}},
    "output_spec": {"result": {"type": "string", "required": true, "hidden": false}},
    "view_spec": {"assets": {"script_urls": ["library1.js", "library2.js"]}, "markup": "<task interface code>",
      "script": "<JavaScript code>", "styles": "<CSS code>",
      "settings": {"showSkip": true, "showTimer": true, "showTitle": true, "showSubmit": true, "showFullscreen": true,
        "showInstructions": true, "showFinish": true, "showMessage": true, "showReward": true}}},
  "assignments_issuing_type": "AUTOMATED", "assignments_automerge_enabled": false, "max_active_assignments_count": 15,
  "quality_control": {"configs": [{"collector_config": {"type": "SKIPPED_IN_ROW_ASSIGNMENTS"},
    "rules": [{"conditions": [{"key": "skipped_in_row_count", "operator": "GTE", "value": 10}],
      "action": {"type": "REJECT_ALL_ASSIGNMENTS", "parameters": {"public_comment": "Skipped more than 10 task suites in a row"}}}]}]},
  "localization_config": {"default_language": "EN"},
  "owner": {"id": "6c6e20dc86cca2ae787afcb2629de162", "myself": true},
  "status": "ACTIVE", "created": "2022-01-22T07:50:14.210"}], "has_more": true}`

// tolokaRequest sends a request with Authorization: OAuth, as the seed's curl lines do.
func toloka(s *testserver.Server, method, path, token, body string) *testserver.Response {
	s.T.Helper()
	var headers []string
	if token != "" {
		headers = []string{"Authorization", "OAuth " + token}
	}
	return s.Do(method, path, "", body, headers...)
}

// tolokaError checks an error answer of the surface and returns its payload.
func tolokaError(t *testing.T, r *testserver.Response, status int, code string) map[string]struct{ Code, Message string } {
	t.Helper()
	var e struct {
		RequestID string                                    `json:"request_id"`
		Code      string                                    `json:"code"`
		Message   string                                    `json:"message"`
		Payload   map[string]struct{ Code, Message string } `json:"payload"`
	}
	r.JSON(t, &e)
	if r.StatusCode != status || e.Code != code || e.Message == "" || e.RequestID == "" {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.Body, status, code)
	}
	return e.Payload
}

func TestTolokaSeedExample(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		r := toloka(s, "POST", "/api/v1/projects", ann, tolokaSeedProject)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		toloka(s, "POST", "/api/v1/projects", ann, tolokaSeedProject) // a second, so has_more is true
		r = toloka(s, "GET", "/api/v1/projects?sort=id&limit=1", ann, "")
		var got, want map[string]any
		r.JSON(t, &got)
		json.Unmarshal([]byte(tolokaSeedResponse), &want)
		testserver.SameShape(t, "", got, want, map[string]bool{".items[0].id": true, ".items[0].owner.id": true, ".items[0].created": true})
		// Keys in the seed's order, and the server's values in the seed's formats.
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		r.JSON(t, &page)
		var seedPage struct {
			Items []json.RawMessage `json:"items"`
		}
		json.Unmarshal([]byte(tolokaSeedResponse), &seedPage)
		if g, w := testserver.OrderedKeys(t, page.Items[0]), testserver.OrderedKeys(t, seedPage.Items[0]); !slices.Equal(g, w) {
			t.Errorf("key order\n got %v\nwant %v", g, w)
		}
		item := got["items"].([]any)[0].(map[string]any)
		if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(item["id"].(string)) ||
			!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(item["owner"].(map[string]any)["id"].(string)) ||
			!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$`).MatchString(item["created"].(string)) {
			t.Errorf("id, owner.id or created in the wrong format: %v", item)
		}
		// Another user sees the owner as not themselves.
		ada := s.User("ada", true)
		var adaPage struct {
			Items []struct {
				Owner struct{ Myself bool } `json:"owner"`
			} `json:"items"`
		}
		toloka(s, "GET", "/api/v1/projects", ada, "").JSON(t, &adaPage)
		if len(adaPage.Items) != 2 || adaPage.Items[0].Owner.Myself {
			t.Errorf("admin view: %+v", adaPage)
		}
		// The seed's two curl examples, as written.
		for _, q := range []string{"?status=ACTIVE&created_gte=2021-12-01", "?sort=id&limit=10"} {
			var p struct {
				Items   []any `json:"items"`
				HasMore bool  `json:"has_more"`
			}
			r := toloka(s, "GET", "/api/v1/projects"+q, ann, "")
			r.JSON(t, &p)
			if r.StatusCode != 200 || len(p.Items) != 2 || p.HasMore {
				t.Errorf("%s: %d %s", q, r.StatusCode, r.Body)
			}
		}
	})
}

func TestTolokaListParameters(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		bob := s.User("bob", false)
		ada := s.User("ada", true)
		type proj struct {
			ID             string `json:"id"`
			PublicName     string `json:"public_name"`
			PrivateComment string `json:"private_comment"`
			Status         string `json:"status"`
			Created        string `json:"created"`
			Owner          struct {
				ID string `json:"id"`
			} `json:"owner"`
		}
		var all []proj
		for i := 0; i < 12; i++ {
			token := ann
			if i%3 == 0 {
				token = bob
			}
			body := fmt.Sprintf(`{"public_name":"p%c","public_description":"d","private_comment":"c%d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, 'a'+(11-i), i%4)
			var p proj
			time.Sleep(2 * time.Millisecond) // distinct creation times, to the millisecond shown
			toloka(s, "POST", "/api/v1/projects", token, body).JSON(t, &p)
			if i%4 == 1 {
				if r := toloka(s, "POST", "/api/v1/projects/"+p.ID+"/archive", token, ""); r.StatusCode != 202 {
					t.Fatalf("archive: %d %s", r.StatusCode, r.Body)
				}
				p.Status = "ARCHIVED"
			}
			all = append(all, p)
		}
		ids := func(ps []proj) []string {
			var out []string
			for _, p := range ps {
				out = append(out, p.ID)
			}
			return out
		}
		pick := func(keep func(i int, p proj) bool) []proj {
			var out []proj
			for i, p := range all {
				if keep(i, p) {
					out = append(out, p)
				}
			}
			return out
		}
		at := func(idx ...int) []proj {
			var out []proj
			for _, i := range idx {
				out = append(out, all[i])
			}
			return out
		}
		bobID := all[0].Owner.ID
		for _, tc := range []struct {
			query string
			want  []proj
		}{
			{"", all},
			{"status=ACTIVE", pick(func(i int, p proj) bool { return p.Status == "ACTIVE" })},
			{"status=ARCHIVED", pick(func(i int, p proj) bool { return p.Status == "ARCHIVED" })},
			{"owner=" + bobID, pick(func(i int, p proj) bool { return i%3 == 0 })},
			{"owner=" + strings.ToUpper(bobID), pick(func(i int, p proj) bool { return i%3 == 0 })},
			{"owner=00000000000000000000000000000000", nil},
			{"id_gt=" + all[3].ID, all[4:]},
			{"id_gte=" + all[3].ID, all[3:]},
			{"id_lt=" + all[3].ID, all[:3]},
			{"id_lte=" + all[3].ID, all[:4]},
			{"created_gt=" + url.QueryEscape(all[5].Created), all[6:]},
			{"created_gte=" + all[5].Created, all[5:]},
			{"created_lt=" + all[5].Created, all[:5]},
			{"created_lte=" + all[5].Created + "Z", all[:6]},
			{"created_gte=2000-01-01&created_lt=2999-01-01", all},
			{"limit=5", all[:5]},
			{"sort=-id&limit=3", []proj{all[11], all[10], all[9]}},
			{"sort=public_name", at(11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)},
			{"sort=private_comment,-created", at(8, 4, 0, 9, 5, 1, 10, 6, 2, 11, 7, 3)},
			{"sort=-private_comment,id", at(3, 7, 11, 2, 6, 10, 1, 5, 9, 0, 4, 8)},
			{"sort=created", all},
			// 3 and 6 are bob's and active (9 is archived).
			{"status=ACTIVE&owner=" + bobID + "&sort=-id&id_gt=" + all[0].ID, at(6, 3)},
		} {
			var page struct {
				Items   []proj `json:"items"`
				HasMore bool   `json:"has_more"`
			}
			r := toloka(s, "GET", "/api/v1/projects?"+tc.query, ada, "")
			r.JSON(t, &page)
			want := ids(tc.want)
			if r.StatusCode != 200 || !slices.Equal(ids(page.Items), want) {
				t.Errorf("%s: %d got %v, want %v", tc.query, r.StatusCode, ids(page.Items), want)
			}
			if wantMore := tc.query == "limit=5" || tc.query == "sort=-id&limit=3"; page.HasMore != wantMore {
				t.Errorf("%s: has_more %v", tc.query, page.HasMore)
			}
		}
	})
}

func TestTolokaPagingLoop(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ada := s.User("ada", true)
		var out strings.Builder
		if err := cli.Run(t.Context(), []string{"seed", "--users", "20", "--workspaces", "3", "--projects", "3000"}, s.Getenv, nil, &out, &out); err != nil {
			t.Fatal(err)
		}
		// As toloka-kit pages: sort=id, then id_gt=<last id> until has_more is false, with
		// the default limit and with an explicit one.
		for _, limit := range []string{"", "&limit=300"} {
			seen := map[string]bool{}
			last, pages := "", 0
			for {
				q := "sort=id" + limit
				if last != "" {
					q += "&id_gt=" + last
				}
				var page struct {
					Items []struct {
						ID string `json:"id"`
					} `json:"items"`
					HasMore bool `json:"has_more"`
				}
				toloka(s, "GET", "/api/v1/projects?"+q, ada, "").JSON(t, &page)
				pages++
				for _, p := range page.Items {
					if seen[p.ID] {
						t.Fatalf("project %s seen twice", p.ID)
					}
					seen[p.ID] = true
					last = p.ID
				}
				if !page.HasMore {
					break
				}
			}
			wantPages := 150
			if limit != "" {
				wantPages = 10
			}
			if len(seen) != 3000 || pages != wantPages {
				t.Fatalf("limit %q: %d projects in %d pages", limit, len(seen), pages)
			}
		}
	})
}

func TestTolokaErrors(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		bob := s.User("bob", false)
		s.CLI("workspace", "create", "--name", "team", "--owner", "ann", "--member", "bob")
		var p struct {
			ID string `json:"id"`
		}
		toloka(s, "POST", "/api/v1/projects", ann, tolokaSeedProject).JSON(t, &p)
		// Authentication.
		tolokaError(t, toloka(s, "GET", "/api/v1/projects", "", ""), 401, "AUTHENTICATION_ERROR")
		tolokaError(t, toloka(s, "GET", "/api/v1/projects", "pd_unknown", ""), 401, "AUTHENTICATION_ERROR")
		for _, scheme := range []string{"ApiKey ", "Bearer "} {
			if r := s.Do("GET", "/api/v1/projects", "", "", "Authorization", scheme+ann); r.StatusCode != 200 {
				t.Fatalf("%s: %d", scheme, r.StatusCode)
			}
		}
		// Every parameter, one bad value at a time.
		for _, tc := range []struct{ query, field, code string }{
			{"status=DELETED", "status", "UNKNOWN_ENUM_VALUE"},
			{"status=active", "status", "UNKNOWN_ENUM_VALUE"},
			{"owner=ann", "owner", "INVALID_VALUE"},
			{"sort=owner", "sort", "UNKNOWN_ENUM_VALUE"},
			{"sort=id,id", "sort", "UNKNOWN_ENUM_VALUE"},
			{"sort=", "sort", "UNKNOWN_ENUM_VALUE"},
			{"limit=301", "limit", "VALUE_GREATER_THAN_MAX"},
			{"limit=0", "limit", "VALUE_LESS_THAN_MIN"},
			{"limit=-1", "limit", "VALUE_LESS_THAN_MIN"},
			{"limit=ten", "limit", "INVALID_NUMBER"},
			{"id_gt=abc", "id_gt", "INVALID_NUMBER"},
			{"id_gte=1.5", "id_gte", "INVALID_NUMBER"},
			{"id_lt=", "id_lt", "INVALID_NUMBER"},
			{"id_lte=9999999999999999999999", "id_lte", "INVALID_NUMBER"},
			{"created_gt=yesterday", "created_gt", "INVALID_DATE_TIME_SYNTAX"},
			{"created_gte=2021-13-01", "created_gte", "INVALID_DATE_TIME_SYNTAX"},
			{"created_lt=2021-12-01T25:00:00", "created_lt", "INVALID_DATE_TIME_SYNTAX"},
			{"created_lte=01.12.2021", "created_lte", "INVALID_DATE_TIME_SYNTAX"},
			{"colour=red", "colour", "UNKNOWN_FIELD"},
			{"limit=5&limit=6", "limit", "INVALID_VALUE"},
		} {
			payload := tolokaError(t, toloka(s, "GET", "/api/v1/projects?"+tc.query, ann, ""), 400, "VALIDATION_ERROR")
			if payload[tc.field].Code != tc.code || payload[tc.field].Message == "" {
				t.Errorf("%s: payload %+v, want %s %s", tc.query, payload, tc.field, tc.code)
			}
		}
		// Bodies.
		valid := `"public_name":"x","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"`
		for _, tc := range []struct{ body, field, code string }{
			{`{"public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, "public_name", "VALUE_REQUIRED"},
			{`{"public_name":"x","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, "public_description", "VALUE_REQUIRED"},
			{`{"public_name":"x","public_description":"d","assignments_issuing_type":"AUTOMATED"}`, "task_spec", "VALUE_REQUIRED"},
			{`{"public_name":"x","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}}}`, "assignments_issuing_type", "VALUE_REQUIRED"},
			{`{` + valid + `,"colour":"red"}`, "colour", "UNKNOWN_FIELD"},
			{`{"public_name":"` + strings.Repeat("n", 257) + `","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, "public_name", "VALUE_GREATER_THAN_MAX"},
			{`{"public_name":7,"public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, "public_name", "INVALID_VALUE"},
			{`{"public_name":"x","public_description":"d","task_spec":{"input_spec":{}},"assignments_issuing_type":"AUTOMATED"}`, "task_spec", "VALUE_REQUIRED"},
			{`{"public_name":"x","public_description":"d","task_spec":[],"assignments_issuing_type":"AUTOMATED"}`, "task_spec", "INVALID_VALUE"},
			{`{"public_name":"x","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"MANUAL"}`, "assignments_issuing_type", "UNKNOWN_ENUM_VALUE"},
			{`{` + valid + `,"max_active_assignments_count":"many"}`, "max_active_assignments_count", "INVALID_NUMBER"},
			{`{` + valid + `,"max_active_assignments_count":0}`, "max_active_assignments_count", "VALUE_LESS_THAN_MIN"},
			{`{` + valid + `,"assignments_automerge_enabled":"yes"}`, "assignments_automerge_enabled", "INVALID_VALUE"},
			{`{` + valid + `,"quality_control":[]}`, "quality_control", "INVALID_VALUE"},
			{`{` + valid + `,"private_comment":1}`, "private_comment", "INVALID_VALUE"},
			{`{` + valid + `,"sensitive":1}`, "sensitive", "INVALID_VALUE"},
			{`{"public_name":`, "body", "INVALID_VALUE"},
			{`[]`, "body", "INVALID_VALUE"},
		} {
			payload := tolokaError(t, toloka(s, "POST", "/api/v1/projects", ann, tc.body), 400, "VALIDATION_ERROR")
			if payload[tc.field].Code != tc.code {
				t.Errorf("%s: payload %+v, want %s %s", tc.body, payload, tc.field, tc.code)
			}
		}
		// Read-only fields are ignored, not rejected, as toloka-kit sends them back.
		r := toloka(s, "POST", "/api/v1/projects", ann, `{`+valid+`,"id":"1","owner":{"id":"x","myself":false},"status":"ARCHIVED","created":"2020-01-01T00:00:00"}`)
		var created struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		r.JSON(t, &created)
		if r.StatusCode != 201 || created.Status != "ACTIVE" || created.ID == "1" {
			t.Fatalf("create with read-only fields: %d %s", r.StatusCode, r.Body)
		}
		r = s.Do("POST", "/api/v1/projects", "", "{"+valid+"}", "Authorization", "OAuth "+ann, "Content-Type", "text/plain")
		tolokaError(t, r, 415, "UNSUPPORTED_MEDIA_TYPE")
		// Not found, forbidden, conflicts.
		for _, id := range []string{"999999", "abc", "0", "-1"} {
			tolokaError(t, toloka(s, "GET", "/api/v1/projects/"+id, ann, ""), 404, "DOES_NOT_EXIST")
		}
		tolokaError(t, toloka(s, "GET", "/api/v1/projects/"+p.ID, s.User("cat", false), ""), 404, "DOES_NOT_EXIST")
		var moved struct {
			Workspace *string `json:"workspace"`
		}
		s.Do("PATCH", "/api/projects/"+p.ID, ann, `{"workspace":"team"}`).JSON(t, &moved)
		if r := toloka(s, "GET", "/api/v1/projects/"+p.ID, bob, ""); r.StatusCode != 200 {
			t.Fatalf("bob, a workspace member, cannot see the project: %d", r.StatusCode)
		}
		tolokaError(t, toloka(s, "PUT", "/api/v1/projects/"+p.ID, bob, "{"+valid+"}"), 403, "ACCESS_DENIED")
		tolokaError(t, toloka(s, "POST", "/api/v1/projects/"+p.ID+"/archive", bob, ""), 403, "ACCESS_DENIED")
		// Replace: fields left out are removed, the rest replaced.
		r = toloka(s, "PUT", "/api/v1/projects/"+p.ID, ann, `{`+valid+`,"private_comment":"new"}`)
		var replaced map[string]any
		r.JSON(t, &replaced)
		if r.StatusCode != 200 || replaced["public_name"] != "x" || replaced["private_comment"] != "new" || replaced["quality_control"] != nil {
			t.Fatalf("replace: %d %s", r.StatusCode, r.Body)
		}
		r = toloka(s, "POST", "/api/v1/projects/"+p.ID+"/archive", ann, "")
		var op map[string]any
		r.JSON(t, &op)
		if r.StatusCode != 202 || op["type"] != "PROJECT.ARCHIVE" || op["status"] != "SUCCESS" || op["progress"] != float64(100) ||
			op["parameters"].(map[string]any)["project_id"] != p.ID {
			t.Fatalf("archive: %d %s", r.StatusCode, r.Body)
		}
		tolokaError(t, toloka(s, "POST", "/api/v1/projects/"+p.ID+"/archive", ann, ""), 409, "INAPPROPRIATE_STATUS")
		var again map[string]any
		toloka(s, "GET", "/api/v1/operations/"+op["id"].(string), ann, "").JSON(t, &again)
		if fmt.Sprint(again) != fmt.Sprint(op) {
			t.Fatalf("operation read back as %v, want %v", again, op)
		}
		tolokaError(t, toloka(s, "GET", "/api/v1/operations/"+op["id"].(string), bob, ""), 404, "DOES_NOT_EXIST")
		var archived struct{ Status string }
		toloka(s, "GET", "/api/v1/projects/"+p.ID, ann, "").JSON(t, &archived)
		if archived.Status != "ARCHIVED" {
			t.Fatalf("status after archive: %s", archived.Status)
		}
		// ext.tasks is checked on native writes too.
		s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"tasks":{"max_active_assignments_count":"many"}}}`).
			WantProblem(t, 400, "ext.tasks.max_active_assignments_count")
		s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"tasks":{"colour":1}}}`).WantProblem(t, 400, "ext.tasks.colour")
	})
}

func TestTolokaDemoLine(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--demo")
	m := regexp.MustCompile(`curl -s -H 'Authorization: OAuth (\S+)' '(\S+/api/v1/projects\S*)'`).FindStringSubmatch(s.Stdout.String())
	if m == nil {
		t.Fatalf("no Toloka curl line in:\n%s", s.Stdout.String())
	}
	req, _ := http.NewRequest("GET", m[2], nil)
	req.Header.Set("Authorization", "OAuth "+m[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var page struct {
		Items []struct {
			TaskSpec struct {
				ViewSpec struct{ Type string } `json:"view_spec"`
			} `json:"task_spec"`
			QualityControl map[string]any `json:"quality_control"`
		} `json:"items"`
	}
	json.NewDecoder(resp.Body).Decode(&page)
	found := false
	for _, p := range page.Items {
		found = found || (p.TaskSpec.ViewSpec.Type == "classic" && p.QualityControl != nil)
	}
	if resp.StatusCode != 200 || !found {
		t.Fatalf("the demo line answered %d with %+v", resp.StatusCode, page)
	}
}

func TestTolokaRateLimit(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t), "--rate-limit", "3")
	ann, bob := s.User("ann", false), s.User("bob", false)
	for i := 0; i < 3; i++ {
		if r := toloka(s, "GET", "/api/v1/projects", ann, ""); r.StatusCode != 200 {
			t.Fatalf("request %d: %d", i+1, r.StatusCode)
		}
	}
	r := toloka(s, "GET", "/api/v1/projects", ann, "")
	var e struct {
		RequestID string            `json:"request_id"`
		Code      string            `json:"code"`
		Payload   map[string]string `json:"payload"`
	}
	r.JSON(t, &e)
	if r.StatusCode != 429 || e.Code != "TOO_MANY_REQUESTS" || e.RequestID == "" || e.Payload["interval"] != "MIN" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("got %d %s, Retry-After %q", r.StatusCode, r.Body, r.Header.Get("Retry-After"))
	}
	if r := toloka(s, "GET", "/api/v1/projects", bob, ""); r.StatusCode != 200 {
		t.Fatalf("another user was limited: %d", r.StatusCode)
	}
}
