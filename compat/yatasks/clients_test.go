package yatasks_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"projectd/internal/testserver"
)

// What toloka-kit 1.2.3 sends, replayed as it sends it (src/client/__init__.py): its
// headers on every request, bodies with every attribute it holds (read-only ones sent
// back on update), sort as a comma-joined string, datetimes as naive UTC isoformat with
// microseconds, and paging by sort=id and id_gt of the last item. On any non-2xx answer
// it reads "code" from the JSON body to pick its exception class.

// tolokaKit sends a request with toloka-kit's headers (httpx's defaults included).
func tolokaKit(s *testserver.Server, method, path, token, body string) *testserver.Response {
	s.T.Helper()
	headers := []string{"Authorization", "OAuth " + token, "User-Agent", "python-toloka-client-1.2.3",
		"Accept", "*/*", "Accept-Encoding", "gzip, deflate", "Connection", "keep-alive"}
	return s.Do(method, path, "", body, headers...)
}

// tolokaKitProject is a project as toloka-kit unstructures it: every attribute set,
// view_spec typed as its classes write it.
const tolokaKitProject = `{"public_name": "Cats", "public_description": "Is it a cat?",
 "task_spec": {"input_spec": {"image": {"type": "url", "required": true, "hidden": false}},
  "output_spec": {"result": {"type": "boolean", "required": true, "hidden": false}},
  "view_spec": {"settings": {"showSkip": true, "showTimer": false}, "type": "classic", "markup": "{{img src=image}}", "script": "exports.Task = 1;"}},
 "assignments_issuing_type": "AUTOMATED", "assignments_automerge_enabled": false,
 "max_active_assignments_count": 10, "metadata": {"team": ["vision"]},
 "public_instructions": "Look closely", "private_comment": "toloka-kit",
 "localization_config": {"default_language": "EN", "additional_languages": []}}`

func TestTolokaKitReplay(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		// create_project, then update_project with what get_project returned.
		var p map[string]any
		created := tolokaKit(s, "POST", "/api/v1/projects", ann, tolokaKitProject)
		if created.StatusCode != 201 {
			t.Fatalf("create: %d %s", created.StatusCode, created.Body)
		}
		created.JSON(t, &p)
		id := p["id"].(string)
		p["public_name"] = "Cats and dogs"
		back := mustJSON(t, p)
		if r := tolokaKit(s, "PUT", "/api/v1/projects/"+id, ann, back); r.StatusCode != 200 || !strings.Contains(string(r.Body), "Cats and dogs") {
			t.Fatalf("update with the read-only fields sent back: %d %s", r.StatusCode, r.Body)
		}
		// find_projects(status='ACTIVE', sort=['-created', 'id'], limit=2, created_gte=<datetime>).
		since := url.QueryEscape(time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04:05.000000"))
		var page struct {
			Items   []map[string]any `json:"items"`
			HasMore bool             `json:"has_more"`
		}
		tolokaKit(s, "GET", "/api/v1/projects?status=ACTIVE&created_gte="+since+"&sort=-created%2Cid&limit=2", ann, "").JSON(t, &page)
		if len(page.Items) != 1 || page.Items[0]["id"] != id || page.HasMore {
			t.Fatalf("find_projects: %+v", page)
		}
		// archive_project: POST without a body, then wait_operation polls the operation.
		for range 4 {
			var more map[string]any
			tolokaKit(s, "POST", "/api/v1/projects", ann, tolokaKitProject).JSON(t, &more)
			if r := tolokaKit(s, "POST", "/api/v1/projects/"+more["id"].(string)+"/archive", ann, ""); r.StatusCode != 202 {
				t.Fatalf("archive: %d %s", r.StatusCode, r.Body)
			}
		}
		var op map[string]any
		tolokaKit(s, "POST", "/api/v1/projects/"+id+"/archive", ann, "").JSON(t, &op)
		opID := op["id"].(string)
		var polled map[string]any
		tolokaKit(s, "GET", "/api/v1/operations/"+opID, ann, "").JSON(t, &polled)
		if polled["status"] != "SUCCESS" || polled["type"] != "PROJECT.ARCHIVE" {
			t.Fatalf("wait_operation: %+v", polled)
		}
		// get_operation_log: nothing was written to it.
		if r := tolokaKit(s, "GET", "/api/v1/operations/"+opID+"/log", ann, ""); r.StatusCode != 200 || strings.TrimSpace(string(r.Body)) != "[]" {
			t.Fatalf("log: %d %s", r.StatusCode, r.Body)
		}
		// get_operations(submitted_lt=...): sort=id, id_gt of the last item, batch of 2.
		until := url.QueryEscape(time.Now().Add(time.Minute).UTC().Format("2006-01-02T15:04:05.000000"))
		var ids []string
		last := ""
		for pages := 0; ; pages++ {
			q := "submitted_lt=" + until + "&sort=id&limit=2"
			if last != "" {
				q += "&id_gt=" + url.QueryEscape(last)
			}
			var ops struct {
				Items []struct {
					ID         string `json:"id"`
					Parameters struct {
						ProjectID string `json:"project_id"`
					} `json:"parameters"`
				} `json:"items"`
				HasMore bool `json:"has_more"`
			}
			tolokaKit(s, "GET", "/api/v1/operations?"+q, ann, "").JSON(t, &ops)
			for _, o := range ops.Items {
				if last != "" && o.ID <= last {
					t.Fatalf("operation %s after %s", o.ID, last)
				}
				if o.Parameters.ProjectID == "" {
					t.Fatalf("operation %s without its project", o.ID)
				}
				ids, last = append(ids, o.ID), o.ID
			}
			if !ops.HasMore {
				break
			}
			if pages > 5 {
				t.Fatal("get_operations does not end")
			}
		}
		if len(ids) != 5 || ids[4] != opID {
			t.Fatalf("get_operations: %v, want 5 ending in %s", ids, opID)
		}
		// find_operations(type='PROJECT.ARCHIVE', status='SUCCESS', sort=['-finished'], limit=3).
		var found struct {
			Items   []struct{ ID string } `json:"items"`
			HasMore bool                  `json:"has_more"`
		}
		tolokaKit(s, "GET", "/api/v1/operations?type=PROJECT.ARCHIVE&status=SUCCESS&sort=-finished&limit=3", ann, "").JSON(t, &found)
		if len(found.Items) != 3 || found.Items[0].ID != opID || !found.HasMore {
			t.Fatalf("find_operations: %+v", found)
		}
		tolokaKit(s, "GET", "/api/v1/operations?type=POOL.OPEN", ann, "").JSON(t, &found)
		if len(found.Items) != 0 || found.HasMore {
			t.Fatalf("POOL.OPEN: %+v", found)
		}
		// Another user sees none of ann's operations.
		bob := s.User("bob", false)
		tolokaKit(s, "GET", "/api/v1/operations", bob, "").JSON(t, &found)
		if len(found.Items) != 0 {
			t.Fatalf("bob sees %+v", found)
		}
		tolokaError(t, tolokaKit(s, "GET", "/api/v1/operations/"+opID+"/log", bob, ""), 404, "DOES_NOT_EXIST")
	})
}

func TestTolokaOperationParameters(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		for _, tc := range []struct{ query, field, code string }{
			{"type=PROJECT.DELETE", "type", "UNKNOWN_ENUM_VALUE"},
			{"status=DONE", "status", "UNKNOWN_ENUM_VALUE"},
			{"sort=created", "sort", "UNKNOWN_ENUM_VALUE"},
			{"sort=id,-id", "sort", "UNKNOWN_ENUM_VALUE"},
			{"limit=501", "limit", "VALUE_GREATER_THAN_MAX"},
			{"limit=0", "limit", "VALUE_LESS_THAN_MIN"},
			{"limit=x", "limit", "INVALID_NUMBER"},
			{"id_gt=", "id_gt", "INVALID_VALUE"},
			{"submitted_gt=yesterday", "submitted_gt", "INVALID_DATE_TIME_SYNTAX"},
			{"finished_lte=2022-13-01", "finished_lte", "INVALID_DATE_TIME_SYNTAX"},
			{"project_id=1", "project_id", "UNKNOWN_FIELD"},
			{"status=SUCCESS&status=FAIL", "status", "INVALID_VALUE"},
		} {
			payload := tolokaError(t, toloka(s, "GET", "/api/v1/operations?"+tc.query, ann, ""), 400, "VALIDATION_ERROR")
			if payload[tc.field].Code != tc.code || payload[tc.field].Message == "" {
				t.Errorf("%s: payload %+v, want %s %s", tc.query, payload, tc.field, tc.code)
			}
		}
		tolokaError(t, toloka(s, "GET", "/api/v1/operations", "", ""), 401, "AUTHENTICATION_ERROR")
		tolokaError(t, toloka(s, "GET", "/api/v1/operations/nope/log", ann, ""), 404, "DOES_NOT_EXIST")
		// Bounds on finished and submitted select by time.
		var p map[string]any
		toloka(s, "POST", "/api/v1/projects", ann, tolokaKitProject).JSON(t, &p)
		before := time.Now().UTC().Add(-time.Second).Format("2006-01-02T15:04:05")
		toloka(s, "POST", "/api/v1/projects/"+p["id"].(string)+"/archive", ann, "")
		for query, want := range map[string]int{"finished_gte=" + before: 1, "finished_lt=" + before: 0,
			"submitted_gt=" + before: 1, "submitted_lte=" + before: 0} {
			var ops struct{ Items []any }
			toloka(s, "GET", "/api/v1/operations?"+query, ann, "").JSON(t, &ops)
			if len(ops.Items) != want {
				t.Errorf("%s: %d operations, want %d", query, len(ops.Items), want)
			}
		}
	})
}

// Every answer under /api/v1/ that no route serves is in Toloka's shape (NAVER's part,
// /api/v1/workspaces, in NAVER's: its own tests), so that toloka-kit raises its own
// exceptions.
func TestTolokaUnroutedPaths(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		for _, path := range []string{"/api/v1/pools", "/api/v1/projects/1/clone", "/api/v1/", "/api/v1/projects/"} {
			tolokaError(t, tolokaKit(s, "GET", path, ann, ""), 404, "DOES_NOT_EXIST")
		}
		for _, tc := range []struct{ method, path, allow string }{
			{"DELETE", "/api/v1/projects/1", "GET, PUT"},
			{"PATCH", "/api/v1/projects/1", "GET, PUT"},
			{"DELETE", "/api/v1/projects", "GET, POST"},
			{"GET", "/api/v1/projects/1/archive", "POST"},
			{"POST", "/api/v1/operations", "GET"},
		} {
			r := tolokaKit(s, tc.method, tc.path, ann, "")
			tolokaError(t, r, 405, "METHOD_NOT_ALLOWED")
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
		}
	})
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
