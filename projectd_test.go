package projectd_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"projectd"
)

// The examples of RFC 7396, appendix A.
func TestMergePatch(t *testing.T) {
	for _, tc := range []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
		{`{"n":12345678901234567890}`, `{"m":1}`, `{"m":1,"n":12345678901234567890}`},
	} {
		got, err := projectd.MergePatch(json.RawMessage(tc.target), json.RawMessage(tc.patch))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s + %s = %s (%v), want %s", tc.target, tc.patch, got, err, tc.want)
		}
	}
	if _, err := projectd.MergePatch(json.RawMessage(`{}`), json.RawMessage(`{"a":`)); projectd.ErrorField(err) != "ext" {
		t.Errorf("a broken patch: %v", err)
	}
}

func TestExtValue(t *testing.T) {
	ext := json.RawMessage(`{"textking":{"state":"running","n":3},"tervis":{"Product":{"Name":"cup"}}}`)
	for path, want := range map[string]any{
		"textking.state":    "running",
		"textking.n":        json.Number("3"),
		"tervis.Product":    map[string]any{"Name": "cup"},
		"tervis.Product.No": nil,
		"movika.cover":      nil,
		"textking.state.x":  nil,
	} {
		if got := projectd.ExtValue(ext, path); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %#v, want %#v", path, got, want)
		}
	}
}

// testExtensions declares namespaces with an indexed path of every kind, as surfaces do.
var testExtensions = mustExtensions(
	projectd.ExtNamespace{Name: "tasks", Indexed: []projectd.IndexedPath{{Key: "private_comment", Column: "c1", Kind: projectd.ExtText, Default: ""}}},
	projectd.ExtNamespace{Name: "textking", Indexed: []projectd.IndexedPath{{Key: "state", Column: "c2", Kind: projectd.ExtText, Default: "prepared", Counted: true}}},
	projectd.ExtNamespace{Name: "tervis", Indexed: []projectd.IndexedPath{{Key: "Status", Column: "c3", Kind: projectd.ExtInt, Default: int64(0)}}},
	projectd.ExtNamespace{Name: "maiu", Indexed: []projectd.IndexedPath{{Key: "isBaseProject", Column: "c4", Kind: projectd.ExtBool, Default: false}}},
)

func mustExtensions(ns ...projectd.ExtNamespace) *projectd.Extensions {
	x, err := projectd.NewExtensions(ns...)
	if err != nil {
		panic(err)
	}
	return x
}

// Declarations that the store could not honour are refused at start-up.
func TestNewExtensionsRefusesBadDeclarations(t *testing.T) {
	text := func(key string, counted bool) projectd.IndexedPath {
		return projectd.IndexedPath{Key: key, Column: "c_" + key, Kind: projectd.ExtText, Default: "", Counted: counted}
	}
	for name, decl := range map[string][]projectd.ExtNamespace{
		"a namespace twice":           {{Name: "a"}, {Name: "a"}},
		"no name":                     {{Name: ""}},
		"a dotted name":               {{Name: "a.b"}},
		"no column":                   {{Name: "a", Indexed: []projectd.IndexedPath{{Key: "k", Kind: projectd.ExtText, Default: ""}}}},
		"a default of the wrong kind": {{Name: "a", Indexed: []projectd.IndexedPath{{Key: "k", Column: "c", Kind: projectd.ExtInt, Default: "0"}}}},
		"two counted paths":           {{Name: "a", Indexed: []projectd.IndexedPath{text("x", true)}}, {Name: "b", Indexed: []projectd.IndexedPath{text("y", true)}}},
		"a counted int":               {{Name: "a", Indexed: []projectd.IndexedPath{{Key: "k", Column: "c", Kind: projectd.ExtInt, Default: int64(0), Counted: true}}}},
	} {
		if _, err := projectd.NewExtensions(decl...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if got := testExtensions.CountedPath(); got != "textking.state" {
		t.Errorf("counted path %q", got)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		sort []projectd.SortKey
		want []projectd.SortKey
	}{
		{nil, []projectd.SortKey{{Field: "id"}}},
		{[]projectd.SortKey{{Field: "name"}}, []projectd.SortKey{{Field: "name"}, {Field: "id"}}},
		{[]projectd.SortKey{{Field: "created", Desc: true}}, []projectd.SortKey{{Field: "created", Desc: true}, {Field: "id", Desc: true}}},
		{[]projectd.SortKey{{Field: "id", Desc: true}, {Field: "name"}}, []projectd.SortKey{{Field: "id", Desc: true}}},
		{[]projectd.SortKey{{Field: "ext.tasks.private_comment"}}, []projectd.SortKey{{Field: "ext.tasks.private_comment"}, {Field: "id"}}},
	} {
		q := projectd.ProjectQuery{Sort: tc.sort}
		if err := q.Normalize(testExtensions); err != nil || !reflect.DeepEqual(q.Sort, tc.want) {
			t.Errorf("%v: got %v (%v), want %v", tc.sort, q.Sort, err, tc.want)
		}
	}
	for _, q := range []projectd.ProjectQuery{
		{Sort: []projectd.SortKey{{Field: "owner"}}},
		{Sort: []projectd.SortKey{{Field: "ext.maiu.isBaseProject"}}},
		{Limit: -1},
		{Offset: -1},
		{Offset: 5, After: []any{int64(1)}},
		{After: []any{int64(1), int64(2)}},
		{Filter: projectd.ProjectFilter{Status: "gone"}},
		{Filter: projectd.ProjectFilter{Ext: []projectd.ExtEqual{{Path: "tervis.Status", Value: true}}}},
	} {
		if err := q.Normalize(testExtensions); projectd.ErrorCode(err) != projectd.EINVALID {
			t.Errorf("%+v: got %v", q, err)
		}
	}
}

func TestSortValue(t *testing.T) {
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := &projectd.Project{ID: 9, Name: "n", CreatedAt: created, Ext: json.RawMessage(`{"tervis":{"Status":4}}`)}
	got := testExtensions.Keyset(p, []projectd.SortKey{{Field: "name"}, {Field: "created"}, {Field: "ext.tervis.Status"}, {Field: "ext.textking.state"}, {Field: "id"}})
	want := []any{"n", created, int64(4), "prepared", int64(9)}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

// JSONObject and JSONString must read every input as encoding/json does.
var jsonSamples = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a" : "b" , "c":[1,{"d":"}"}],"e":{"f":"]\"x"}}`,
	`{"a":"x","a":"y"}`, `{"\u0061b":true,"c\"d":null}`, "{\n\t\"a\": -1.5e3\n}",
	`{"s":"caf\u00e9 \\ done"}`, `{"k":"naïve"}`, `[1]`, `null`, `"str"`, `{`, `{"a":}`,
	`{"a":1,}`, `{"a":1} x`, ``, `{"a":"` + "\x01" + `"}`, "{\"a\":\"\xff\"}",
}

func FuzzJSONObject(f *testing.F) {
	for _, s := range jsonSamples {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal([]byte(s), &want) != nil || want == nil
		got, err := projectd.JSONObject([]byte(s))
		if (err != nil) != wantErr {
			t.Fatalf("JSONObject(%q) error %v, encoding/json error %v", s, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("JSONObject(%q) = %q, encoding/json %q", s, got, want)
		}
	})
}

func FuzzJSONString(f *testing.F) {
	for _, s := range append(jsonSamples, `"plain"`, `"tab\there"`, `"a\"b"`, `"\ud83d\ude00"`, `"x`, `"`+"\xff"+`"`, `1`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want string
		wantOK := json.Unmarshal([]byte(s), &want) == nil
		got, ok := projectd.JSONString([]byte(s))
		if ok != wantOK || ok && got != want {
			t.Fatalf("JSONString(%q) = %q, %v; encoding/json %q, %v", s, got, ok, want, wantOK)
		}
	})
}

// JSONMembers must never read past its input, and must agree with encoding/json on every
// valid object.
func FuzzJSONMembers(f *testing.F) {
	for _, s := range append(jsonSamples, `{"a"`, `{"a":`, `{"a":"`, `{"a":[`, `{"a":{"b":"\`, `{"a" 1}`, `{"a":1 "b":2}`, `{1:2}`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := projectd.JSONMembers([]byte(s)) // must not panic
		if !json.Valid([]byte(s)) {
			return
		}
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal([]byte(s), &want) != nil || want == nil
		if (err != nil) != wantErr || err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("JSONMembers(%q) = %q, %v; encoding/json %q", s, got, err, want)
		}
	})
}

// EachMember reports the failing member that comes first by name, whatever the map order.
func TestEachMemberFirstByName(t *testing.T) {
	fields := map[string]json.RawMessage{"b": json.RawMessage(`1`), "a": json.RawMessage(`2`), "c": json.RawMessage(`3`), "d": json.RawMessage(`4`)}
	for range 20 {
		var checked []string
		err := projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
			checked = append(checked, name)
			if name == "a" {
				return nil
			}
			return projectd.Invalid(name, "bad %s", name)
		})
		if projectd.ErrorField(err) != "b" || len(checked) != 4 {
			t.Fatalf("error %v after checking %v; want the one of b, after all four", err, checked)
		}
	}
	if err := projectd.EachMember(fields, func(string, json.RawMessage) error { return nil }); err != nil {
		t.Fatal(err)
	}
}
