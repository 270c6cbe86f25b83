package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"projectd"
	"projectd/httpserver"
)

type createProjectRequest struct {
	Name        *string         `json:"name"`
	Description string          `json:"description"`
	Status      string          `json:"status"`
	Workspace   string          `json:"workspace"`
	Owner       string          `json:"owner"`
	Ext         json.RawMessage `json:"ext"`
}

func (h *Handler) handleCreateProject(w http.ResponseWriter, r *http.Request) {
	var req createProjectRequest
	if err := readJSON(r, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if req.Name == nil {
		h.error(w, r, projectd.Invalid("name", "name is required"))
		return
	}
	p, err := h.Store.CreateProject(r.Context(), &projectd.ProjectCreate{
		Name: *req.Name, Description: req.Description, Status: req.Status,
		Workspace: req.Workspace, Owner: req.Owner, Ext: req.Ext,
	})
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Location", h.baseURL(r)+"/api/projects/"+strconv.FormatInt(p.ID, 10))
	w.Header().Set("ETag", p.ETag())
	httpserver.WriteJSON(w, http.StatusCreated, appendProject(nil, p))
}

func (h *Handler) handleGetProject(w http.ResponseWriter, r *http.Request) {
	p, err := h.Store.FindProject(r.Context(), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("ETag", p.ETag())
	if etagMatches(r.Header.Get("If-None-Match"), p.ETag()) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, appendProject(nil, p))
}

// handleProjectViews answers the project as each surface of the server does, with the
// curl line of each: the console's tabs.
func (h *Handler) handleProjectViews(w http.ResponseWriter, r *http.Request) {
	p, err := h.Store.FindProject(r.Context(), r.PathValue("id"))
	if err != nil {
		h.error(w, r, err)
		return
	}
	items := []projectd.SurfaceView{}
	if h.Views != nil {
		if items, err = h.Views(r.Context(), projectd.AuthFromContext(r.Context()), h.baseURL(r), p); err != nil {
			h.error(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items})
}

// etagMatches reports whether an If-None-Match list names etag (weakly, as RFC 9110 says).
func etagMatches(header, etag string) bool {
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if tag == "*" || tag == etag {
			return true
		}
	}
	return false
}

// patchFields are the members a merge patch of a project may hold.
var patchFields = map[string]bool{"name": true, "description": true, "status": true, "workspace": true, "owner": true, "ext": true}

// parsePatch reads an RFC 7396 merge patch of a project. null removes the workspace and
// empties ext; it is invalid for the other members.
func (h *Handler) parsePatch(body []byte) (*projectd.ProjectUpdate, error) {
	var m map[string]json.RawMessage
	if err := httpserver.DecodeJSON(body, &m); err != nil {
		return nil, err
	}
	if m == nil {
		return nil, projectd.Invalid("body", "a merge patch must be a JSON object")
	}
	upd := &projectd.ProjectUpdate{}
	for name, raw := range m {
		if !patchFields[name] {
			return nil, projectd.Invalid(name, "unknown field %q", name)
		}
		isNull := string(raw) == "null"
		switch name {
		case "ext":
			if isNull {
				upd.Ext = h.clearExt
			} else {
				upd.Ext = raw
			}
			continue
		case "workspace":
			if isNull {
				empty := ""
				upd.Workspace = &empty
				continue
			}
		}
		var s string
		if isNull || json.Unmarshal(raw, &s) != nil {
			return nil, projectd.Invalid(name, "%s must be a string", name)
		}
		switch name {
		case "name":
			upd.Name = &s
		case "description":
			upd.Description = &s
		case "status":
			upd.Status = &s
		case "workspace":
			upd.Workspace = &s
		case "owner":
			upd.Owner = &s
		}
	}
	return upd, nil
}

func (h *Handler) handlePatchProject(w http.ResponseWriter, r *http.Request) {
	mt := httpserver.MediaType(r)
	if mt != "application/merge-patch+json" && mt != "application/json" {
		h.error(w, r, &mediaTypeError{want: "application/merge-patch+json"})
		return
	}
	body, err := httpserver.ReadBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	upd, err := h.parsePatch(body)
	if err != nil {
		h.error(w, r, err)
		return
	}
	p, err := h.Store.UpdateProject(r.Context(), r.PathValue("id"), upd, ifMatch(r))
	if err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("ETag", p.ETag())
	httpserver.WriteJSON(w, http.StatusOK, appendProject(nil, p))
}

// ifMatch returns the If-Match condition; a list of several tags is answered by the
// first, which is what clients send in practice.
func ifMatch(r *http.Request) string {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	first, _, _ := strings.Cut(v, ",")
	return strings.TrimSpace(first)
}

func (h *Handler) handleDeleteProject(w http.ResponseWriter, r *http.Request) {
	if err := h.Store.DeleteProject(r.Context(), r.PathValue("id"), ifMatch(r)); err != nil {
		h.error(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) handleListProjects(w http.ResponseWriter, r *http.Request) {
	values := r.URL.Query()
	q, err := h.parseListQuery(values)
	if err != nil {
		h.error(w, r, err)
		return
	}
	page, err := h.Store.ListProjects(r.Context(), q)
	if err != nil {
		h.error(w, r, err)
		return
	}
	b := make([]byte, 0, 512*len(page.Projects)+64)
	b = append(b, `{"items":[`...)
	for i, p := range page.Projects {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProject(b, p)
	}
	b = append(b, `],"has_more":`...)
	b = strconv.AppendBool(b, page.HasMore)
	if page.HasMore {
		last := page.Projects[len(page.Projects)-1]
		cursor := h.encodeCursor(values, h.Ext.Keyset(last, q.Sort))
		b = append(b, `,"next_cursor":`...)
		b = httpserver.AppendString(b, cursor)
		w.Header().Set("Link", "<"+nextURL(h.baseURL(r), values, cursor)+`>; rel="next"`)
	} else {
		b = append(b, `,"next_cursor":null`...)
	}
	if q.Count {
		b = append(b, `,"total":`...)
		b = strconv.AppendInt(b, page.Total, 10)
	}
	b = append(b, "}\n"...)
	httpserver.WriteJSON(w, http.StatusOK, b)
}
