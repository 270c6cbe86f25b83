package tervis_test

import (
	"strings"
	"testing"

	"projectd/internal/testserver"
)

// What clients of an ASP.NET Web API send, replayed: routes in any letter case and with
// a trailing slash (Web API's routing ignores both), GUIDs in upper case, in braces or
// without dashes (Guid binding takes them), and the Accept headers of .NET's HttpClient,
// axios and browsers.
func TestTervisClientReplay(t *testing.T) {
	testserver.ForEachFlavour(t, func(t *testing.T, s *testserver.Server) {
		ann := s.User("ann", false)
		uid := s.UID(ann)
		s.Create(ann, `{"name":"Tumbler","ext":{"tervis":{"Status":5}}}`)
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
			r := tervis(s, path, ann)
			if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"Name":"Tumbler"`) {
				t.Errorf("%s: %d %.200s", path, r.StatusCode, r.Body)
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
			r := tervis(s, "/projects/GetUserProjects/"+uid, ann, headers...)
			if got := r.Header.Get("Content-Type"); !strings.HasPrefix(got, want) {
				t.Errorf("Accept %q: %s, want %s", accept, got, want)
			}
		}
		// Another method on a route is Web API's 405; another path its 404.
		r := s.Do("POST", "/Projects/GetUserProjects/"+uid, ann, "")
		if r.StatusCode != 405 || r.Header.Get("Allow") != "GET" || !strings.Contains(string(r.Body), "does not support http method 'POST'") {
			t.Errorf("POST: %d %q %s", r.StatusCode, r.Header.Get("Allow"), r.Body)
		}
		r = tervis(s, "/Projects/GetUserProjects/"+uid+"/more", ann)
		if r.StatusCode != 404 || !strings.Contains(string(r.Body), "No HTTP resource was found") {
			t.Errorf("deeper path: %d %s", r.StatusCode, r.Body)
		}
	})
}
