package projectd_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"projectd"
)

func TestCheckJSONText(t *testing.T) {
	deep := strings.Repeat(`{"a":`, 64) + `1` + strings.Repeat(`}`, 64)
	for _, tc := range []struct {
		doc, field string // field "" means accepted
	}{
		{`{"a":"b","c":[1,{"d":"\ud83d\ude00"}]}`, ""},
		{`{"a":"caf\u00e9","b":"\\u0000 is text"}`, ""},
		{deep, ""},
		{deep[:0] + `{"x":` + deep + `}`, "ext.x.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"},
		{`{"a":"x\u0000y"}`, "ext.a"},
		{`{"a":{"b":"\ud800"}}`, "ext.a.b"},
		{`{"a":["ok","\udc00"]}`, "ext.a[1]"},
		{`{"a":"\ud800\u0041"}`, "ext.a"},
		{`{"a":"x\ud800"}`, "ext.a"},
		{`{"state":"bogus","state":"prepared"}`, "ext.state"},
		{`{"a":{"k":1,"k":2}}`, "ext.a.k"},
		{`[{"k":1},{"k":1}]`, ""},
		{`{"\u006b":1,"k":2}`, "ext.k"},
	} {
		err := projectd.CheckJSONText([]byte(tc.doc), "ext", projectd.MaxExtDepth)
		if tc.field == "" && err != nil {
			t.Errorf("%.60s: %v", tc.doc, err)
		}
		if tc.field != "" && (projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) != tc.field) {
			t.Errorf("%.60s: got %v, want EINVALID on %s", tc.doc, err, tc.field)
		}
	}
	if err := projectd.CheckJSONText([]byte(`{"a":`), "", 0); projectd.ErrorCode(err) != projectd.EINVALID {
		t.Errorf("invalid JSON: %v", err)
	}
}

// CheckJSONText accepts exactly the valid documents whose strings decode without
// replacement, and never panics.
func FuzzCheckJSONText(f *testing.F) {
	for _, s := range append(jsonSamples, `{"a":"\ud800"}`, `{"a":"\u0000"}`, `{"k":1,"k":2}`, `[[[[1]]]]`) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		err := projectd.CheckJSONText([]byte(doc), "", 3)
		if !json.Valid([]byte(doc)) {
			if err == nil {
				t.Fatalf("invalid JSON accepted: %q", doc)
			}
			return
		}
		if err == nil && (strings.Contains(doc, `\u0000`) && !strings.Contains(doc, `\\u0000`)) {
			var v any
			json.Unmarshal([]byte(doc), &v)
			if b, _ := json.Marshal(v); strings.Contains(string(b), `\u0000`) {
				t.Fatalf("a NUL was accepted: %q", doc)
			}
		}
	})
}

// Objects of more than 16 members, past the short list, still catch repeated names.
func TestCheckJSONTextManyMembers(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range 40 {
		fmt.Fprintf(&b, `"k%d":%d,`, i, i)
	}
	b.WriteString(`"k3":0}`)
	if err := projectd.CheckJSONText([]byte(b.String()), "", 0); projectd.ErrorField(err) != "k3" {
		t.Fatalf("got %v", err)
	}
	if err := projectd.CheckJSONText([]byte(strings.Replace(b.String(), `"k3":0}`, `"k40":0}`, 1)), "", 0); err != nil {
		t.Fatalf("distinct names refused: %v", err)
	}
}
