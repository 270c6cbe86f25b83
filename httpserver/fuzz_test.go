package httpserver

import (
	"encoding/json"
	"testing"

	"projectd"
)

// Every JSON body of every surface is read by DecodeJSON: it never panics, refuses as the
// caller's mistake with a field named, and what it accepts holds nothing CheckJSONText
// refuses.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"name":"x","ext":{"a":[1,{"b":null}]}}`, `{"name":"\ud800"}`, `{"a":1,"a":2}`, `{"a":"\u0000"}`, `{"a":`, "{\"a\":\"\xff\"}", `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v map[string]json.RawMessage
		err := DecodeJSON(body, &v)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) == "" {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if err := projectd.CheckJSONText(body, "", 0); err != nil {
			t.Fatalf("%q accepted, but %v", body, err)
		}
	})
}
