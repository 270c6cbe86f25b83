package surfaces_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd/compat/surfaces"
	"projectd/internal/testdb"
	"projectd/internal/testserver"
)

// Every surface's OpenAPI document is served, listed in the native document, and
// describes routes that exist: each documented operation answers an anonymous request
// with its own documented 401, never a catch-all's 404 or 405.
func TestSurfaceOpenAPIDocuments(t *testing.T) {
	s := testserver.Start(t, testdb.Flavours[0].New(t))
	var native struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Schema struct{ Enum []string }
				}
			}
		}
	}
	s.Do("GET", "/api/openapi.json", "", "").JSON(t, &native)
	listed := native.Paths["/api/openapi/{surface}.json"].Get.Parameters[0].Schema.Enum
	var names []string
	for _, d := range testserver.Documents(t, surfaces.All)[1:] {
		names = append(names, d.Name)
	}
	if !slices.Equal(slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(names))) {
		t.Fatalf("the native document lists %v, the surfaces are %v", listed, names)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, d := range testserver.Documents(t, surfaces.All)[1:] {
		r := s.Do("GET", "/api/openapi/"+d.Name+".json", "", "")
		if r.StatusCode != 200 || !bytes.Equal(r.Body, d.Doc) {
			t.Errorf("GET /api/openapi/%s.json: %d, %d bytes, want the embedded document", d.Name, r.StatusCode, len(r.Body))
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(d.Doc, &doc); err != nil {
			t.Fatal(err)
		}
		operations := 0
		for path, item := range doc.Paths {
			for method := range item {
				if method == "parameters" {
					continue
				}
				operations++
				method, url := strings.ToUpper(method), param.ReplaceAllString(path, "1")
				if got := s.Do(method, url, "", "").StatusCode; got != 401 {
					t.Errorf("%s: anonymous %s %s answered %d, want its documented 401", d.Name, method, url, got)
				}
			}
		}
		if operations == 0 {
			t.Errorf("%s documents no operation", d.Name)
		}
	}
}
