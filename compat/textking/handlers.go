package textking

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/google/uuid"

	"projectd"
	"projectd/httpserver"
)

// Paging limits of the seed: per_page 1..100, 100 by default.
const (
	defaultPerPage = 100
	maxPerPage     = 100
)

var listParams = []string{"page", "per_page", "state"}

func parseList(values url.Values) (page, perPage int, state string, err error) {
	for name, vs := range values {
		if name == "" {
			return 0, 0, "", invalidParam("query", "the query has a parameter without a name")
		}
		if !slices.Contains(listParams, name) {
			return 0, 0, "", invalidParam(name, "unknown parameter %s", name)
		}
		if len(vs) > 1 {
			return 0, 0, "", invalidParam(name, "%s is given more than once", name)
		}
	}
	page, perPage = 1, defaultPerPage
	if values.Has("page") {
		if page, err = strconv.Atoi(values.Get("page")); err != nil || page < 1 {
			return 0, 0, "", invalidParam("page", "page must be an integer of at least 1")
		}
	}
	if values.Has("per_page") {
		if perPage, err = strconv.Atoi(values.Get("per_page")); err != nil || perPage < 1 || perPage > maxPerPage {
			return 0, 0, "", invalidParam("per_page", "per_page must be between 1 and 100")
		}
	}
	if values.Has("state") {
		state = values.Get("state")
		if !slices.Contains(states, state) {
			return 0, 0, "", invalidParam("state", "state must be prepared, running, finished or canceled")
		}
	}
	return page, perPage, state, nil
}

// collectionURL is the list URL of one page, keeping the state filter.
func collectionURL(base string, page, perPage int, state string) string {
	// page and per_page first, as the original API writes them
	q := "page=" + strconv.Itoa(page) + "&per_page=" + strconv.Itoa(perPage)
	if state != "" {
		q += "&state=" + url.QueryEscape(state)
	}
	return base + "/v1/projects?" + q
}

func (h *Handler) handleList(w http.ResponseWriter, r *http.Request) {
	page, perPage, state, err := parseList(r.URL.Query())
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := projectd.UserFromContext(r.Context())
	q := projectd.ProjectQuery{
		Filter: projectd.ProjectFilter{OwnerID: me.ID},
		Sort:   []projectd.SortKey{{Field: projectd.SortCreated, Desc: true}, {Field: projectd.SortID, Desc: true}},
		Limit:  perPage,
		Count:  true,
	}
	if state != "" {
		q.Filter.Ext = []projectd.ExtEqual{{Path: "textking.state", Value: state}}
	}
	if offset := (page - 1) * perPage; offset/perPage == page-1 {
		q.Offset = offset
	} else {
		h.error(w, r, invalidParam("page", "page is too large"))
		return
	}
	result, err := h.store.ListProjects(r.Context(), q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	base := h.base(r)
	items := make([]node, len(result.Projects))
	for i, p := range result.Projects {
		items[i] = projectNode(p, base)
	}
	links := []node{link("self", collectionURL(base, page, perPage, state))}
	if result.HasMore {
		links = append(links, link("next", collectionURL(base, page+1, perPage, state)))
	}
	if page > 1 {
		links = append(links, link("prev", collectionURL(base, page-1, perPage, state)))
	}
	h.write(w, r, http.StatusOK, object("projects",
		number("page", strconv.Itoa(page)),
		number("per_page", strconv.Itoa(perPage)),
		number("total", strconv.FormatInt(result.Total, 10)),
		array("items", "project", items...),
		array("links", "link", links...),
	))
}

// readFields reads a body in the format its Content-Type names.
func (h *Handler) readFields(w http.ResponseWriter, r *http.Request) (map[string]value, bool) {
	body, err := httpserver.ReadBody(r)
	if err != nil {
		if errors.Is(err, httpserver.ErrBodyTooLarge) {
			h.fail(w, r, http.StatusRequestEntityTooLarge, "invalid_body", projectd.ErrorMessage(err))
		} else {
			h.error(w, r, err)
		}
		return nil, false
	}
	fields, err := readBody(httpserver.MediaType(r), body)
	if errors.Is(err, errUnsupportedMedia) {
		h.fail(w, r, http.StatusUnsupportedMediaType, "invalid_body", err.Error())
		return nil, false
	} else if err != nil {
		h.error(w, r, err)
		return nil, false
	}
	return fields, true
}

func (h *Handler) handleCreate(w http.ResponseWriter, r *http.Request) {
	fields, ok := h.readFields(w, r)
	if !ok {
		return
	}
	name, ext, err := patch(fields, true)
	if err == nil && name == nil {
		err = projectd.Invalid("name", "name is required")
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	p, err := h.store.CreateProject(r.Context(), &projectd.ProjectCreate{Name: *name, Ext: ext})
	if err != nil {
		h.error(w, r, err)
		return
	}
	loc := h.base(r) + "/v1/project/" + p.UID
	w.Header().Set("Location", loc)
	w.Header().Set("Content-Location", loc)
	h.write(w, r, http.StatusCreated, projectNode(p, h.base(r)))
}

// ownProject finds one of the caller's projects by the uid in the path. A malformed uid
// is a 400; somebody else's project is not found, like one that does not exist.
func (h *Handler) ownProject(r *http.Request) (*projectd.Project, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return nil, invalidParam("id", "id must be a UUID")
	}
	p, err := h.store.FindProject(r.Context(), id.String())
	if err != nil {
		return nil, err
	}
	if p.Owner.ID != projectd.UserFromContext(r.Context()).ID {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no project %s", id)
	}
	return p, nil
}

func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	p, err := h.ownProject(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, projectNode(p, h.base(r)))
}

func (h *Handler) handleUpdate(w http.ResponseWriter, r *http.Request) {
	p, err := h.ownProject(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	fields, ok := h.readFields(w, r)
	if !ok {
		return
	}
	if next, ok := fields["state"]; ok && !next.null {
		if cur := stateOf(p); next.s != cur && !slices.Contains(moves[cur], next.s) {
			h.fail(w, r, http.StatusConflict, "conflict", "a project cannot move from "+cur+" to "+next.s)
			return
		}
	}
	name, ext, err := patch(fields, false)
	if err != nil {
		h.error(w, r, err)
		return
	}
	// Conditional on the version whose state was checked: a concurrent change is a 409.
	p, err = h.store.UpdateProject(r.Context(), p.UID, &projectd.ProjectUpdate{Name: name, Ext: ext}, p.ETag())
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.write(w, r, http.StatusOK, projectNode(p, h.base(r)))
}

func (h *Handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	p, err := h.ownProject(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if err := h.store.DeleteProject(r.Context(), p.UID, ""); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
