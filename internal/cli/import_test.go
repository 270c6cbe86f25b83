package cli

import (
	"encoding/json"
	"reflect"
	"testing"

	"projectd"
)

var projectRecordNames = map[string]bool{"type": true, "id": true, "uid": true, "name": true, "description": true, "status": true,
	"owner": true, "workspace": true, "created_at": true, "created_by": true, "updated_at": true, "updated_by": true, "version": true, "ext": true}

// decodeProjectRecord agrees with decodeStrict: whatever it accepts decodeStrict accepts
// as the same record, and it refuses only what decodeStrict refuses, what is not an
// object, or a name that differs from export's in letter case (which encoding/json folds).
func FuzzDecodeProjectRecord(f *testing.F) {
	for _, seed := range []string{
		`{"type":"project","id":7,"uid":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","name":"a \"quoted\" \u00e9 name","description":"","status":"active","owner":"ann","workspace":"team","created_at":"2025-04-23T13:56:56.123456Z","created_by":"ann","updated_at":"2025-04-23T13:56:56Z","updated_by":"bob","version":3,"ext":{"textking":{"state":"running"}}}`,
		`{"type":"project","name":"x","id":null,"ext":null,"workspace":null}`,
		`{"type":"project","nmae":"typo"}`,
		`{"type":"project","id":1.5}`,
		`{"type":"project","id":"7"}`,
		`{"type":"project","created_at":"yesterday"}`,
		`{"type":"project","Name":"folded"}`,
		`{"type":"project","name":"x","name":"y"}`,
		`[1]`, `{"type":`, `{"name":"\ud800"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		got, err := decodeProjectRecord(line)
		var want projectRecord
		strictErr := decodeStrict(line, &want)
		if err == nil {
			if strictErr != nil {
				t.Fatalf("accepted what encoding/json refuses (%v): %q", strictErr, line)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("decoded\n%+v\nencoding/json decodes\n%+v\nfrom %q", got, want, line)
			}
			return
		}
		if strictErr == nil {
			fields, notObject := projectd.JSONObject(line)
			if notObject != nil {
				return // null decodes into a zero record there; a record is an object
			}
			for name := range fields {
				if !projectRecordNames[name] {
					return // a name in other letter case: refused here, folded there
				}
			}
			t.Fatalf("refused (%v) what encoding/json accepts: %q", err, line)
		}
	})
}

func TestDecodeProjectRecordKeepsExtBytes(t *testing.T) {
	r, err := decodeProjectRecord([]byte(`{"type":"project","name":"n","ext":{"a":{"b":[1, 2]}}}`))
	if err != nil || string(r.Ext) != `{"a":{"b":[1, 2]}}` || !json.Valid(r.Ext) {
		t.Fatalf("%q %v", r.Ext, err)
	}
}
