package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"projectd/internal/testdb"
)

// isCompactJSON must agree with json.Compact on valid JSON: compact exactly when Compact
// would change nothing.
func FuzzIsCompactJSON(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1}`, `{"a": 1}`, `{"a":"x y"}`, `{"a":"x\" y"}`, `{"a":"\\"}`,
		`{"a":"\\" , "b":2}`, "{\"a\":\"tab\\there\"}", "{\n}", `[1, 2]`, `"a b"`, `{"a":"\\\\"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !json.Valid([]byte(s)) {
			return
		}
		var b bytes.Buffer
		json.Compact(&b, []byte(s))
		if want := b.String() == s; isCompactJSON([]byte(s)) != want {
			t.Fatalf("isCompactJSON(%q) = %v, want %v", s, !want, want)
		}
	})
}

// Every PostgreSQL connection of the pool runs prepared statements with generic plans.
func TestPostgresGenericPlans(t *testing.T) {
	db, err := Open(context.Background(), testdb.Flavours[1].New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.pool.QueryRow(context.Background(), "SHOW plan_cache_mode").Scan(&mode); err != nil || mode != "force_generic_plan" {
		t.Fatalf("plan_cache_mode = %q, %v", mode, err)
	}
}
