package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"projectd"
)

// listParams are the query parameters of GET /api/projects; any other is a 400.
var listParams = []string{
	"status", "owner", "workspace", "q", "sort", "limit", "cursor", "count",
	"id_gt", "id_gte", "id_lt", "id_lte",
	"created_gt", "created_gte", "created_lt", "created_lte",
	"updated_gt", "updated_gte", "updated_lt", "updated_lte",
}

// nativeSorts are the fields the native list sorts by.
var nativeSorts = []string{projectd.SortID, projectd.SortName, projectd.SortCreated, projectd.SortUpdated}

// parseListQuery turns the query string into the domain's list query, validating every
// parameter and naming the one that is wrong.
func (h *Handler) parseListQuery(values url.Values) (projectd.ProjectQuery, error) {
	var q projectd.ProjectQuery
	for name, vs := range values {
		if name == "" {
			return q, projectd.Invalid("query", "the query has a parameter without a name")
		}
		if !slices.Contains(listParams, name) {
			return q, projectd.Invalid(name, "unknown parameter %q", name)
		}
		if len(vs) > 1 {
			return q, projectd.Invalid(name, "parameter %s is given more than once", name)
		}
	}
	f := &q.Filter
	if s := values.Get("status"); values.Has("status") {
		if err := projectd.ValidateStatus("status", s); err != nil {
			return q, err
		}
		f.Status = s
	}
	for _, name := range []string{"owner", "workspace", "q"} {
		if v := values.Get(name); values.Has(name) && (v == "" || !utf8.ValidString(v) || len(v) > 256) {
			return q, projectd.Invalid(name, "%s must be 1 to 256 bytes of UTF-8", name)
		}
	}
	f.Owner, f.Workspace, f.Q = values.Get("owner"), values.Get("workspace"), values.Get("q")
	for name, dst := range map[string]**int64{"id_gt": &f.IDGt, "id_gte": &f.IDGte, "id_lt": &f.IDLt, "id_lte": &f.IDLte} {
		if values.Has(name) {
			n, err := strconv.ParseInt(values.Get(name), 10, 64)
			if err != nil {
				return q, projectd.Invalid(name, "%s must be an integer", name)
			}
			*dst = &n
		}
	}
	times := map[string]**time.Time{
		"created_gt": &f.CreatedGt, "created_gte": &f.CreatedGte, "created_lt": &f.CreatedLt, "created_lte": &f.CreatedLte,
		"updated_gt": &f.UpdatedGt, "updated_gte": &f.UpdatedGte, "updated_lt": &f.UpdatedLt, "updated_lte": &f.UpdatedLte,
	}
	for name, dst := range times {
		if values.Has(name) {
			t, err := parseTime(values.Get(name))
			if err != nil {
				return q, projectd.Invalid(name, "%s must be an RFC 3339 date-time or a date YYYY-MM-DD", name)
			}
			*dst = &t
		}
	}
	sort, err := parseSort(values.Get("sort"), values.Has("sort"))
	if err != nil {
		return q, err
	}
	q.Sort = sort
	q.Limit = projectd.DefaultLimit
	if values.Has("limit") {
		n, err := strconv.Atoi(values.Get("limit"))
		if err != nil || n < 1 || n > projectd.MaxLimit {
			return q, projectd.Invalid("limit", "limit must be an integer from 1 to %d", projectd.MaxLimit)
		}
		q.Limit = n
	}
	if values.Has("count") {
		if values.Get("count") != "exact" {
			return q, projectd.Invalid("count", "count must be exact")
		}
		q.Count = true
	}
	if err := q.Normalize(h.Ext); err != nil {
		return q, err
	}
	if values.Has("cursor") {
		after, err := h.decodeCursor(values.Get("cursor"), values, q.Sort)
		if err != nil {
			return q, err
		}
		q.After = after
	}
	return q, nil
}

// parseTime reads an RFC 3339 date-time or a bare date (midnight UTC).
func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	return time.Parse(time.DateOnly, s)
}

// parseSort reads "field,-field": known fields, each once, "-" for descending.
func parseSort(s string, given bool) ([]projectd.SortKey, error) {
	if !given {
		return nil, nil
	}
	var keys []projectd.SortKey
	for _, part := range strings.Split(s, ",") {
		k := projectd.SortKey{Field: strings.TrimPrefix(part, "-"), Desc: strings.HasPrefix(part, "-")}
		if !slices.Contains(nativeSorts, k.Field) {
			return nil, projectd.Invalid("sort", "cannot sort by %q: use id, name, created or updated, - for descending", part)
		}
		for _, prev := range keys {
			if prev.Field == k.Field {
				return nil, projectd.Invalid("sort", "sort names %s twice", k.Field)
			}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// A cursor is base64url(JSON {binding, keyset}) "." base64url(HMAC-SHA256 truncated to
// 16 bytes). The binding hashes the filters and sort it was issued for, so a cursor
// replayed with other filters, or altered at all, is a 400.

type cursorBody struct {
	Binding string `json:"b"`
	Keyset  []any  `json:"k"`
}

// binding hashes every parameter but the cursor, limit and count.
func binding(values url.Values) string {
	v := url.Values{}
	for name, vs := range values {
		if name != "cursor" && name != "limit" && name != "count" {
			v[name] = vs
		}
	}
	sum := sha256.Sum256([]byte(v.Encode()))
	return base64.RawURLEncoding.EncodeToString(sum[:9])
}

func (h *Handler) mac(payload string) string {
	m := hmac.New(sha256.New, h.CursorKey)
	m.Write([]byte("cursor\x00" + payload))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

func (h *Handler) encodeCursor(values url.Values, keyset []any) string {
	for i, v := range keyset {
		if t, ok := v.(time.Time); ok {
			keyset[i] = t.UTC().Format(time.RFC3339Nano)
		}
	}
	b, _ := json.Marshal(cursorBody{Binding: binding(values), Keyset: keyset})
	payload := base64.RawURLEncoding.EncodeToString(b)
	return payload + "." + h.mac(payload)
}

func (h *Handler) decodeCursor(cursor string, values url.Values, sort []projectd.SortKey) ([]any, error) {
	bad := projectd.Invalid("cursor", "cursor is not one this server issued for these filters and sort")
	payload, sig, ok := strings.Cut(cursor, ".")
	if !ok || !hmac.Equal([]byte(sig), []byte(h.mac(payload))) {
		return nil, bad
	}
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil {
		return nil, bad
	}
	var body struct {
		Binding string            `json:"b"`
		Keyset  []json.RawMessage `json:"k"`
	}
	if json.Unmarshal(raw, &body) != nil || body.Binding != binding(values) || len(body.Keyset) != len(sort) {
		return nil, bad
	}
	out := make([]any, len(sort))
	for i, k := range sort {
		kind, isTime, err := h.Ext.SortKind(k.Field)
		if err != nil {
			return nil, bad
		}
		var s string
		var n int64
		switch {
		case isTime:
			if json.Unmarshal(body.Keyset[i], &s) != nil {
				return nil, bad
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return nil, bad
			}
			out[i] = t
		case kind == projectd.ExtInt:
			if json.Unmarshal(body.Keyset[i], &n) != nil {
				return nil, bad
			}
			out[i] = n
		default:
			if json.Unmarshal(body.Keyset[i], &s) != nil {
				return nil, bad
			}
			out[i] = s
		}
	}
	return out, nil
}

// nextURL is the list URL of the page after the one answered with cursor.
func nextURL(base string, values url.Values, cursor string) string {
	v := url.Values{}
	for name, vs := range values {
		v[name] = vs
	}
	v.Set("cursor", cursor)
	return fmt.Sprintf("%s/api/projects?%s", base, v.Encode())
}
