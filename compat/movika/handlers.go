package movika

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"projectd"
	"projectd/httpserver"
)

// Listing limits, decided here: 20 by default, 1..100.
const (
	defaultLimit = 20
	maxLimit     = 100
)

// parsePage reads limit and the page-number cursors: after=N and before=N both name page N
// (the values the previous answer gave), at most one of them.
func parsePage(values url.Values) (page, limit int, err error) {
	for name, vs := range values {
		if name == "" {
			return 0, 0, projectd.Invalid("query", "the query has a parameter without a name")
		}
		if name != "limit" && name != "after" && name != "before" {
			return 0, 0, projectd.Invalid(name, "unknown parameter %s", name)
		}
		if len(vs) > 1 {
			return 0, 0, projectd.Invalid(name, "%s is given more than once", name)
		}
	}
	limit, page = defaultLimit, 1
	if values.Has("limit") {
		if limit, err = strconv.Atoi(values.Get("limit")); err != nil || limit < 1 || limit > maxLimit {
			return 0, 0, projectd.Invalid("limit", "limit must be an integer from 1 to %d", maxLimit)
		}
	}
	if values.Has("after") && values.Has("before") {
		return 0, 0, projectd.Invalid("after", "after and before cannot be combined")
	}
	for _, name := range []string{"after", "before"} {
		if values.Has(name) {
			if page, err = strconv.Atoi(values.Get(name)); err != nil || page < 1 || page > 1<<30/maxLimit {
				return 0, 0, projectd.Invalid(name, "%s must be a page cursor of this API (a positive integer)", name)
			}
		}
	}
	return page, limit, nil
}

func (h *Handler) handleMy(w http.ResponseWriter, r *http.Request) {
	page, limit, err := parsePage(r.URL.Query())
	if err != nil {
		h.error(w, r, err)
		return
	}
	me := projectd.UserFromContext(r.Context())
	result, err := h.store.ListProjects(r.Context(), projectd.ProjectQuery{
		Filter: projectd.ProjectFilter{OwnerID: me.ID},
		Sort:   []projectd.SortKey{{Field: projectd.SortCreated, Desc: true}, {Field: projectd.SortID, Desc: true}},
		Limit:  limit,
		Offset: (page - 1) * limit,
	})
	if err != nil {
		h.error(w, r, err)
		return
	}
	b := make([]byte, 0, 1024*len(result.Projects)+64)
	b = append(b, `{"data":[`...)
	for i, p := range result.Projects {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendProject(b, p)
	}
	b = append(b, `],"paging":{`...)
	if result.HasMore {
		b = append(b, `"after":"`...)
		b = strconv.AppendInt(b, int64(page+1), 10)
		b = append(b, `",`...)
	}
	b = append(b, `"before":"`...)
	b = strconv.AppendInt(b, int64(page-1), 10)
	httpserver.WriteJSON(w, http.StatusOK, append(b, "\"}}\n"...))
}

func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("projectId"), 10, 64)
	if err != nil || id < 1 {
		h.fail(w, r, http.StatusNotFound, codeNotFound, "Project not found")
		return
	}
	p, err := h.store.FindProject(r.Context(), strconv.FormatInt(id, 10))
	if err != nil {
		h.error(w, r, err)
		return
	}
	// Studio Pro shows a project to its author; others who see it through a workspace
	// are told it is not theirs.
	if me := projectd.UserFromContext(r.Context()); p.Owner.ID != me.ID && !me.IsAdmin() {
		h.fail(w, r, http.StatusForbidden, codeForbidden, "The project belongs to another author")
		return
	}
	httpserver.WriteJSON(w, http.StatusOK, appendProject(nil, p))
}

type sessionJSON struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	UID          int64  `json:"uid"`
}

// readBody decodes a JSON body of the accounts API strictly.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if httpserver.MediaType(r) != "application/json" {
		h.fail(w, r, http.StatusUnsupportedMediaType, codeGeneric, "Send the body as Content-Type: application/json")
		return false
	}
	body, err := httpserver.ReadBody(r)
	if err == nil {
		err = httpserver.DecodeJSON(body, v)
	}
	if err != nil {
		h.error(w, r, err)
		return false
	}
	return true
}

func (h *Handler) handleSession(w http.ResponseWriter, r *http.Request) {
	var req struct {
		AuthCode string `json:"auth_code"`
	}
	if !h.readBody(w, r, &req) {
		return
	}
	if req.AuthCode == "" {
		h.error(w, r, projectd.Invalid("auth_code", "auth_code is required"))
		return
	}
	h.session(w, r, func() (*projectd.Session, error) { return h.store.ExchangeAuthCode(r.Context(), req.AuthCode) })
}

func (h *Handler) handleToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grantType"`
		RefreshToken string `json:"refreshToken"`
	}
	if !h.readBody(w, r, &req) {
		return
	}
	if req.GrantType != "session" {
		h.error(w, r, projectd.Invalid("grantType", "grantType must be session"))
		return
	}
	if req.RefreshToken == "" {
		h.error(w, r, projectd.Invalid("refreshToken", "refreshToken is required"))
		return
	}
	h.session(w, r, func() (*projectd.Session, error) { return h.store.RefreshSession(r.Context(), req.RefreshToken) })
}

// session answers a session that exchange issues for a credential (an auth code, a
// refresh token), within the throttle's budget of failed authentications.
func (h *Handler) session(w http.ResponseWriter, r *http.Request, exchange func() (*projectd.Session, error)) {
	if err := h.throttle.Before(r); err != nil {
		h.error(w, r, err)
		return
	}
	s, err := exchange()
	if projectd.ErrorCode(err) == projectd.EUNAUTHORIZED {
		h.throttle.Failed(r, httpserver.BadCode)
	}
	if err != nil {
		h.error(w, r, err)
		return
	}
	h.writeSession(w, s)
}

func (h *Handler) writeSession(w http.ResponseWriter, s *projectd.Session) {
	w.Header().Set("Cache-Control", "no-store")
	b, _ := json.Marshal(sessionJSON{s.AccessToken, s.RefreshToken, s.User.ID})
	httpserver.WriteJSON(w, http.StatusOK, b)
}
