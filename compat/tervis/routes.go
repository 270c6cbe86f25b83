package tervis

import (
	"net/http"
	"net/url"
	"strings"

	"projectd/httpserver"
)

// Routes registers every route of the surface on mux.
func (h *Handler) Routes(mux httpserver.Mux) {
	mux.HandleFunc("GET /projects/GetUserProjects/{userID}", h.authenticated(h.handleUserProjects))
	mux.HandleFunc("GET /projects/{status}/name/{name}", h.authenticated(h.handleByStatusAndName))
	mux.HandleFunc("/projects/", h.route)
	mux.HandleFunc("/Projects/", h.route)
}

// route serves what the patterns above do not but Web API's routing does, which ignores
// letter case and a trailing slash (/Projects/getuserprojects/{userID}/); a route asked
// for with another method is Web API's 405, anything else its 404.
func (h *Handler) route(w http.ResponseWriter, r *http.Request) {
	segments := strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/")
	for i, s := range segments {
		unescaped, err := url.PathUnescape(s)
		if err != nil {
			h.handleNoRoute(w, r)
			return
		}
		segments[i] = unescaped
	}
	var next http.HandlerFunc
	switch {
	case len(segments) == 3 && strings.EqualFold(segments[1], "GetUserProjects"):
		r.SetPathValue("userID", segments[2])
		next = h.authenticated(h.handleUserProjects)
	case len(segments) == 4 && strings.EqualFold(segments[2], "name"):
		r.SetPathValue("status", segments[1])
		r.SetPathValue("name", segments[3])
		next = h.authenticated(h.handleByStatusAndName)
	default:
		h.handleNoRoute(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", http.MethodGet)
		h.fail(w, r, http.StatusMethodNotAllowed, "The requested resource does not support http method '"+r.Method+"'.", "")
		return
	}
	next(w, r)
}
