package textking_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"projectd/internal/testserver"
)

// textkingSeedResponse is the seed's example (the TextKing API wiki page on projects).
const textkingSeedResponse = `{"page": 1, "per_page": 2, "total": 16, "items": [
{"id": "19fe745b-3dcb-41dc-9f42-e01b3fe9f3ca", "number": null, "name": "My Translation Project",
 "due_date": "2012-12-24T00:00:00", "state": "prepared", "currency": "EUR", "net_price": 432.4, "vat": 8,
 "coupon_name": null, "coupon_value": null, "discount_customer": 0, "discount_project": 0, "affiliate_id": null,
 "billing_address": "9c6f23b6-167d-4b01-977f-4de799e3abf3",
 "links": [{"rel": "self", "href": "https://api.textking.com/v1/project/19fe745b-3dcb-41dc-9f42-e01b3fe9f3ca"},
  {"rel": "urn:textking:jobs", "href": "https://api.textking.com/v1/project/19fe745b-3dcb-41dc-9f42-e01b3fe9f3ca/jobs"},
  {"rel": "urn:textking:line_items", "href": "https://api.textking.com/v1/project/19fe745b-3dcb-41dc-9f42-e01b3fe9f3ca/line-items"},
  {"rel": "urn:textking:billing_address", "href": "https://api.textking.com/v1/account/address/9c6f23b6-167d-4b01-977f-4de799e3abf3"}]},
{"id": "9f7f369f-670b-4bc0-8925-0344bfb68b70", "number": null, "name": "Another translation project",
 "due_date": "2012-10-22T00:00:00", "state": "prepared", "currency": "EUR", "net_price": 19.4, "vat": 8,
 "coupon_name": null, "coupon_value": null, "discount_customer": 0, "discount_project": 0, "affiliate_id": null,
 "billing_address": "9c6f23b6-167d-4b01-977f-4de799e3abf3",
 "links": [{"rel": "self", "href": "https://api.textking.com/v1/project/9f7f369f-670b-4bc0-8925-0344bfb68b70"},
  {"rel": "urn:textking:jobs", "href": "https://api.textking.com/v1/project/9f7f369f-670b-4bc0-8925-0344bfb68b70/jobs"},
  {"rel": "urn:textking:line_items", "href": "https://api.textking.com/v1/project/9f7f369f-670b-4bc0-8925-0344bfb68b70/line-items"},
  {"rel": "urn:textking:billing_address", "href": "https://api.textking.com/v1/account/address/9c6f23b6-167d-4b01-977f-4de799e3abf3"}]}],
"links": [{"rel": "self", "href": "https://api.textking.com/v1/projects?page=1&per_page=2"},
 {"rel": "next", "href": "https://api.textking.com/v1/projects?page=2&per_page=2"}]}`

func textking(s *testserver.Server, method, path, token, body string, headers ...string) *testserver.Response {
	s.T.Helper()
	all := []string{"Accept", "application/json"}
	if token != "" {
		all = append(all, "Authorization", "Bearer "+token)
	}
	return s.Do(method, path, "", body, append(all, headers...)...)
}

func textkingError(t *testing.T, r *testserver.Response, status int, code string) string {
	t.Helper()
	var e struct {
		Status  int    `json:"status"`
		Error   string `json:"error"`
		Message string `json:"message"`
	}
	r.JSON(t, &e)
	if r.StatusCode != status || e.Status != status || e.Error != code || e.Message == "" {
		t.Fatalf("got %d %s, want %d %s", r.StatusCode, r.Body, status, code)
	}
	return e.Message
}

// textkingStore fills a store as the check does: 16 prepared projects for one
// customer, like the seed's, and others of other states and customers.
func textkingStore(t *testing.T, s *testserver.Server) (ann, bob string) {
	ann, bob = s.User("ann", false), s.User("bob", false)
	for i := 0; i < 16; i++ {
		s.Create(ann, fmt.Sprintf(`{"name":"Translation %d","ext":{"textking":{"state":"prepared","currency":"EUR","net_price":%d.4,"vat":8,"due_date":"2012-12-%02d","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3"}}}`, i, 400+i, i+1))
	}
	for _, st := range []string{"running", "finished", "canceled"} {
		s.Create(ann, `{"name":"other","ext":{"textking":{"state":"`+st+`"}}}`)
		s.Create(bob, `{"name":"bob's","ext":{"textking":{"state":"`+st+`"}}}`)
	}
	s.Create(bob, `{"name":"bob's prepared","ext":{"textking":{"state":"prepared"}}}`)
	return ann, bob
}

func TestTextKingSeedExample(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann, _ := textkingStore(t, s)
		r := textking(s, "GET", "/v1/projects?state=prepared&per_page=2", ann, "")
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		var got, want map[string]any
		r.JSON(t, &got)
		json.Unmarshal([]byte(textkingSeedResponse), &want)
		free := map[string]bool{}
		for i := 0; i < 2; i++ {
			for _, k := range []string{"id", "name", "due_date", "net_price"} {
				free[fmt.Sprintf(".items[%d].%s", i, k)] = true
			}
			for j := 0; j < 4; j++ {
				free[fmt.Sprintf(".items[%d].links[%d].href", i, j)] = true
			}
		}
		free[".links[0].href"], free[".links[1].href"] = true, true
		testserver.SameShape(t, "", got, want, free)
		// The hrefs are absolute, on this server, in the seed's shape.
		for _, l := range got["links"].([]any) {
			href := l.(map[string]any)["href"].(string)
			if !regexp.MustCompile(`^` + regexp.QuoteMeta(s.Base) + `/v1/projects\?page=[12]&per_page=2&state=prepared$`).MatchString(href) {
				t.Errorf("collection link %s", href)
			}
		}
		item := got["items"].([]any)[0].(map[string]any)
		id := item["id"].(string)
		for _, l := range item["links"].([]any) {
			href := l.(map[string]any)["href"].(string)
			if !strings.HasPrefix(href, s.Base+"/v1/") || !(strings.Contains(href, id) || strings.Contains(href, "/account/address/")) {
				t.Errorf("item link %s", href)
			}
		}
		if item["name"] != "Translation 15" || item["due_date"] != "2012-12-16T00:00:00" || item["net_price"] != 415.4 {
			t.Errorf("newest first, fields mapped: %v", item)
		}
		// The same collection in XML, read by encoding/xml's tokenizer into the JSON's shape.
		r = textking(s, "GET", "/v1/projects?state=prepared&per_page=2", ann, "", "Accept", "application/xml")
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/xml") {
			t.Fatalf("xml: %d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		fromXML := xmlToJSON(t, r.Body, map[string]bool{"items": true, "links": true})
		if fmt.Sprint(fromXML["projects"]) != fmt.Sprint(got) {
			t.Errorf("XML differs from JSON:\n xml  %v\n json %v", fromXML["projects"], got)
		}
	})
}

// xmlToJSON reads an XML document into the values its JSON twin decodes to: elements with
// children are objects (arrays for the names in arrays), xsi:nil is null, numbers are
// float64 where the text is one.
func xmlToJSON(t *testing.T, doc []byte, arrays map[string]bool) map[string]any {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var read func(start xml.StartElement) any
	read = func(start xml.StartElement) any {
		for _, a := range start.Attr {
			if a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" && a.Name.Local == "nil" && a.Value == "true" {
				d.Skip()
				return nil
			}
		}
		var text strings.Builder
		obj := map[string]any{}
		var list []any
		children := 0
		for {
			tok, err := d.Token()
			if err != nil {
				t.Fatalf("xml: %v", err)
			}
			switch tok := tok.(type) {
			case xml.StartElement:
				children++
				v := read(tok)
				if arrays[start.Name.Local] {
					list = append(list, v)
				} else {
					obj[tok.Name.Local] = v
				}
			case xml.CharData:
				text.Write(tok)
			case xml.EndElement:
				switch {
				case arrays[start.Name.Local]:
					if list == nil {
						list = []any{}
					}
					return list
				case children > 0:
					return obj
				}
				if f, err := strconv.ParseFloat(text.String(), 64); err == nil && !strings.Contains(text.String(), "-") {
					return f
				}
				return text.String()
			}
		}
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			t.Fatal("no root element")
		}
		if start, ok := tok.(xml.StartElement); ok {
			return map[string]any{start.Name.Local: read(start)}
		}
	}
}

func TestTextKingPagesAndLinks(t *testing.T) {
	s := testserver.Start(t, "sqlite:"+t.TempDir()+"/p.db", "--public-url", "https://api.example.com")
	ann, _ := textkingStore(t, s)
	type page struct {
		Page, PerPage, Total int
		Items                []struct{ ID, State string }
		Links                []struct{ Rel, Href string }
	}
	rels := func(p page) string {
		var out []string
		for _, l := range p.Links {
			out = append(out, l.Rel+"="+strings.TrimPrefix(l.Href, "https://api.example.com"))
		}
		return strings.Join(out, " ")
	}
	for _, tc := range []struct {
		query string
		items int
		total int
		links string
	}{
		{"", 19, 19, "self=/v1/projects?page=1&per_page=100"},
		{"per_page=5&page=2", 5, 19, "self=/v1/projects?page=2&per_page=5 next=/v1/projects?page=3&per_page=5 prev=/v1/projects?page=1&per_page=5"},
		{"per_page=5&page=4", 4, 19, "self=/v1/projects?page=4&per_page=5 prev=/v1/projects?page=3&per_page=5"},
		{"per_page=5&page=9", 0, 19, "self=/v1/projects?page=9&per_page=5 prev=/v1/projects?page=8&per_page=5"},
		{"state=running&per_page=1", 1, 1, "self=/v1/projects?page=1&per_page=1&state=running"},
		{"state=prepared&per_page=8&page=2", 8, 16, "self=/v1/projects?page=2&per_page=8&state=prepared prev=/v1/projects?page=1&per_page=8&state=prepared"},
	} {
		var p page
		r := textking(s, "GET", "/v1/projects?"+tc.query, ann, "")
		r.JSON(t, &p)
		if r.StatusCode != 200 || len(p.Items) != tc.items || p.Total != tc.total || rels(p) != tc.links {
			t.Errorf("%s: %d, %d items, total %d, links %s", tc.query, r.StatusCode, len(p.Items), p.Total, rels(p))
		}
	}
	// Pages walk every project of the customer once, newest first.
	seen := map[string]bool{}
	for n := 1; n <= 4; n++ {
		var p page
		textking(s, "GET", fmt.Sprintf("/v1/projects?per_page=5&page=%d", n), ann, "").JSON(t, &p)
		for _, it := range p.Items {
			if seen[it.ID] {
				t.Fatalf("%s twice", it.ID)
			}
			seen[it.ID] = true
		}
	}
	if len(seen) != 19 {
		t.Fatalf("pages hold %d projects", len(seen))
	}
	r := textking(s, "GET", "/v1/projects", ann, "", "Accept-Language", "fr;q=0.9, de-DE;q=0.8, en;q=0.5")
	if r.Header.Get("Content-Language") != "de" {
		t.Errorf("Content-Language %q", r.Header.Get("Content-Language"))
	}
	if r := textking(s, "GET", "/v1/projects", ann, "", "Accept-Language", "en-GB"); r.Header.Get("Content-Language") != "en" {
		t.Errorf("Content-Language %q", r.Header.Get("Content-Language"))
	}
}

func TestTextKingWrites(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann, bob := textkingStore(t, s)
		r := textking(s, "POST", "/v1/projects", ann, `{"name":"New","due_date":"2027-01-15T10:00:00Z","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3","coupon_name":"WELCOME"}`, "Content-Type", "application/json")
		var p map[string]any
		r.JSON(t, &p)
		if r.StatusCode != 201 || p["state"] != "prepared" || p["due_date"] != "2027-01-15T00:00:00" || p["coupon_name"] != "WELCOME" || p["currency"] != "EUR" {
			t.Fatalf("create: %d %s", r.StatusCode, r.Body)
		}
		id := p["id"].(string)
		if loc := r.Header.Get("Location"); loc != s.Base+"/v1/project/"+id || r.Header.Get("Content-Location") != loc {
			t.Fatalf("Location %q, Content-Location %q", loc, r.Header.Get("Content-Location"))
		}
		// XML in, XML out.
		r = textking(s, "POST", "/v1/projects", ann, `<?xml version="1.0"?><project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>Über &amp; XML</name><affiliate_id xsi:nil="true"/></project>`, "Content-Type", "application/xml", "Accept", "application/xml")
		if r.StatusCode != 201 || !bytes.Contains(r.Body, []byte("<name>Über &amp; XML</name>")) || !bytes.Contains(r.Body, []byte(`<affiliate_id xsi:nil="true"/>`)) {
			t.Fatalf("xml create: %d %s", r.StatusCode, r.Body)
		}
		// The state machine.
		for _, step := range []struct {
			state  string
			status int
		}{{"finished", 409}, {"running", 200}, {"running", 200}, {"prepared", 409}, {"finished", 200}, {"canceled", 409}} {
			r := textking(s, "PUT", "/v1/project/"+id, ann, `{"state":"`+step.state+`"}`, "Content-Type", "application/json")
			if r.StatusCode != step.status {
				t.Fatalf("to %s: %d %s", step.state, r.StatusCode, r.Body)
			}
			if step.status == 409 {
				textkingError(t, r, 409, "conflict")
			}
		}
		other := s.Create(ann, `{"name":"c"}`)
		if r := textking(s, "PUT", "/v1/project/"+other.UID, ann, `<project><state>canceled</state><name>renamed</name></project>`, "Content-Type", "application/xml"); r.StatusCode != 200 ||
			!strings.Contains(string(r.Body), `"state":"canceled"`) || !strings.Contains(string(r.Body), `"name":"renamed"`) {
			t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
		}
		// Read-only fields sent back are ignored; unknown ones are not.
		if r := textking(s, "PUT", "/v1/project/"+other.UID, ann, `{"id":"x","net_price":1,"links":[],"coupon_name":null}`, "Content-Type", "application/json"); r.StatusCode != 200 {
			t.Fatalf("read-only fields: %d %s", r.StatusCode, r.Body)
		}
		textkingError(t, textking(s, "PUT", "/v1/project/"+other.UID, ann, `{"colour":"red"}`, "Content-Type", "application/json"), 400, "invalid_body")
		// Another customer's project is not found; so is a deleted one.
		textkingError(t, textking(s, "GET", "/v1/project/"+id, bob, ""), 404, "not_found")
		textkingError(t, textking(s, "PUT", "/v1/project/"+id, bob, `{"name":"x"}`, "Content-Type", "application/json"), 404, "not_found")
		textkingError(t, textking(s, "DELETE", "/v1/project/"+id, bob, ""), 404, "not_found")
		if r := textking(s, "DELETE", "/v1/project/"+id, ann, ""); r.StatusCode != 204 {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		textkingError(t, textking(s, "GET", "/v1/project/"+id, ann, ""), 404, "not_found")
		// ext.textking is checked on native writes too.
		s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"textking":{"state":"lost"}}}`).WantProblem(t, 400, "ext.textking.state")
		s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"textking":{"net_price":"cheap"}}}`).WantProblem(t, 400, "ext.textking.net_price")
		s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"textking":{"billing_address":"home"}}}`).WantProblem(t, 400, "ext.textking.billing_address")
	})
}

func TestTextKingErrors(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann, _ := textkingStore(t, s)
		for _, tc := range []struct{ query, param string }{
			{"per_page=0", "per_page"}, {"per_page=101", "per_page"}, {"per_page=x", "per_page"},
			{"page=0", "page"}, {"page=-1", "page"}, {"page=x", "page"}, {"page=99999999999999999999", "page"},
			{"state=lost", "state"}, {"state=", "state"}, {"sort=name", "sort"}, {"page=1&page=2", "page"},
		} {
			msg := textkingError(t, textking(s, "GET", "/v1/projects?"+tc.query, ann, ""), 400, "invalid_parameter")
			if !strings.Contains(msg, tc.param) {
				t.Errorf("%s: message %q does not name %s", tc.query, msg, tc.param)
			}
		}
		textkingError(t, textking(s, "GET", "/v1/project/not-a-uuid", ann, ""), 400, "invalid_parameter")
		textkingError(t, textking(s, "GET", "/v1/project/00000000-0000-0000-0000-000000000000", ann, ""), 404, "not_found")
		for _, token := range []string{"", "pd_nope"} {
			r := textking(s, "GET", "/v1/projects", token, "")
			textkingError(t, r, 401, "unauthorized")
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		}
		r := textking(s, "GET", "/v1/projects", ann, "", "Accept", "text/html")
		textkingError(t, r, 406, "not_acceptable")
		// Errors in XML when XML is asked for.
		r = textking(s, "GET", "/v1/projects?per_page=0", ann, "", "Accept", "application/xml")
		if r.StatusCode != 400 || !bytes.Contains(r.Body, []byte("<status>400</status><error>invalid_parameter</error><message>")) {
			t.Fatalf("xml error: %d %s", r.StatusCode, r.Body)
		}
		for _, tc := range []struct{ body, ctype, field string }{
			{`{}`, "application/json", "name"},
			{`{"name":""}`, "application/json", "name"},
			{`{"name":"x","due_date":"someday"}`, "application/json", "due_date"},
			{`{"name":"x","billing_address":"home"}`, "application/json", "billing_address"},
			{`{"name":"x","state":"running"}`, "application/json", "state"},
			{`{"name":"x","colour":"red"}`, "application/json", "colour"},
			{`{"name":5}`, "application/json", "name"},
			{`<project><name>x</name><colour>red</colour></project>`, "application/xml", "colour"},
			{`<projects/>`, "application/xml", "project"},
			{`<project><name>x</name>`, "application/xml", "XML"},
		} {
			msg := textkingError(t, textking(s, "POST", "/v1/projects", ann, tc.body, "Content-Type", tc.ctype), 400, "invalid_body")
			if !strings.Contains(msg, tc.field) {
				t.Errorf("%s: message %q does not name %s", tc.body, msg, tc.field)
			}
		}
		textkingError(t, textking(s, "POST", "/v1/projects", ann, `name=x`, "Content-Type", "application/x-www-form-urlencoded"), 415, "invalid_body")
	})
}
