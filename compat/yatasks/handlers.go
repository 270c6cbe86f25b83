package yatasks

import (
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"projectd"
	"projectd/httpserver"
)

// Listing limits of the seed: 20 by default, 300 at most.
const (
	defaultLimit = 20
	maxLimit     = 300
)

var listParams = []string{"status", "owner", "sort", "limit", "id_gt", "id_gte", "id_lt", "id_lte",
	"created_gt", "created_gte", "created_lt", "created_lte"}

// sortFields maps the surface's sort fields to the domain's.
var sortFields = map[string]string{
	"id": projectd.SortID, "created": projectd.SortCreated,
	"public_name": projectd.SortName, "private_comment": "ext.tasks.private_comment",
}

var ownerID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// checkParams refuses parameters the list does not take and parameters given twice.
func checkParams(values url.Values, known []string, v validation) {
	for name, vs := range values {
		if name == "" {
			v.add("query", "UNKNOWN_FIELD", "the query has a parameter without a name")
		} else if !slices.Contains(known, name) {
			v.add(name, "UNKNOWN_FIELD", "unknown parameter %s", name)
		} else if len(vs) > 1 {
			v.add(name, "INVALID_VALUE", "%s is given more than once", name)
		}
	}
}

// parseLimit reads limit within 1..max into dst.
func parseLimit(values url.Values, max int, dst *int, v validation) {
	if !values.Has("limit") {
		return
	}
	n, err := strconv.Atoi(values.Get("limit"))
	switch {
	case err != nil:
		v.add("limit", "INVALID_NUMBER", "limit must be an integer")
	case n > max:
		v.add("limit", "VALUE_GREATER_THAN_MAX", "limit must be at most %d", max)
	case n < 1:
		v.add("limit", "VALUE_LESS_THAN_MIN", "limit must be at least 1")
	default:
		*dst = n
	}
}

// parseSort reads sort, comma-separated fields of fields (each once, "-" for
// descending), naming them in the domain as fields maps them.
func parseSort(values url.Values, fields map[string]string, dst *[]projectd.SortKey, v validation) {
	if !values.Has("sort") {
		return
	}
	for _, part := range strings.Split(values.Get("sort"), ",") {
		field, ok := fields[strings.TrimPrefix(part, "-")]
		if !ok || slices.ContainsFunc(*dst, func(k projectd.SortKey) bool { return k.Field == field }) {
			names := slices.Sorted(maps.Keys(fields))
			v.add("sort", "UNKNOWN_ENUM_VALUE", "sort takes %s, each once, - for descending", strings.Join(names, ", "))
			return
		}
		*dst = append(*dst, projectd.SortKey{Field: field, Desc: strings.HasPrefix(part, "-")})
	}
}

// parseList turns the query string into the domain's list query.
func parseList(values url.Values) (projectd.ProjectQuery, validation) {
	v := validation{}
	q := projectd.ProjectQuery{Limit: defaultLimit}
	checkParams(values, listParams, v)
	f := &q.Filter
	if values.Has("status") {
		switch values.Get("status") {
		case "ACTIVE":
			f.Status = projectd.StatusActive
		case "ARCHIVED":
			f.Status = projectd.StatusArchived
		default:
			v.add("status", "UNKNOWN_ENUM_VALUE", "status must be ACTIVE or ARCHIVED")
		}
	}
	if values.Has("owner") {
		owner := strings.ToLower(values.Get("owner"))
		if ownerID.MatchString(owner) {
			f.Owner = owner[:8] + "-" + owner[8:12] + "-" + owner[12:16] + "-" + owner[16:20] + "-" + owner[20:]
		} else {
			v.add("owner", "INVALID_VALUE", "owner must be a requester id of 32 hexadecimal digits")
		}
	}
	parseSort(values, sortFields, &q.Sort, v)
	parseLimit(values, maxLimit, &q.Limit, v)
	for name, dst := range map[string]**int64{"id_gt": &f.IDGt, "id_gte": &f.IDGte, "id_lt": &f.IDLt, "id_lte": &f.IDLte} {
		if values.Has(name) {
			n, err := strconv.ParseInt(values.Get(name), 10, 64)
			if err != nil {
				v.add(name, "INVALID_NUMBER", "%s must be a project id (an integer)", name)
				continue
			}
			*dst = &n
		}
	}
	parseTimeBounds(values, "created", timeBounds{&f.CreatedGt, &f.CreatedGte, &f.CreatedLt, &f.CreatedLte}, v)
	if len(v) > 0 {
		return q, v
	}
	return q, nil
}

// timeBounds are where the _gt, _gte, _lt and _lte bounds of one time field go.
type timeBounds struct{ gt, gte, lt, lte **time.Time }

// parseTimeBounds reads the bounds field_gt .. field_lte. Times are shown to the
// millisecond; a bound given to the millisecond covers that whole millisecond, so that
// created_gt of a project's own created excludes it.
func parseTimeBounds(values url.Values, field string, dst timeBounds, v validation) {
	bounds := map[string]**time.Time{"_gt": dst.gt, "_gte": dst.gte, "_lt": dst.lt, "_lte": dst.lte}
	for _, suffix := range []string{"_gt", "_gte", "_lt", "_lte"} {
		name := field + suffix
		if !values.Has(name) {
			continue
		}
		t, err := parseTime(values.Get(name))
		if err != nil {
			v.add(name, "INVALID_DATE_TIME_SYNTAX", "%s must be YYYY-MM-DDThh:mm:ss[.sss] (UTC) or YYYY-MM-DD", name)
			continue
		}
		bound := suffix
		if t.Equal(t.Truncate(time.Millisecond)) && (suffix == "_gt" || suffix == "_lte") {
			t = t.Add(time.Millisecond)
			bound = map[string]string{"_gt": "_gte", "_lte": "_lt"}[suffix]
		}
		dst, lower := bounds[bound], strings.HasPrefix(bound, "_gt")
		if *dst == nil || (lower && t.After(**dst)) || (!lower && t.Before(**dst)) {
			*dst = &t
		}
	}
}

// parseTime reads the ISO 8601 forms clients send: a date-time without a zone (UTC), with
// optional fractions, with or without a zone, or a bare date.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return time.Time{}, err
}

func (h *Handler) handleList(w http.ResponseWriter, r *http.Request) {
	q, bad := parseList(r.URL.Query())
	if bad != nil {
		h.invalid(w, r, bad)
		return
	}
	page, err := h.store.ListProjects(r.Context(), q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := projectd.UserFromContext(r.Context())
	b := make([]byte, 0, 1024*len(page.Projects)+32)
	b = append(b, `{"items":[`...)
	for i, p := range page.Projects {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProject(b, p, me)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, page.HasMore)
	httpserver.WriteJSON(w, http.StatusOK, append(b, "}\n"...))
}

// readForm reads a create or replace body, answering 415 or 400 itself when it is bad.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request) *projectForm {
	if httpserver.MediaType(r) != "application/json" {
		h.fail(w, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", "Send the body as Content-Type: application/json", nil)
		return nil
	}
	body, err := httpserver.ReadBody(r)
	if err != nil {
		h.error(w, r, err)
		return nil
	}
	form, bad := parseForm(body)
	if bad != nil {
		h.invalid(w, r, bad)
		return nil
	}
	return form
}

func (h *Handler) handleCreate(w http.ResponseWriter, r *http.Request) {
	form := h.readForm(w, r)
	if form == nil {
		return
	}
	p, err := h.store.CreateProject(r.Context(), &projectd.ProjectCreate{Name: form.name, Description: form.description, Ext: form.ext(false)})
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusCreated, appendProject(nil, p, projectd.UserFromContext(r.Context())))
}

// projectID accepts the decimal ids this surface shows; anything else cannot exist.
func projectID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if n, err := strconv.ParseInt(id, 10, 64); err != nil || n < 1 {
		return "", projectd.Errorf(projectd.ENOTFOUND, "no project %s", id)
	}
	return id, nil
}

func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	id, err := projectID(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	p, err := h.store.FindProject(r.Context(), id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, appendProject(nil, p, projectd.UserFromContext(r.Context())))
}

func (h *Handler) handleReplace(w http.ResponseWriter, r *http.Request) {
	id, err := projectID(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	form := h.readForm(w, r)
	if form == nil {
		return
	}
	upd := &projectd.ProjectUpdate{Name: &form.name, Description: &form.description, Ext: form.ext(true)}
	p, err := h.store.UpdateProject(r.Context(), id, upd, "")
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, appendProject(nil, p, projectd.UserFromContext(r.Context())))
}

func (h *Handler) handleArchive(w http.ResponseWriter, r *http.Request) {
	id, err := projectID(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	op, err := h.store.ArchiveProject(r.Context(), id)
	if err != nil {
		h.error(w, r, err)
		return
	}
	httpserver.WriteJSON(w, http.StatusAccepted, appendOperation(nil, op))
}
