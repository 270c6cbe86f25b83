package textking_test

import (
	"strings"
	"testing"

	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// What TextKing's official PHP client (TextKing/textking-api-php) sends, replayed as it
// sends it: Guzzle 3 with Accept: application/json, Accept-Language and a Bearer token on
// every request; bodies are json_encode of Project::toArray(), which always holds name,
// due_date (a PHP DateTime object, or null), state, coupon_name, affiliate_id and
// billing_address, null when unset on a new Project and "" once read back (fromJson
// casts every field with (string)).

func textkingPHP(s *testserver.Server, method, path, token, body string) *testserver.Response {
	s.T.Helper()
	headers := []string{"Accept", "application/json", "Accept-Language", "en",
		"Authorization", "Bearer " + token, "User-Agent", "Guzzle/3.9.3 curl/7.88.1 PHP/8.2.7"}
	if body != "" {
		headers = append(headers, "Content-Type", "application/json")
	}
	return s.Do(method, path, "", body, headers...)
}

func TestTextKingPHPClientReplay(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		// createProject(new Project() with a name and a due date).
		created := textkingPHP(s, "POST", "/v1/projects", ann, `{"name":"Website","due_date":{"date":"2013-06-01 00:00:00.000000","timezone_type":3,"timezone":"Europe\/Berlin"},"state":null,"coupon_name":null,"affiliate_id":null,"billing_address":null}`)
		if created.StatusCode != 201 {
			t.Fatalf("create: %d %s", created.StatusCode, created.Body)
		}
		var p map[string]any
		created.JSON(t, &p)
		if p["state"] != "prepared" || p["due_date"] != "2013-06-01T00:00:00" || p["billing_address"] != nil {
			t.Fatalf("created %s", created.Body)
		}
		id := p["id"].(string)
		// Without a due date: every field null.
		if r := textkingPHP(s, "POST", "/v1/projects", ann, `{"name":"Brochure","due_date":null,"state":null,"coupon_name":null,"affiliate_id":null,"billing_address":null}`); r.StatusCode != 201 {
			t.Fatalf("create with nulls: %d %s", r.StatusCode, r.Body)
		}
		// getProject, setName, updateProject: what fromJson read, cast to strings.
		textkingPHP(s, "GET", "/v1/project/"+id, ann, "").JSON(t, &p)
		update := `{"name":"Website 2","due_date":{"date":"2013-06-01 00:00:00.000000","timezone_type":3,"timezone":"UTC"},"state":"prepared","coupon_name":"","affiliate_id":"","billing_address":""}`
		r := textkingPHP(s, "PUT", "/v1/project/"+id, ann, update)
		if r.StatusCode != 200 {
			t.Fatalf("update of a project read back: %d %s", r.StatusCode, r.Body)
		}
		r.JSON(t, &p)
		if p["name"] != "Website 2" || p["billing_address"] != nil || p["coupon_name"] != nil || p["due_date"] != "2013-06-01T00:00:00" {
			t.Fatalf("updated %s", r.Body)
		}
		// Set a billing address, then clear it with "" as the client does.
		withAddress := strings.Replace(update, `"billing_address":""`, `"billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3"`, 1)
		textkingPHP(s, "PUT", "/v1/project/"+id, ann, withAddress).JSON(t, &p)
		if p["billing_address"] != "9c6f23b6-167d-4b01-977f-4de799e3abf3" {
			t.Fatalf("billing address not set: %+v", p)
		}
		textkingPHP(s, "PUT", "/v1/project/"+id, ann, update).JSON(t, &p)
		if p["billing_address"] != nil {
			t.Fatalf(`billing_address "" did not clear it: %+v`, p)
		}
		// null on update clears too; a null state leaves it as it is.
		textkingPHP(s, "PUT", "/v1/project/"+id, ann, `{"name":"Website 2","due_date":null,"state":null,"coupon_name":null,"affiliate_id":null,"billing_address":null}`).JSON(t, &p)
		if p["due_date"] != nil || p["state"] != "prepared" {
			t.Fatalf("null update: %+v", p)
		}
		// getProjects(perPage, page, state): Guzzle leaves out the parameters not given.
		var list struct {
			Total int              `json:"total"`
			Items []map[string]any `json:"items"`
		}
		textkingPHP(s, "GET", "/v1/projects?per_page=1&page=2&state=prepared", ann, "").JSON(t, &list)
		if list.Total != 2 || len(list.Items) != 1 {
			t.Fatalf("list: %+v", list)
		}
		// deleteProject.
		if r := textkingPHP(s, "DELETE", "/v1/project/"+id, ann, ""); r.StatusCode != 204 {
			t.Fatalf("delete: %d %s", r.StatusCode, r.Body)
		}
		textkingError(t, textkingPHP(s, "GET", "/v1/project/"+id, ann, ""), 404, "not_found")
		// What stays refused: a state other than prepared on create, a bad UUID, an
		// object that is not a DateTime.
		for _, tc := range []struct{ body, field string }{
			{`{"name":"x","state":"running"}`, "state"},
			{`{"name":"x","state":""}`, "state"},
			{`{"name":"x","billing_address":"nope"}`, "billing_address"},
			{`{"name":"x","due_date":{"date":"June"}}`, "due_date"},
			{`{"name":null}`, "name"},
			{`{"name":""}`, "name"},
		} {
			msg := textkingError(t, textkingPHP(s, "POST", "/v1/projects", ann, tc.body), 400, "invalid_body")
			if !strings.Contains(msg, tc.field) {
				t.Errorf("%s: %q does not name %s", tc.body, msg, tc.field)
			}
		}
	})
}

func TestTextKingXMLBodies(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		xmlDo := func(method, path, body string) *testserver.Response {
			return textking(s, method, path, ann, body, "Content-Type", "application/xml")
		}
		r := xmlDo("POST", "/v1/projects", "\n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n"+
			"<?app hint?>\n<project xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n  <name>Atlas<!-- the map --></name>\n"+
			"  <coupon_name>SPRING</coupon_name>\n  <billing_address xsi:nil=\"true\"/>\n</project>\n<!-- end -->\n  ")
		if r.StatusCode != 201 {
			t.Fatalf("XML with a prolog and an epilog: %d %s", r.StatusCode, r.Body)
		}
		var p map[string]any
		r.JSON(t, &p)
		if p["name"] != "Atlas" || p["coupon_name"] != "SPRING" {
			t.Fatalf("created %s", r.Body)
		}
		id := p["id"].(string)
		xmlDo("PUT", "/v1/project/"+id, `<project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><coupon_name xsi:nil="true"/></project>`).JSON(t, &p)
		if p["coupon_name"] != nil || p["name"] != "Atlas" {
			t.Fatalf("xsi:nil did not clear: %+v", p)
		}
		for _, tc := range []struct{ body, field string }{
			{`<project><name><a>x</a></name></project>`, "name"},
			{`<project><coupon_name>a<b/>c</coupon_name></project>`, "coupon_name"},
			{`junk<project><name>x</name></project>`, "body"},
			{`<project><name>x</name></project>junk`, "body"},
			{`<project><name>x</name></project><project/>`, "body"},
			{`<projects><name>x</name></projects>`, "body"},
		} {
			msg := textkingError(t, xmlDo("POST", "/v1/projects", tc.body), 400, "invalid_body")
			if !strings.Contains(msg, tc.field) {
				t.Errorf("%s: %q does not name %s", tc.body, msg, tc.field)
			}
		}
	})
}

// What no route under /v1/ serves answers in TextKing's shape, in the format asked for.
func TestTextKingUnroutedPaths(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	ann := s.User("ann", false)
	textkingError(t, textkingPHP(s, "GET", "/v1/projects/", ann, ""), 404, "not_found")
	textkingError(t, textkingPHP(s, "GET", "/v1/account/address/1", ann, ""), 404, "not_found")
	r := textkingPHP(s, "DELETE", "/v1/projects", ann, "")
	textkingError(t, r, 405, "method_not_allowed")
	if r.Header.Get("Allow") != "GET, POST" {
		t.Errorf("Allow %q", r.Header.Get("Allow"))
	}
	r = textking(s, "PATCH", "/v1/project/9f7f369f-670b-4bc0-8925-0344bfb68b70", ann, "", "Accept", "application/xml")
	if r.StatusCode != 405 || r.Header.Get("Allow") != "GET, PUT, DELETE" || !strings.HasPrefix(string(r.Body), "<") {
		t.Errorf("XML 405: %d %q %s", r.StatusCode, r.Header.Get("Allow"), r.Body)
	}
}

// A read-only token may read but not write: 403 forbidden, not "no such project".
func TestTextKingReadOnlyToken(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	s.User("ann", false)
	ro := strings.TrimSpace(s.CLI("token", "create", "--login", "ann", "--scopes", "read"))
	textkingError(t, textkingPHP(s, "POST", "/v1/projects", ro, `{"name":"x"}`), 403, "forbidden")
	if r := textkingPHP(s, "GET", "/v1/projects", ro, ""); r.StatusCode != 200 {
		t.Fatalf("read: %d %s", r.StatusCode, r.Body)
	}
}
