package console_test

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd/console"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// get fetches path from s without following redirects.
func get(t *testing.T, s *testserver.Server, path string) (*http.Response, string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.Base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// serve answers / with a redirect to /console/, whose page and every file it loads come
// from the binary with the console's security headers; the page has no inline script or
// style and nothing it loads comes from another origin.
func TestConsoleIsServedFromTheBinary(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	resp, _ := get(t, s, "/")
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/console/" {
		t.Fatalf("/: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, page := get(t, s, "/console/")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("/console/: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	wantHeaders := map[string]string{"Content-Security-Policy": console.ContentSecurityPolicy, "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff"}
	for k, v := range wantHeaders {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("/console/ %s: %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(console.ContentSecurityPolicy, "frame-ancestors 'none'") || strings.Contains(console.ContentSecurityPolicy, "unsafe-inline") {
		t.Errorf("the policy allows inline code or framing: %s", console.ContentSecurityPolicy)
	}
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=`)
	if m := inline.FindString(page); m != "" {
		t.Errorf("the page has inline script or style: %q", m)
	}
	var loads []string
	for _, m := range regexp.MustCompile(`<(?:script|link)\s[^>]*(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if m[1] != "data:," { // the empty icon, so that the browser asks for no favicon
			loads = append(loads, m[1])
		}
	}
	if len(loads) < 2 {
		t.Fatalf("the page loads %d files, want its script and styles", len(loads))
	}
	types := map[string]string{".js": "text/javascript", ".css": "text/css"}
	imports := regexp.MustCompile(`(?m)^import [^"]*"([^"]+)";`)
	seen := map[string]bool{}
	for len(loads) > 0 {
		l := loads[0]
		loads = loads[1:]
		if seen[l] {
			continue
		}
		seen[l] = true
		if !strings.HasPrefix(l, "/console/") {
			t.Errorf("the page loads %s, not from the console", l)
			continue
		}
		resp, body := get(t, s, l)
		ext := l[strings.LastIndex(l, "."):]
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), types[ext]) || resp.Header.Get("Content-Security-Policy") == "" {
			t.Errorf("%s: %d %s", l, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		names := strings.ReplaceAll(body, `"http://www.w3.org/2000/svg"`, "") // SVG's namespace, never fetched
		if strings.Contains(names, "http://") || strings.Contains(names, "https://") {
			t.Errorf("%s names another origin", l)
		}
		for _, m := range imports.FindAllStringSubmatch(body, -1) {
			loads = append(loads, m[1]) // the modules a script imports
		}
	}
	if len(seen) < 7 {
		t.Errorf("the page and its modules load %d files: %v", len(seen), seen)
	}
	if resp, _ := get(t, s, "/console/nothing.js"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown file: %d", resp.StatusCode)
	}
}

// Every control of the page has a label, and every field the API may name in an error
// has a place for it that the control is described by (controls the script makes are
// checked by axe-core in the browser tests).
func TestConsoleControlsAreLabelled(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	_, page := get(t, s, "/console/")
	controls := regexp.MustCompile(`<(?:input|select|textarea)\s[^>]*>`).FindAllString(page, -1)
	if len(controls) < 25 {
		t.Fatalf("%d controls on the page", len(controls))
	}
	attr := func(tag, name string) string {
		m := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(tag)
		if m == nil {
			return ""
		}
		return m[1]
	}
	for _, c := range controls {
		id := attr(c, "id")
		if id == "" || !strings.Contains(page, `<label for="`+id+`">`) {
			t.Errorf("control %s has no label", c)
		}
		described := false
		for _, ref := range strings.Fields(attr(c, "aria-describedby")) {
			described = described || strings.Contains(page, `class="error" id="`+ref+`"`)
		}
		if !described {
			t.Errorf("control %s has no place for its error", id)
		}
	}
	if !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, `name="viewport"`) {
		t.Error("the page has no language or viewport")
	}
}

// The list has a control for every filter and the sort of the native API's list, each
// named as the API's parameter, so that the page sends them as they are.
func TestConsoleListHasEveryFilter(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	_, page := get(t, s, "/console/")
	form := page[strings.Index(page, `<form id="filters"`):]
	form = form[:strings.Index(form, "</form>")]
	var controls []string
	for _, m := range regexp.MustCompile(`<(?:input|select)[^>]*\sname="([^"]+)"`).FindAllStringSubmatch(form, -1) {
		controls = append(controls, m[1])
	}
	_, doc := get(t, s, "/api/openapi.json")
	var spec struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"components"`
	}
	var list struct {
		Parameters []struct {
			Name string `json:"name"`
			Ref  string `json:"$ref"`
		} `json:"parameters"`
	}
	if err := json.Unmarshal([]byte(doc), &spec); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(spec.Paths["/api/projects"]["get"], &list); err != nil {
		t.Fatal(err)
	}
	params := map[string]bool{}
	for _, p := range list.Parameters {
		if p.Ref != "" {
			p.Name = spec.Components.Parameters[p.Ref[strings.LastIndex(p.Ref, "/")+1:]].Name
		}
		params[p.Name] = true
	}
	for _, c := range controls {
		if !params[c] {
			t.Errorf("the control %s is no parameter of GET /api/projects", c)
		}
	}
	for _, want := range []string{"status", "owner", "workspace", "q", "created_gte", "created_lt", "updated_gte", "updated_lt", "sort"} {
		if !slices.Contains(controls, want) {
			t.Errorf("no control for %s", want)
		}
	}
}
