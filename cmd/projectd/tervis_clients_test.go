package main

import (
	"strings"
	"testing"
)

// What clients of an ASP.NET Web API send, replayed: routes in any letter case and with
// a trailing slash (Web API's routing ignores both), GUIDs in upper case, in braces or
// without dashes (Guid binding takes them), and the Accept headers of .NET's HttpClient,
// axios and browsers.
func TestTervisClientReplay(t *testing.T) {
	forEachFlavour(t, func(t *testing.T, s *server) {
		ann := s.user("ann", false)
		uid := s.uid(ann)
		s.create(ann, `{"name":"Tumbler","ext":{"tervis":{"Status":5}}}`)
		bare := strings.ReplaceAll(uid, "-", "")
		for _, path := range []string{
			"/projects/GetUserProjects/" + uid,
			"/Projects/GetUserProjects/" + uid,
			"/projects/getuserprojects/" + uid,
			"/projects/GetUserProjects/" + uid + "/",
			"/projects/GetUserProjects/" + strings.ToUpper(uid),
			"/projects/GetUserProjects/{" + uid + "}",
			"/projects/GetUserProjects/" + bare,
			"/projects/5/name/Tumbler",
			"/Projects/5/Name/Tumbler/",
		} {
			r := s.tervis(path, ann)
			if r.StatusCode != 200 || !strings.Contains(string(r.body), `"Name":"Tumbler"`) {
				t.Errorf("%s: %d %.200s", path, r.StatusCode, r.body)
			}
		}
		for accept, want := range map[string]string{
			"":                                  "application/json",
			"application/json, text/plain, */*": "application/json",
			"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8": "application/json",
			"application/xml":                  "application/xml",
			"text/xml":                         "text/xml",
			"application/json; charset=utf-8":  "application/json",
			"application/xml;q=0.5, text/json": "application/json",
		} {
			var headers []string
			if accept != "" {
				headers = []string{"Accept", accept}
			}
			r := s.tervis("/projects/GetUserProjects/"+uid, ann, headers...)
			if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, want) {
				t.Errorf("Accept %q: %s, want %s", accept, got, want)
			}
		}
		// Another method on a route is Web API's 405; another path its 404.
		r := s.do("POST", "/Projects/GetUserProjects/"+uid, ann, "")
		if r.StatusCode != 405 || r.Header.Get("Allow") != "GET" || !strings.Contains(string(r.body), "does not support http method 'POST'") {
			t.Errorf("POST: %d %q %s", r.StatusCode, r.Header.Get("Allow"), r.body)
		}
		r = s.tervis("/Projects/GetUserProjects/"+uid+"/more", ann)
		if r.StatusCode != 404 || !strings.Contains(string(r.body), "No HTTP resource was found") {
			t.Errorf("deeper path: %d %s", r.StatusCode, r.body)
		}
	})
}
