package movika

import (
	"net/url"
	"testing"

	"projectd"
)

func FuzzPageParams(f *testing.F) {
	for _, s := range []string{"limit=20&after=2", "before=1", "after=0", "limit=101", "after=1&before=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		page, limit, err := parsePage(values)
		if err == nil && (page < 1 || limit < 1 || limit > maxLimit) {
			t.Fatalf("%q: accepted page %d limit %d", raw, page, limit)
		}
		if err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", raw, err)
		}
	})
}

func FuzzValidateExt(f *testing.F) {
	for _, s := range []string{`{"cover":"https://x.example/c.jpg","buildStatus":2,"deployedTo":[1,2],"modified":false}`, `{"buildStatus":9}`, `{"cover":"not a uri"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ns []byte) {
		if err := ValidateExt(ns); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", ns, err)
		}
	})
}
