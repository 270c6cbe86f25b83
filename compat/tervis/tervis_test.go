package tervis_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// tervisCore are the members the core model holds; a client puts the rest in ext.tervis.
var tervisCore = []string{"Id", "Name", "CreatedDate", "ModifiedDate", "UserID"}

// loadTervisSample creates the sample's projects through the native API for a user.
func loadTervisSample(t *testing.T, s *testserver.Server, token string) []map[string]json.RawMessage {
	t.Helper()
	var sample []map[string]json.RawMessage
	if err := json.Unmarshal([]byte(tervisSample), &sample); err != nil {
		t.Fatal(err)
	}
	for _, p := range sample {
		ext := map[string]json.RawMessage{}
		for k, v := range p {
			if !slices.Contains(tervisCore, k) {
				ext[k] = v
			}
		}
		var name string
		json.Unmarshal(p["Name"], &name)
		body, _ := json.Marshal(map[string]any{"name": name, "ext": map[string]any{"tervis": ext}})
		s.Create(token, string(body))
	}
	return sample
}

// sameOrder compares two JSON documents key by key, in order, recursively.
func sameOrder(t *testing.T, path string, got, want json.RawMessage) {
	t.Helper()
	g, w := bytes.TrimSpace(got), bytes.TrimSpace(want)
	switch {
	case len(w) > 0 && w[0] == '{':
		if len(g) == 0 || g[0] != '{' {
			t.Errorf("%s: got %s, want an object", path, g)
			return
		}
		gk, wk := testserver.OrderedKeys(t, g), testserver.OrderedKeys(t, w)
		if !slices.Equal(gk, wk) {
			t.Errorf("%s: keys\n got %v\nwant %v", path, gk, wk)
			return
		}
		var gm, wm map[string]json.RawMessage
		json.Unmarshal(g, &gm)
		json.Unmarshal(w, &wm)
		for _, k := range wk {
			sameOrder(t, path+"."+k, gm[k], wm[k])
		}
	case len(w) > 0 && w[0] == '[':
		var ga, wa []json.RawMessage
		json.Unmarshal(g, &ga)
		json.Unmarshal(w, &wa)
		if len(ga) != len(wa) {
			t.Errorf("%s: %d items, want %d", path, len(ga), len(wa))
			return
		}
		for i := range wa {
			sameOrder(t, fmt.Sprintf("%s[%d]", path, i), ga[i], wa[i])
		}
	}
}

func tervis(s *testserver.Server, path, token string, headers ...string) *testserver.Response {
	s.T.Helper()
	if token != "" {
		headers = append(headers, "Authorization", "Bearer "+token)
	}
	return s.Do("GET", path, "", "", headers...)
}

func TestTervisSampleJSON(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		token := s.User("ann", false)
		meUID := s.UID(token)
		loadTervisSample(t, s, token)
		r := tervis(s, "/projects/GetUserProjects/"+meUID, token)
		if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%d %s", r.StatusCode, r.Header.Get("Content-Type"))
		}
		// Key by key and in order, at every level.
		sameOrder(t, "", r.Body, json.RawMessage(tervisSample))
		// Type by type and value by value, but for what the server assigns.
		var got, want []any
		json.Unmarshal(r.Body, &got)
		json.Unmarshal([]byte(tervisSample), &want)
		free := map[string]bool{}
		for i := 0; i < 2; i++ {
			for _, k := range []string{"Id", "CreatedDate", "ModifiedDate", "UserID"} {
				free[fmt.Sprintf("[%d].%s", i, k)] = true
			}
		}
		testserver.SameShape(t, "", got, want, free)
		date := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}\+00:00$`)
		for _, p := range got {
			m := p.(map[string]any)
			if m["UserID"] != meUID || !date.MatchString(m["CreatedDate"].(string)) || !date.MatchString(m["ModifiedDate"].(string)) ||
				!regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(m["Id"].(string)) {
				t.Errorf("core members: %v %v %v %v", m["Id"], m["UserID"], m["CreatedDate"], m["ModifiedDate"])
			}
		}
		// text/json and text/html are JSON too.
		for _, accept := range []string{"text/json", "text/html", "application/json"} {
			if r := tervis(s, "/projects/GetUserProjects/"+meUID, token, "Accept", accept); r.StatusCode != 200 || r.Body[0] != '[' {
				t.Errorf("Accept %s: %d %.20s", accept, r.StatusCode, r.Body)
			}
		}
		// A project with nothing in ext.tervis: nulls, false and 0.
		s.Create(token, `{"name":"bare"}`)
		var all []map[string]any
		tervis(s, "/projects/GetUserProjects/"+meUID, token).JSON(t, &all)
		bare := all[2]
		if bare["Product"] != nil || bare["Stamps"] != nil || bare["BackgroundId"] != nil || bare["ExpiryDate"] != nil ||
			bare["IsCSREditing"] != false || bare["Status"] != float64(0) || bare["ArtboardFlatImage"] != nil || len(bare) != 50 {
			t.Errorf("defaults: %v", bare)
		}
	})
}

// xmlElement is an element read back from the XML: its name, namespace, nil flag and
// children in document order.
type xmlElement struct {
	XMLName  xml.Name
	Attrs    []xml.Attr   `xml:",any,attr"`
	Children []xmlElement `xml:",any"`
	Text     string       `xml:",chardata"`
}

func (e xmlElement) isNil() bool {
	for _, a := range e.Attrs {
		if a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" && a.Name.Local == "nil" && a.Value == "true" {
			return true
		}
	}
	return false
}

func (e xmlElement) child(name string) xmlElement {
	for _, c := range e.Children {
		if c.XMLName.Local == name {
			return c
		}
	}
	return xmlElement{}
}

func TestTervisSampleXML(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		token := s.User("ann", false)
		meUID := s.UID(token)
		loadTervisSample(t, s, token)
		for _, accept := range []string{"application/xml", "text/xml"} {
			r := tervis(s, "/projects/GetUserProjects/"+meUID, token, "Accept", accept)
			if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), accept) {
				t.Fatalf("%s: %d %s", accept, r.StatusCode, r.Header.Get("Content-Type"))
			}
			if bytes.HasPrefix(r.Body, []byte("<?xml")) || bytes.HasPrefix(r.Body, []byte("\xef\xbb\xbf")) {
				t.Error("an XML declaration or a BOM")
			}
			if !bytes.HasPrefix(r.Body, []byte(`<ArrayOfProject xmlns:i="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.datacontract.org/2004/07/Tervis.Customizer.Models">`)) {
				t.Errorf("root: %.200s", r.Body)
			}
			var root xmlElement
			if err := xml.Unmarshal(r.Body, &root); err != nil {
				t.Fatal(err)
			}
			if root.XMLName.Local != "ArrayOfProject" || root.XMLName.Space != "http://schemas.datacontract.org/2004/07/Tervis.Customizer.Models" || len(root.Children) != 2 {
				t.Fatalf("root %v with %d children", root.XMLName, len(root.Children))
			}
			var checkOrder func(e xmlElement, path string)
			checkOrder = func(e xmlElement, path string) {
				var names []string
				for _, c := range e.Children {
					if c.XMLName.Space != "http://schemas.datacontract.org/2004/07/Tervis.Customizer.Models" {
						t.Errorf("%s.%s in namespace %q", path, c.XMLName.Local, c.XMLName.Space)
					}
					names = append(names, c.XMLName.Local)
				}
				if !slices.IsSorted(names) {
					t.Errorf("%s: members not in ordinal order: %v", path, names)
				}
				for _, c := range e.Children {
					if len(c.Children) > 0 {
						checkOrder(c, path+"."+c.XMLName.Local)
					}
				}
			}
			p := root.Children[0]
			if p.XMLName.Local != "Project" || len(p.Children) != 50 {
				t.Fatalf("first child %s with %d members", p.XMLName.Local, len(p.Children))
			}
			checkOrder(p, "Project")
			names := []string{}
			for _, c := range p.Children {
				names = append(names, c.XMLName.Local)
			}
			if names[0] != "ARAsset" || names[1] != "ApplyBGColorToBottomOnly" || names[2] != "ArtboardFlatImage" ||
				names[len(names)-2] != "isThemeProject" || names[len(names)-1] != "s7ImageVersion" {
				t.Errorf("ordinal order: %v", names)
			}
			product := p.child("Product")
			if !product.child("Form").isNil() || product.child("Backgrounds").Children[0].XMLName.Local != "Background" ||
				p.child("Stamps").Children[0].XMLName.Local != "Stamp" || p.child("Assets").Children[0].XMLName.Local != "ProjectAsset" ||
				len(p.child("Stamps").Children) != 2 {
				t.Errorf("collections or nil: %+v", product.child("Form"))
			}
			if p.child("ArtboardFlatImage").Text != "QEA=" || p.child("Price").Text != "" || product.child("Price").Text != "5.1" ||
				p.child("IsOrderProjectExpired").Text != "false" || p.child("ExpiryDate").Text != "2026-08-01T16:37:19.0768116+00:00" ||
				p.child("UserID").Text != meUID {
				t.Errorf("values: %q %q %q %q", p.child("ArtboardFlatImage").Text, product.child("Price").Text, p.child("ExpiryDate").Text, p.child("UserID").Text)
			}
		}
		// A bare project: nulls as i:nil.
		s.Create(token, `{"name":"bare"}`)
		r := tervis(s, "/projects/GetUserProjects/"+meUID, token, "Accept", "application/xml")
		var root xmlElement
		xml.Unmarshal(r.Body, &root)
		bare := root.Children[2]
		if !bare.child("Product").isNil() || !bare.child("Stamps").isNil() || !bare.child("GuestUserId").isNil() || bare.child("Status").Text != "0" {
			t.Errorf("bare project in XML: %.300s", r.Body)
		}
	})
}

func TestTervisRoutesAndErrors(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		bob := s.User("bob", false)
		ada := s.User("ada", true)
		meUID := s.UID(ann)
		s.Create(ann, `{"name":"Mug","ext":{"tervis":{"Status":5}}}`)
		s.Create(ann, `{"name":"Mug","ext":{"tervis":{"Status":2}}}`)
		s.Create(ann, `{"name":"Cup","ext":{"tervis":{"Status":5}}}`)
		s.Create(bob, `{"name":"Mug","ext":{"tervis":{"Status":5}}}`)
		var list []map[string]any
		tervis(s, "/projects/5/name/Mug", ann).JSON(t, &list)
		if len(list) != 1 || list[0]["Name"] != "Mug" || list[0]["Status"] != float64(5) {
			t.Fatalf("by status and name: %v", list)
		}
		tervis(s, "/projects/0/name/Mug", ann).JSON(t, &list)
		if len(list) != 0 {
			t.Fatalf("status 0: %v", list)
		}
		tervis(s, "/projects/GetUserProjects/"+meUID, ada).JSON(t, &list)
		if len(list) != 3 {
			t.Fatalf("an admin reads ann's: %d", len(list))
		}
		httpError := func(r *testserver.Response, status int, message, detail string) {
			t.Helper()
			var e map[string]string
			r.JSON(t, &e)
			if r.StatusCode != status || e["Message"] != message || !strings.Contains(e["MessageDetail"], detail) {
				t.Fatalf("got %d %s, want %d %q", r.StatusCode, r.Body, status, message)
			}
		}
		httpError(tervis(s, "/projects/GetUserProjects/"+meUID, bob), 403, "Authorization has been denied for this request.", "")
		httpError(tervis(s, "/projects/GetUserProjects/"+meUID, ""), 401, "Authorization has been denied for this request.", "")
		httpError(tervis(s, "/projects/GetUserProjects/"+meUID, "pd_nope"), 401, "Authorization has been denied for this request.", "")
		httpError(tervis(s, "/projects/GetUserProjects/not-a-guid", ann), 400, "The request is invalid.", "'userID'")
		httpError(tervis(s, "/projects/five/name/Mug", ann), 400, "The request is invalid.", "'status'")
		httpError(tervis(s, "/projects/nothing/here", ann), 404, "No HTTP resource was found that matches the request URI '"+s.Base+"/projects/nothing/here'.", "")
		r := tervis(s, "/projects/GetUserProjects/not-a-guid", ann, "Accept", "application/xml")
		if r.StatusCode != 400 || !bytes.HasPrefix(r.Body, []byte("<Error><Message>The request is invalid.</Message><MessageDetail>")) {
			t.Fatalf("xml error: %d %s", r.StatusCode, r.Body)
		}
		r = tervis(s, "/projects/GetUserProjects/"+meUID, "", "Accept", "text/xml")
		if r.StatusCode != 401 || string(r.Body) != "<Error><Message>Authorization has been denied for this request.</Message></Error>" {
			t.Fatalf("xml 401: %d %s", r.StatusCode, r.Body)
		}
		// ext.tervis is checked against the model on native writes.
		for field, ext := range map[string]string{
			"ext.tervis.Colour":                    `{"Colour":1}`,
			"ext.tervis.Status":                    `{"Status":"five"}`,
			"ext.tervis.Id":                        `{"Id":"a92b4f00-4323-4c8e-8a40-d2d83f356432"}`,
			"ext.tervis.Product.Price":             `{"Product":{"Price":"cheap"}}`,
			"ext.tervis.Product.Backgrounds[1].Id": `{"Product":{"Backgrounds":[{},{"Id":"x"}]}}`,
			"ext.tervis.Stamps":                    `{"Stamps":{}}`,
			"ext.tervis.ExpiryDate":                `{"ExpiryDate":"tomorrow"}`,
			"ext.tervis.ArtboardFlatImage":         `{"ArtboardFlatImage":"not base64!"}`,
			"ext.tervis.IsCSREditing":              `{"IsCSREditing":null}`,
			"ext.tervis.ARAsset.Colour":            `{"ARAsset":{"Colour":1}}`,
		} {
			s.Do("POST", "/api/projects", ann, `{"name":"x","ext":{"tervis":`+ext+`}}`).WantProblem(t, 400, field)
		}
	})
}

// TestTervisCollectionStreams reads a user's collection of 1,000 and of 100,000 projects
// and compares the process's peak heap while each streams: it must not grow with the size.
func TestTervisCollectionStreams(t *testing.T) {
	dsn := testdb.Flavours[0].New(t)
	s := testserver.Start(t, dsn)
	db := testserver.OpenStore(t, dsn)
	peaks := map[int]uint64{}
	for _, n := range []int{1000, 100_000} {
		login := fmt.Sprintf("user%d", n)
		token := s.User(login, false)
		meUID := s.UID(token)
		testserver.LoadProjects(t, db, n, func(i int) *projectd.Project {
			return &projectd.Project{Name: fmt.Sprintf("tumbler %d", i), Owner: &projectd.User{Login: login},
				Ext: json.RawMessage(`{"tervis":{"Status":1,"SiteCode":"TRV"}}`)}
		})
		for _, accept := range []string{"application/json", "application/xml"} {
			suffix := "}]"
			if accept == "application/xml" {
				suffix = "</Project></ArrayOfProject>"
			}
			peak, size := testserver.StreamPeak(t, s.Base+"/projects/GetUserProjects/"+meUID, []string{"Authorization", "Bearer " + token, "Accept", accept}, suffix)
			peaks[n] = max(peaks[n], peak)
			t.Logf("%d projects as %s: %d bytes answered, peak heap growth %d KiB", n, accept, size, peak>>10)
		}
	}
	if peaks[100_000] > peaks[1000]+8<<20 {
		t.Fatalf("peak heap grew from %d KiB to %d KiB with the size of the collection", peaks[1000]>>10, peaks[100_000]>>10)
	}
}
