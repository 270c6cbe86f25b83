package ncpmaiu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"projectd"
	"projectd/httpserver"
)

// Rules of the surface: project names of 1..100 characters without ; | or `, unique in
// their workspace, and at most 1,000 projects a workspace.
const (
	maxNameLen    = 100
	maxProjects   = 1000
	baseName      = "default"
	forbiddenRune = ";|`"
)

// workspaceRules are the surface's rules the store checks on its writes.
var workspaceRules = projectd.WorkspaceRules{UniqueName: true, MaxProjects: maxProjects}

// ext holds ext.maiu as stored.
type ext struct {
	IsBaseProject bool   `json:"isBaseProject"`
	BucketName    string `json:"bucketName,omitempty"`
}

// ValidateExt checks ext.maiu on every write, whichever API makes it.
func ValidateExt(ns json.RawMessage) error {
	fields, err := projectd.JSONMembers(ns)
	if err != nil {
		return projectd.Invalid("", "ext.maiu must be an object")
	}
	return projectd.EachMember(fields, func(name string, raw json.RawMessage) error {
		raw = bytes.TrimSpace(raw)
		var s string
		switch name {
		case "isBaseProject":
			if string(raw) != "true" && string(raw) != "false" {
				return projectd.Invalid(name, "isBaseProject must be true or false")
			}
		case "bucketName":
			if json.Unmarshal(raw, &s) != nil || len(s) < 3 || len(s) > 63 {
				return projectd.Invalid(name, "bucketName must be a string of 3 to 63 characters")
			}
		default:
			return projectd.Invalid(name, "unknown field %s", name)
		}
		return nil
	})
}

func isBase(p *projectd.Project) bool {
	var doc struct {
		Maiu ext `json:"maiu"`
	}
	json.Unmarshal(p.Ext, &doc)
	return doc.Maiu.IsBaseProject
}

// validName checks the surface's name rules.
func validName(name string) error {
	if n := utf8.RuneCountInString(name); n < 1 || n > maxNameLen {
		return projectd.Invalid("name", "name must be 1 to %d characters, got %d", maxNameLen, n)
	}
	if strings.ContainsAny(name, forbiddenRune) {
		return projectd.Invalid("name", "name must not contain ; | or `")
	}
	return projectd.ValidateName("name", name)
}

const timeLayout = "2006-01-02T15:04:05"

// appendProject writes a project as the surface does.
func appendProject(b []byte, p *projectd.Project) []byte {
	b = append(b, `{"projectId":`...)
	b = strconv.AppendInt(b, p.ID, 10)
	b = append(b, `,"name":`...)
	b = httpserver.AppendString(b, p.Name)
	b = append(b, `,"isBaseProject":`...)
	b = strconv.AppendBool(b, isBase(p))
	b = append(b, `,"createdUserName":`...)
	b = httpserver.AppendString(b, p.CreatedBy.Login)
	b = append(b, `,"createdTime":`...)
	b = httpserver.AppendTime(b, p.CreatedAt, timeLayout)
	b = append(b, `,"updatedUserName":`...)
	b = httpserver.AppendString(b, p.UpdatedBy.Login)
	b = append(b, `,"updatedTime":`...)
	b = httpserver.AppendTime(b, p.UpdatedAt, timeLayout)
	return append(b, '}')
}

// writeResult writes the success envelope around an encoded result.
func writeResult(w http.ResponseWriter, status int, result []byte) {
	b := []byte(`{"code":"0","message":"success"`)
	if result != nil {
		b = append(b, `,"result":`...)
		b = append(b, result...)
	}
	b = append(b, "}\n"...)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// readName reads a body {"name": ...} (and nothing else) and checks the name rules.
func readName(r *http.Request) (string, error) {
	body, err := httpserver.ReadBody(r)
	if err != nil {
		return "", err
	}
	var req struct {
		Name *string `json:"name"`
	}
	if err := httpserver.DecodeJSON(body, &req); err != nil {
		return "", err
	}
	if req.Name == nil {
		return "", projectd.Invalid("name", "name is required")
	}
	return *req.Name, validName(*req.Name)
}

func (h *Handler) handleCreateWorkspace(w http.ResponseWriter, r *http.Request) {
	body, err := httpserver.ReadBody(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	var req struct {
		WorkspaceName *string `json:"workspaceName"`
		BucketName    *string `json:"bucketName"`
	}
	if err := httpserver.DecodeJSON(body, &req); err != nil {
		h.error(w, r, err)
		return
	}
	if req.WorkspaceName == nil {
		h.error(w, r, projectd.Invalid("workspaceName", "workspaceName is required"))
		return
	}
	if err := projectd.ValidateWorkspaceName(*req.WorkspaceName); err != nil {
		h.error(w, r, projectd.Invalid("workspaceName", "workspaceName must be 3 to 63 of a-z, 0-9 and -"))
		return
	}
	base := ext{IsBaseProject: true}
	if req.BucketName != nil {
		base.BucketName = *req.BucketName
	}
	baseExt, _ := json.Marshal(map[string]ext{"maiu": base})
	ws, err := h.store.CreateWorkspace(r.Context(), *req.WorkspaceName, nil,
		&projectd.ProjectCreate{Name: baseName, Ext: baseExt})
	if err != nil {
		h.error(w, r, err)
		return
	}
	creator := projectd.UserFromContext(r.Context()).Login
	b := []byte(`{"workspaceName":`)
	b = httpserver.AppendString(b, ws.Name)
	b = append(b, `,"createdUserName":`...)
	b = httpserver.AppendString(b, creator)
	b = append(b, `,"createdTime":`...)
	b = httpserver.AppendTime(b, ws.CreatedAt, timeLayout)
	b = append(b, `,"updatedUserName":`...)
	b = httpserver.AppendString(b, creator)
	b = append(b, `,"updatedTime":`...)
	b = httpserver.AppendTime(b, ws.UpdatedAt, timeLayout)
	writeResult(w, http.StatusOK, append(b, '}'))
}

// handleList streams every project of the workspace in projectId order: memory does not
// grow with their number, and totalCount, counted on the way, closes the result.
func (h *Handler) handleList(w http.ResponseWriter, r *http.Request) {
	workspace := r.PathValue("workspace_name")
	if err := h.store.CheckWorkspaceMember(r.Context(), workspace); err != nil {
		h.error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	out := httpserver.NewStreamWriter(w, 32<<10, httpserver.StreamWriteTimeout)
	out.WriteString(`{"code":"0","message":"success","result":{"projects":[`)
	var n int64
	buf := make([]byte, 0, 512)
	err := h.store.StreamProjects(r.Context(), projectd.ProjectQuery{
		Filter: projectd.ProjectFilter{Workspace: workspace},
		Sort:   []projectd.SortKey{{Field: projectd.SortID}},
	}, func(p *projectd.Project) error {
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		buf = appendProject(buf[:0], p)
		_, err := out.Write(buf)
		return err
	})
	if err != nil {
		// The status is sent: cut the connection so that the client sees a broken
		// answer, not a short list.
		h.logger.Error("stream projects", "request_id", httpserver.RequestID(r), "err", err)
		panic(http.ErrAbortHandler)
	}
	out.WriteString(`],"totalCount":`)
	out.WriteString(strconv.FormatInt(n, 10))
	out.WriteString("}}\n")
	out.Flush()
}

func (h *Handler) handleCreate(w http.ResponseWriter, r *http.Request) {
	workspace := r.PathValue("workspace_name")
	if err := h.store.CheckWorkspaceMember(r.Context(), workspace); err != nil {
		h.error(w, r, err)
		return
	}
	name, err := readName(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	p, err := h.store.CreateProject(r.Context(), &projectd.ProjectCreate{
		Name: name, Workspace: workspace, Ext: json.RawMessage(`{"maiu":{"isBaseProject":false}}`),
		Rules: workspaceRules,
	})
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeResult(w, http.StatusOK, appendProject(nil, p))
}

// project finds a project of the workspace in the path; one of another workspace is not
// found, like one that does not exist.
func (h *Handler) project(r *http.Request) (*projectd.Project, error) {
	workspace := r.PathValue("workspace_name")
	if err := h.store.CheckWorkspaceMember(r.Context(), workspace); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("project_id"), 10, 64)
	if err != nil || id < 1 {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no project %s in workspace %s", r.PathValue("project_id"), workspace)
	}
	p, err := h.store.FindProject(r.Context(), strconv.FormatInt(id, 10))
	if err == nil && p.Workspace != workspace {
		err = projectd.Errorf(projectd.ENOTFOUND, "no project %d in workspace %s", id, workspace)
	}
	return p, err
}

func (h *Handler) handleGet(w http.ResponseWriter, r *http.Request) {
	p, err := h.project(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeResult(w, http.StatusOK, appendProject(nil, p))
}

func (h *Handler) handleRename(w http.ResponseWriter, r *http.Request) {
	p, err := h.project(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	name, err := readName(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if isBase(p) {
		h.error(w, r, projectd.Invalid("name", "the base project cannot be renamed"))
		return
	}
	p, err = h.store.UpdateProject(r.Context(), strconv.FormatInt(p.ID, 10), &projectd.ProjectUpdate{Name: &name, Rules: workspaceRules}, p.ETag())
	if err != nil {
		h.error(w, r, err)
		return
	}
	writeResult(w, http.StatusOK, appendProject(nil, p))
}

func (h *Handler) handleDelete(w http.ResponseWriter, r *http.Request) {
	p, err := h.project(r)
	if err != nil {
		h.error(w, r, err)
		return
	}
	if isBase(p) {
		h.error(w, r, projectd.Invalid("project_id", "the base project cannot be deleted"))
		return
	}
	if err := h.store.DeleteProject(r.Context(), strconv.FormatInt(p.ID, 10), p.ETag()); err != nil {
		h.error(w, r, err)
		return
	}
	writeResult(w, http.StatusOK, nil)
}
