package main

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"projectd/internal/testdb"
)

// Every surface's OpenAPI document is served, listed in the native document, and
// describes routes that exist: each documented operation answers an anonymous request
// with its own documented 401, never a catch-all's 404 or 405.
func TestSurfaceOpenAPIDocuments(t *testing.T) {
	s := startServer(t, testdb.Flavours[0].New(t))
	var native struct {
		Paths map[string]struct {
			Get struct {
				Parameters []struct {
					Schema struct{ Enum []string }
				}
			}
		}
	}
	s.do("GET", "/api/openapi.json", "", "").json(t, &native)
	listed := native.Paths["/api/openapi/{surface}.json"].Get.Parameters[0].Schema.Enum
	var names []string
	for _, d := range openAPIDocuments[1:] {
		names = append(names, d.name)
	}
	if !slices.Equal(slices.Sorted(slices.Values(listed)), slices.Sorted(slices.Values(names))) {
		t.Fatalf("the native document lists %v, the surfaces are %v", listed, names)
	}
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, d := range openAPIDocuments[1:] {
		r := s.do("GET", "/api/openapi/"+d.name+".json", "", "")
		if r.StatusCode != 200 || !bytes.Equal(r.body, d.doc) {
			t.Errorf("GET /api/openapi/%s.json: %d, %d bytes, want the embedded document", d.name, r.StatusCode, len(r.body))
		}
		var doc struct {
			Paths map[string]map[string]json.RawMessage
		}
		if err := json.Unmarshal(d.doc, &doc); err != nil {
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
				if got := s.do(method, url, "", "").StatusCode; got != 401 {
					t.Errorf("%s: anonymous %s %s answered %d, want its documented 401", d.name, method, url, got)
				}
			}
		}
		if operations == 0 {
			t.Errorf("%s documents no operation", d.name)
		}
	}
}
