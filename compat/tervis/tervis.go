// Package tervis is the Tervis customizer surface: GET projects/GetUserProjects/{userID}
// and GET projects/{status}/name/{name}, answered as ASP.NET Web API does (Json.NET or
// DataContractSerializer, HttpError bodies). It translates HTTP to the domain's list query
// and back; the store decides visibility.
package tervis

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"projectd"
	"projectd/httpserver"
)

// Store is what the surface needs of the store.
type Store interface {
	projectd.ProjectService
	Authenticate(ctx context.Context, secret string) (*projectd.Auth, error)
}

// Handler serves the surface.
type Handler struct {
	store     Store
	logger    *slog.Logger
	publicURL string
	throttle  *httpserver.Throttle
}

// New returns the surface's handler; publicURL (or the request's origin) is the origin
// that 404 messages quote; throttle (nil for none) bounds requests and failed
// authentications.
func New(store Store, logger *slog.Logger, publicURL string, throttle *httpserver.Throttle) *Handler {
	return &Handler{store: store, logger: logger, publicURL: publicURL, throttle: throttle}
}

// xmlMedia returns the XML media type the client asked for, or "" for JSON: Web API's
// JSON formatter takes no Accept, application/json, text/json and text/html (and whatever
// no formatter matches); the XML one application/xml and text/xml.
func xmlMedia(r *http.Request) string {
	switch httpserver.Negotiate(r, "application/json", "text/json", "text/html", "application/xml", "text/xml") {
	case "application/xml":
		return "application/xml"
	case "text/xml":
		return "text/xml"
	}
	return ""
}

// fail writes an HttpError: {"Message"[, "MessageDetail"]}, or <Error> in XML.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, status int, message, detail string) {
	if mt := xmlMedia(r); mt != "" {
		var b strings.Builder
		b.WriteString("<Error><Message>")
		xml.EscapeText(&b, []byte(message))
		b.WriteString("</Message>")
		if detail != "" {
			b.WriteString("<MessageDetail>")
			xml.EscapeText(&b, []byte(detail))
			b.WriteString("</MessageDetail>")
		}
		b.WriteString("</Error>")
		w.Header().Set("Content-Type", mt+"; charset=utf-8")
		w.WriteHeader(status)
		w.Write([]byte(b.String()))
		return
	}
	body := map[string]string{"Message": message}
	if detail != "" {
		body["MessageDetail"] = detail
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

const denied = "Authorization has been denied for this request."

func (h *Handler) authenticated(next func(w http.ResponseWriter, r *http.Request)) http.HandlerFunc {
	return httpserver.BearerAuth{Store: h.store, Throttle: h.throttle, Schemes: []string{"Bearer"}, Fail: h.authFailed}.Wrap(next)
}

// authFailed is Web API's answer to a missing or unknown token, or a caller over the
// budget; a store that could not check one is a 500.
func (h *Handler) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch projectd.ErrorCode(err) {
	case projectd.EUNAUTHORIZED:
		h.fail(w, r, http.StatusUnauthorized, denied, "")
	case projectd.ETOOMANY:
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusTooManyRequests, projectd.ErrorMessage(err), "")
	default:
		h.storeFailed(w, r, err)
	}
}

// storeFailed answers a store that failed: 503 with Retry-After when it cannot serve now
// (its primary is down), else 500.
func (h *Handler) storeFailed(w http.ResponseWriter, r *http.Request, err error) {
	if projectd.ErrorCode(err) == projectd.EUNAVAILABLE {
		httpserver.SetRetryAfter(w, err)
		h.fail(w, r, http.StatusServiceUnavailable, projectd.ErrorMessage(err), "")
		return
	}
	h.logger.Error("internal error", "request_id", httpserver.RequestID(r), "path", r.URL.Path, "err", err)
	h.fail(w, r, http.StatusInternalServerError, "An error has occurred.", "")
}

func (h *Handler) handleNoRoute(w http.ResponseWriter, r *http.Request) {
	uri := httpserver.Origin(r, h.publicURL) + r.URL.RequestURI()
	h.fail(w, r, http.StatusNotFound, "No HTTP resource was found that matches the request URI '"+uri+"'.", "")
}

// invalidParameter is Web API's answer to a path value that does not bind.
func (h *Handler) invalidParameter(w http.ResponseWriter, r *http.Request, name, netType, method string) {
	h.fail(w, r, http.StatusBadRequest, "The request is invalid.",
		"The parameters dictionary contains a null entry for parameter '"+name+"' of non-nullable type '"+netType+
			"' for method '"+method+"' in 'Tervis.Customizer.Controllers.ProjectsController'. An optional parameter must be a reference type, a nullable type, or be declared as an optional parameter.")
}

func (h *Handler) handleUserProjects(w http.ResponseWriter, r *http.Request) {
	userID, err := uuid.Parse(r.PathValue("userID"))
	if err != nil {
		h.invalidParameter(w, r, "userID", "System.Guid", "System.Collections.Generic.IEnumerable`1[Tervis.Customizer.Models.Project] GetUserProjects(System.Guid)")
		return
	}
	// The caller's own projects, or anyone's for an admin.
	if me := projectd.UserFromContext(r.Context()); me.UID != userID.String() && !me.IsAdmin() {
		h.fail(w, r, http.StatusForbidden, denied, "")
		return
	}
	h.stream(w, r, projectd.ProjectFilter{Owner: userID.String()})
}

func (h *Handler) handleByStatusAndName(w http.ResponseWriter, r *http.Request) {
	status, err := strconv.ParseInt(r.PathValue("status"), 10, 32)
	if err != nil {
		h.invalidParameter(w, r, "status", "System.Int32", "System.Collections.Generic.IEnumerable`1[Tervis.Customizer.Models.Project] GetProjects(Int32, System.String)")
		return
	}
	me := projectd.UserFromContext(r.Context())
	h.stream(w, r, projectd.ProjectFilter{OwnerID: me.ID, Name: r.PathValue("name"),
		Ext: []projectd.ExtEqual{{Path: "tervis.Status", Value: status}}})
}

// stream writes every matching project, oldest first, one at a time: memory does not grow
// with the size of the collection.
func (h *Handler) stream(w http.ResponseWriter, r *http.Request, f projectd.ProjectFilter) {
	mt := xmlMedia(r)
	if mt == "" {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
	} else {
		w.Header().Set("Content-Type", mt+"; charset=utf-8")
	}
	out := httpserver.NewStreamWriter(w, 32<<10, httpserver.StreamWriteTimeout)
	if mt == "" {
		out.WriteByte('[')
	} else {
		out.WriteString(`<ArrayOfProject xmlns:i="` + xmlnsInstance + `" xmlns="` + xmlnsModels + `">`)
	}
	n := 0
	buf := make([]byte, 0, 4096)
	err := h.store.StreamProjects(r.Context(), projectd.ProjectQuery{
		Filter: f,
		Sort:   []projectd.SortKey{{Field: projectd.SortCreated}, {Field: projectd.SortID}},
	}, func(p *projectd.Project) error {
		buf = buf[:0]
		if mt == "" {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSON(buf, "Project", projectFields(p))
		} else {
			buf = append(buf, "<Project>"...)
			buf = appendXML(buf, "Project", projectFields(p))
			buf = append(buf, "</Project>"...)
		}
		n++
		_, err := out.Write(buf)
		return err
	})
	if err != nil {
		if n == 0 && projectd.ErrorCode(err) == projectd.EINVALID { // a path value the store refused
			h.fail(w, r, http.StatusBadRequest, "The request is invalid.", projectd.ErrorMessage(err))
			return
		}
		if n == 0 { // nothing is sent yet: answer with an error instead
			h.storeFailed(w, r, err)
			return
		}
		// The status is sent: cut the connection rather than end a short collection.
		h.logger.Error("stream projects", "request_id", httpserver.RequestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
	if mt == "" {
		out.WriteByte(']')
	} else {
		out.WriteString("</ArrayOfProject>")
	}
	out.Flush()
}
