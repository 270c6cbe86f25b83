package main

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
)

// tolokaSeedProject is the project of the seed's example response
// (shared/seeds/yandex-tasks-projects.md), as a client would send it.
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
func (s *server) toloka(method, path, token, body string) *response {
	s.t.Helper()
	var headers []string
	if token != "" {
		headers = []string{"Authorization", "OAuth " + token}
	}
	return s.do(method, path, "", body, headers...)
}

// tolokaError checks an error answer of the surface and returns its payload.
func (r *response) tolokaError(t *testing.T, status int, code string) map[string]struct{ Code, Message string } {
	t.Helper()
	var e struct {
		RequestID string                                    `json:"request_id"`
		Code      string                                    `json:"code"`
		Message   string                                    `json:"message"`
		Payload   map[string]struct{ Code, Message string } `json:"payload"`
	}
	r.json(t, &e)
	if r.StatusCode != status || e.Code != code || e.Message == "" || e.RequestID == "" {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.body, status, code)
	}
	return e.Payload
}

// orderedKeys returns the keys of a JSON object in document order.
func orderedKeys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for d.More() {
		tok, _ := d.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		d.Decode(&skip)
	}
	return keys
}

// sameShape compares two JSON values key by key and type by type (values too, unless a
// key is in free, whose values the server chooses).
func sameShape(t *testing.T, path string, got, want any, free map[string]bool) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want an object", path, got)
			return
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				t.Errorf("%s.%s is missing", path, k)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s.%s is extra", path, k)
			}
		}
		for k, wv := range w {
			if free[path+"."+k] {
				if fmt.Sprintf("%T", g[k]) != fmt.Sprintf("%T", wv) {
					t.Errorf("%s.%s: got %T, want %T", path, k, g[k], wv)
				}
				continue
			}
			sameShape(t, path+"."+k, g[k], wv, free)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %d items", path, got, len(w))
			return
		}
		for i := range w {
			sameShape(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[i], free)
		}
	default:
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) || got != want {
			t.Errorf("%s: got %#v, want %#v", path, got, want)
		}
	}
}

func TestTolokaSeedExample(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		r := s.toloka("POST", "/api/v1/projects", ann, tolokaSeedProject)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("create: %d %s", r.StatusCode, r.body)
		}
		s.toloka("POST", "/api/v1/projects", ann, tolokaSeedProject) // a second, so has_more is true
		r = s.toloka("GET", "/api/v1/projects?sort=id&limit=1", ann, "")
		var got, want map[string]any
		r.json(t, &got)
		json.Unmarshal([]byte(tolokaSeedResponse), &want)
		sameShape(t, "", got, want, map[string]bool{".items[0].id": true, ".items[0].owner.id": true, ".items[0].created": true})
		// Keys in the seed's order, and the server's values in the seed's formats.
		var page struct {
			Items []json.RawMessage `json:"items"`
		}
		r.json(t, &page)
		var seedPage struct {
			Items []json.RawMessage `json:"items"`
		}
		json.Unmarshal([]byte(tolokaSeedResponse), &seedPage)
		if g, w := orderedKeys(t, page.Items[0]), orderedKeys(t, seedPage.Items[0]); !slices.Equal(g, w) {
			t.Errorf("key order\n got %v\nwant %v", g, w)
		}
		item := got["items"].([]any)[0].(map[string]any)
		if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(item["id"].(string)) ||
			!regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(item["owner"].(map[string]any)["id"].(string)) ||
			!regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$`).MatchString(item["created"].(string)) {
			t.Errorf("id, owner.id or created in the wrong format: %v", item)
		}
		// Another user sees the owner as not themselves.
		ada := s.user("ada", true)
		var adaPage struct {
			Items []struct {
				Owner struct{ Myself bool } `json:"owner"`
			} `json:"items"`
		}
		s.toloka("GET", "/api/v1/projects", ada, "").json(t, &adaPage)
		if len(adaPage.Items) != 2 || adaPage.Items[0].Owner.Myself {
			t.Errorf("admin view: %+v", adaPage)
		}
		// The seed's two curl examples, as written.
		for _, q := range []string{"?status=ACTIVE&created_gte=2021-12-01", "?sort=id&limit=10"} {
			var p struct {
				Items   []any `json:"items"`
				HasMore bool  `json:"has_more"`
			}
			r := s.toloka("GET", "/api/v1/projects"+q, ann, "")
			r.json(t, &p)
			if r.StatusCode != 200 || len(p.Items) != 2 || p.HasMore {
				t.Errorf("%s: %d %s", q, r.StatusCode, r.body)
			}
		}
	})
}

func TestTolokaListParameters(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		bob := s.user("bob", false)
		ada := s.user("ada", true)
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
			s.toloka("POST", "/api/v1/projects", token, body).json(t, &p)
			if i%4 == 1 {
				if r := s.toloka("POST", "/api/v1/projects/"+p.ID+"/archive", token, ""); r.StatusCode != 202 {
					t.Fatalf("archive: %d %s", r.StatusCode, r.body)
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
			r := s.toloka("GET", "/api/v1/projects?"+tc.query, ada, "")
			r.json(t, &page)
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

