package surfaces_test

import (
	"testing"

	"projectd"
	"projectd/compat"
	"projectd/compat/surfaces"
)

// Every write's ext goes through the surfaces' validators together: they never panic,
// refuse as the caller's mistake, and what they accept holds nothing the store refuses.
func FuzzExtensions(f *testing.F) {
	for _, s := range []string{`{"textking":{"state":"prepared"},"tervis":{"Status":1},"maiu":{"isBaseProject":false}}`,
		`{"tasks":{"private_comment":"x"},"movika":{"buildStatus":1}}`, `{"nope":{}}`, `{"textking":{"state":"a","state":"b"}}`, `{"tervis":{"Status":"1"}}`} {
		f.Add([]byte(s))
	}
	ext, err := compat.Extensions(surfaces.All)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		err := ext.Validate(doc)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) == "" {
				t.Fatalf("%q: %v", doc, err)
			}
			return
		}
		if err := projectd.CheckJSONText(doc, "ext", projectd.MaxExtDepth); err != nil {
			t.Fatalf("%q accepted, but %v", doc, err)
		}
	})
}
