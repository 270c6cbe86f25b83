package api

import (
	"net/url"
	"testing"

	"projectd"
	"projectd/internal/testdb"
)

func fuzzHandler() *Handler {
	return New(Config{CursorKey: make([]byte, 32), Ext: testdb.Extensions(nil)})
}

// The list's parameters never panic the parser, are refused as the caller's mistake, and
// what it accepts the store's normalisation accepts.
func FuzzListQuery(f *testing.F) {
	for _, s := range []string{"status=active&sort=-created,name&limit=2&count=exact", "owner=ann&workspace=team&q=x%25y",
		"created_gte=2026-01-01&updated_lt=2026-01-01T00:00:00Z", "id_gt=5&id_lte=9", "sort=ext.textking.state", "limit=1001", "cursor=abc"} {
		f.Add(s)
	}
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := h.parseListQuery(values)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID || projectd.ErrorField(err) == "" {
				t.Fatalf("%q: %v", raw, err)
			}
			return
		}
		if err := q.Normalize(h.Ext); err != nil {
			t.Fatalf("%q: parsed into a query the store refuses: %v", raw, err)
		}
	})
}

// A cursor is accepted only as it was issued, for the filters it was issued for.
func FuzzCursor(f *testing.F) {
	h := fuzzHandler()
	values := url.Values{"status": {"active"}, "sort": {"-created"}}
	sort := []projectd.SortKey{{Field: "created", Desc: true}, {Field: "id", Desc: true}}
	issued := h.encodeCursor(values, []any{int64(1700000000000000), int64(42)})
	f.Add(issued)
	f.Add(issued[:len(issued)-1] + "A")
	f.Add("")
	f.Fuzz(func(t *testing.T, cursor string) {
		after, err := h.decodeCursor(cursor, values, sort)
		if err == nil && cursor != issued {
			t.Fatalf("a cursor that was not issued was accepted: %q -> %v", cursor, after)
		}
		if err != nil && projectd.ErrorField(err) != "cursor" {
			t.Fatalf("%q: %v", cursor, err)
		}
	})
}

func FuzzPatchBody(f *testing.F) {
	for _, s := range []string{`{"name":"x","ext":{"textking":{"state":"running"}},"workspace":null}`, `{"ext":null}`, `{"owner":"bob","status":"archived"}`, `{"name":1}`, `[]`} {
		f.Add([]byte(s))
	}
	h := fuzzHandler()
	f.Fuzz(func(t *testing.T, body []byte) {
		upd, err := h.parsePatch(body)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		if err := upd.Validate(); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", body, err)
		}
	})
}
