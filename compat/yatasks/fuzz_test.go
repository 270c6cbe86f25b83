package yatasks

import (
	"net/url"
	"testing"

	"projectd"
)

// The surface's parsers never panic, and what they accept is within the surface's limits.

func FuzzListParams(f *testing.F) {
	for _, s := range []string{"", "status=ACTIVE&sort=-created,id&limit=300", "id_gt=5&created_gte=2022-01-01T00:00:00.123456",
		"owner=6c6e20dc86cca2ae787afcb2629de162", "limit=0", "sort=id,id", "created_lt=2021-13-01", "x=1&x=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, bad := parseList(values)
		if bad == nil && (q.Limit < 1 || q.Limit > maxLimit) {
			t.Fatalf("%q: limit %d accepted", raw, q.Limit)
		}
		for field, e := range bad {
			if field == "" || e.Code == "" || e.Message == "" {
				t.Fatalf("%q: payload %v", raw, bad)
			}
		}
	})
}

func FuzzOperationParams(f *testing.F) {
	for _, s := range []string{"type=PROJECT.ARCHIVE&status=SUCCESS&sort=-finished&limit=3", "submitted_lt=2023-06-01T00:00:00", "id_gt=01a2", "limit=501"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, bad := parseOperations(values)
		if bad == nil && (q.Limit < 1 || q.Limit > maxOperationLimit || projectd.CheckText("id", q.Filter.IDGt) != nil) {
			t.Fatalf("%q: accepted %+v", raw, q)
		}
	})
}

func FuzzProjectBody(f *testing.F) {
	for _, s := range []string{`{"public_name":"x","public_description":"d","task_spec":{"input_spec":{},"output_spec":{}},"assignments_issuing_type":"AUTOMATED"}`,
		`{"public_name":7}`, `[]`, `{"a":"\ud800"}`, `{"public_name":"x","public_name":"y"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		form, bad := parseForm(body)
		if bad == nil {
			if err := projectd.ValidateName("public_name", form.name); err != nil {
				t.Fatalf("%q: accepted a bad name: %v", body, err)
			}
			if err := ValidateExt(form.ext(false)[len(`{"tasks":`) : len(form.ext(false))-1]); err != nil {
				t.Fatalf("%q: accepted fields its validator refuses: %v", body, err)
			}
		}
	})
}

func FuzzValidateExt(f *testing.F) {
	for _, s := range []string{`{"private_comment":"x","task_spec":{"input_spec":{},"output_spec":{}}}`, `{"max_active_assignments_count":0}`, `{"sensitive":"yes"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ns []byte) {
		if err := ValidateExt(ns); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", ns, err)
		}
	})
}
