package textking

import (
	"net/url"
	"testing"

	"projectd"
)

// The surface's parsers never panic; what they refuse is the caller's mistake, and what
// they accept its validator accepts.

func FuzzListParams(f *testing.F) {
	for _, s := range []string{"page=2&per_page=2&state=prepared", "per_page=101", "page=0", "state=gone", "page=1&page=2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		page, perPage, _, err := parseList(values)
		if err == nil && (page < 1 || perPage < 1 || perPage > 100) {
			t.Fatalf("%q: accepted page %d per_page %d", raw, page, perPage)
		}
		if err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", raw, err)
		}
	})
}

func fuzzBody(t *testing.T, mediaType string, body []byte) {
	for _, creating := range []bool{true, false} {
		fields, err := readBody(mediaType, body)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			return
		}
		name, ext, err := patch(fields, creating)
		if err != nil {
			if projectd.ErrorCode(err) != projectd.EINVALID {
				t.Fatalf("%q: %v", body, err)
			}
			continue
		}
		if name != nil {
			if err := projectd.ValidateName("name", *name); err != nil && projectd.ErrorField(err) != "name" {
				t.Fatalf("%q: %v", body, err)
			}
		}
		if ext != nil {
			if err := ValidateExt(ext[len(`{"textking":`) : len(ext)-1]); err != nil {
				t.Fatalf("%q makes ext its validator refuses: %s: %v", body, ext, err)
			}
		}
	}
}

func FuzzJSONBody(f *testing.F) {
	for _, s := range []string{`{"name":"Website","due_date":{"date":"2013-06-01 00:00:00.000000","timezone_type":3,"timezone":"UTC"},"state":null,"coupon_name":"","affiliate_id":null,"billing_address":""}`,
		`{"name":"x","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3","state":"running"}`, `{"name":"\u0000"}`, `{"due_date":"2013-06-01T10:00:00Z"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzBody(t, mediaJSON, body) })
}

func FuzzXMLBody(f *testing.F) {
	for _, s := range []string{`<?xml version="1.0"?><!-- c --><project xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><name>Atlas</name><coupon_name xsi:nil="true"/></project>`,
		`<project><name><a>x</a></name></project>`, `<project><name>x</name></project>junk`, `<project><due_date>2013-06-01</due_date></project>`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) { fuzzBody(t, mediaXML, body) })
}

func FuzzValidateExt(f *testing.F) {
	for _, s := range []string{`{"state":"prepared","net_price":1.5,"due_date":"2027-01-02","billing_address":"9c6f23b6-167d-4b01-977f-4de799e3abf3"}`, `{"state":"bogus"}`, `{"currency":"eur"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, ns []byte) {
		if err := ValidateExt(ns); err != nil && projectd.ErrorCode(err) != projectd.EINVALID {
			t.Fatalf("%q: %v", ns, err)
		}
	})
}
