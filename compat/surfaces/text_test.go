package surfaces_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"projectd/compat/ncpmaiu"
	"projectd/internal/testserver"
)

// Text the store cannot hold — NUL, lone surrogates (escaped in JSON, or as UTF-8 in a
// URL), ext nested past the limit, a name repeated in an object — is a 4xx on every
// surface and both engines, naming the field or parameter where the surface names one,
// never a 500 and never stored altered.
func TestHostileTextIsRefused(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		nul, lone := url.QueryEscape("a\x00b"), "%ED%A0%80" // U+D800 as UTF-8
		deep := strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70)
		native := []struct{ method, path, body, field string }{
			{"POST", "/api/projects", `{"name":"a\u0000b"}`, "name"},
			{"POST", "/api/projects", `{"name":"a\ud800b"}`, "name"},
			{"POST", "/api/projects", `{"name":"x","description":"\udc00"}`, "description"},
			{"POST", "/api/projects", `{"name":"x","ext":{"tasks":{"private_comment":"\u0000"}}}`, "ext.tasks.private_comment"},
			{"POST", "/api/projects", `{"name":"x","ext":{"tervis":` + deep + `}}`, ""},
			{"POST", "/api/projects", `{"name":"x","ext":{"textking":{"state":"bogus","state":"prepared"}}}`, "ext.textking.state"},
			{"POST", "/api/projects", `{"name":"x","name":"y"}`, "name"},
			{"GET", "/api/projects?q=" + nul, "", "q"},
			{"GET", "/api/projects?q=" + lone, "", "q"},
			{"GET", "/api/projects?owner=" + nul, "", "owner"},
			{"GET", "/api/projects?workspace=" + nul, "", "workspace"},
			{"POST", "/api/workspaces", `{"name":"a\u0000b"}`, ""},
		}
		for _, tc := range native {
			r := s.Do(tc.method, tc.path, ann, tc.body)
			if r.StatusCode/100 != 4 {
				t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.StatusCode, r.Body)
				continue
			}
			if tc.field != "" {
				r.WantProblem(t, r.StatusCode, tc.field)
			}
		}
		// Path segments and the surfaces (Bearer serves them all but NAVER's, whose
		// signatures cover no text they store).
		created := s.Create(ann, `{"name":"ok"}`)
		for _, tc := range []struct{ method, path, body string }{
			{"GET", "/api/projects/" + nul, ""},
			{"PATCH", "/api/projects/" + created.UID, `{"name":"\u0000"}`},
			{"GET", "/api/workspaces/" + nul, ""},
			{"PUT", "/api/workspaces/" + nul + "/members/" + nul, `{"role":"member"}`},
			{"GET", "/api/v1/projects?owner=" + nul, ""},
			{"GET", "/api/v1/projects/" + nul, ""},
			{"GET", "/api/v1/operations/" + nul, ""},
			{"GET", "/api/v1/operations?id_gt=" + nul, ""},
			{"GET", "/api/v1/operations?id_gt=" + lone, ""},
			{"POST", "/api/v1/projects", `{"public_name":"\u0000","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`},
			{"POST", "/v1/projects", `{"name":"a\ud800"}`},
			{"PUT", "/v1/project/" + created.UID, `{"coupon_name":"\u0000"}`},
			{"GET", "/projects/0/name/" + nul, ""},
			{"GET", "/projects/0/name/" + lone, ""},
			{"GET", "/projects/GetUserProjects/" + nul, ""},
		} {
			r := s.Do(tc.method, tc.path, ann, tc.body)
			if r.StatusCode/100 != 4 || r.StatusCode == 401 {
				t.Errorf("%s %s %s: %d %s", tc.method, tc.path, tc.body, r.StatusCode, r.Body)
			}
		}
		// NAVER's, signed.
		var key struct {
			AccessKey string `json:"access_key"`
			SecretKey string `json:"secret_key"`
		}
		json.Unmarshal([]byte(s.CLI("key", "create", "--login", "ann")), &key)
		s.CLI("workspace", "create", "--name", "team", "--owner", "ann")
		for _, tc := range []struct{ method, uri, body string }{
			{"POST", "/api/v1/workspaces/team/projects", `{"name":"a\u0000b"}`},
			{"POST", "/api/v1/workspaces/team/projects", `{"name":"\ud800"}`},
			{"POST", "/api/v1/workspaces/team/projects", `{"name":"x","name":"y"}`},
			{"GET", "/api/v1/workspaces/" + nul + "/projects", ""},
			{"GET", "/api/v1/workspaces/" + lone + "/projects", ""},
			{"POST", "/api/v1/workspaces", `{"workspaceName":"a\u0000b"}`},
		} {
			ts := strconvMillis()
			r := s.Do(tc.method, tc.uri, "", tc.body, "x-ncp-apigw-timestamp", ts, "x-ncp-iam-access-key", key.AccessKey,
				"x-ncp-apigw-signature-v2", ncpmaiu.Sign([]byte(key.SecretKey), tc.method, tc.uri, ts, key.AccessKey))
			if r.StatusCode/100 != 4 || r.StatusCode == 401 {
				t.Errorf("NAVER %s %s %s: %d %s", tc.method, tc.uri, tc.body, r.StatusCode, r.Body)
			}
		}
	})
}
