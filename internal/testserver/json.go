package testserver

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// OrderedKeys returns the keys of a JSON object in document order.
func OrderedKeys(t testing.TB, raw json.RawMessage) []string {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(string(raw)))
	if tok, err := d.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", raw)
	}
	var keys []string
	for d.More() {
		tok, _ := d.Token()
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		d.Decode(&skip)
	}
	return keys
}

// SameShape compares two JSON values key by key and type by type (values too, unless a
// key is in free, whose values the server chooses).
func SameShape(t testing.TB, path string, got, want any, free map[string]bool) {
	t.Helper()
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			t.Errorf("%s: got %T, want an object", path, got)
			return
		}
		for k := range w {
			if _, ok := g[k]; !ok {
				t.Errorf("%s.%s is missing", path, k)
			}
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				t.Errorf("%s.%s is extra", path, k)
			}
		}
		for k, wv := range w {
			if free[path+"."+k] {
				if fmt.Sprintf("%T", g[k]) != fmt.Sprintf("%T", wv) {
					t.Errorf("%s.%s: got %T, want %T", path, k, g[k], wv)
				}
				continue
			}
			SameShape(t, path+"."+k, g[k], wv, free)
		}
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			t.Errorf("%s: got %v, want %d items", path, got, len(w))
			return
		}
		for i := range w {
			SameShape(t, fmt.Sprintf("%s[%d]", path, i), g[i], w[i], free)
		}
	default:
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) || got != want {
			t.Errorf("%s: got %#v, want %#v", path, got, want)
		}
	}
}
