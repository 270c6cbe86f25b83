package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"projectd"
)

// projectJSON is a project as the native API writes it.
type projectJSON struct {
	ID          int64  `json:"id"`
	UID         string `json:"uid"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Owner       struct {
		ID    int64  `json:"id"`
		UID   string `json:"uid"`
		Login string `json:"login"`
	} `json:"owner"`
	Workspace *string         `json:"workspace"`
	CreatedAt time.Time       `json:"created_at"`
	UpdatedAt time.Time       `json:"updated_at"`
	CreatedBy string          `json:"created_by"`
	UpdatedBy string          `json:"updated_by"`
	Version   int64           `json:"version"`
	Ext       json.RawMessage `json:"ext"`
}

// project is the domain's project: its owner with id, uid and login, its editors with
// their logins, as the API names them.
func (j *projectJSON) project() projectd.Project {
	p := projectd.Project{ID: j.ID, UID: j.UID, Name: j.Name, Description: j.Description, Status: j.Status,
		Owner:     &projectd.User{ID: j.Owner.ID, UID: j.Owner.UID, Login: j.Owner.Login},
		CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt, Version: j.Version, Ext: j.Ext,
		CreatedBy: &projectd.User{Login: j.CreatedBy}, UpdatedBy: &projectd.User{Login: j.UpdatedBy}}
	if j.Workspace != nil {
		p.Workspace = *j.Workspace
	}
	return p
}

// ListOptions are the filters, order and page size of a list of projects; zero values
// filter nothing.
type ListOptions struct {
	Status    string // active or archived
	Owner     string // login or uid
	Workspace string
	Q         string // a case-insensitive substring of name or description

	IDGt, IDGte, IDLt, IDLte int64

	CreatedGt, CreatedGte, CreatedLt, CreatedLte time.Time
	UpdatedGt, UpdatedGte, UpdatedLt, UpdatedLte time.Time

	// Sort is the API's sort: comma-separated id, name, created, updated, each with an
	// optional - for descending ("" is the server's newest first).
	Sort string
	// Limit is the page size, 1 to 1,000 (0: the server's 50).
	Limit int
}

func (o ListOptions) query() url.Values {
	v := url.Values{}
	for name, s := range map[string]string{"status": o.Status, "owner": o.Owner, "workspace": o.Workspace, "q": o.Q, "sort": o.Sort} {
		if s != "" {
			v.Set(name, s)
		}
	}
	for name, n := range map[string]int64{"id_gt": o.IDGt, "id_gte": o.IDGte, "id_lt": o.IDLt, "id_lte": o.IDLte, "limit": int64(o.Limit)} {
		if n != 0 {
			v.Set(name, strconv.FormatInt(n, 10))
		}
	}
	for name, t := range map[string]time.Time{
		"created_gt": o.CreatedGt, "created_gte": o.CreatedGte, "created_lt": o.CreatedLt, "created_lte": o.CreatedLte,
		"updated_gt": o.UpdatedGt, "updated_gte": o.UpdatedGte, "updated_lt": o.UpdatedLt, "updated_lte": o.UpdatedLte,
	} {
		if !t.IsZero() {
			v.Set(name, t.UTC().Format(time.RFC3339Nano))
		}
	}
	return v
}

// Page is one page of a list.
type Page struct {
	Projects   []projectd.Project
	HasMore    bool
	NextCursor string // "" after the last page
	Total      *int64 // with WithTotal only
}

// ListProjects reads one page: the first with cursor "", the next with the NextCursor of
// the one before (bound to the same options). withTotal asks for the number of all
// matching projects.
func (c *Client) ListProjects(ctx context.Context, opts ListOptions, cursor string, withTotal bool) (*Page, error) {
	q := opts.query()
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	if withTotal {
		q.Set("count", "exact")
	}
	var out struct {
		Items      []projectJSON `json:"items"`
		HasMore    bool          `json:"has_more"`
		NextCursor *string       `json:"next_cursor"`
		Total      *int64        `json:"total"`
	}
	if _, err := c.do(ctx, request{method: http.MethodGet, path: "/api/projects?" + q.Encode()}, &out); err != nil {
		return nil, err
	}
	page := &Page{Projects: make([]projectd.Project, len(out.Items)), HasMore: out.HasMore, Total: out.Total}
	for i := range out.Items {
		page.Projects[i] = out.Items[i].project()
	}
	if out.NextCursor != nil {
		page.NextCursor = *out.NextCursor
	}
	return page, nil
}

// Projects lists every matching project, page after page as the loop asks for them.
// The cursors are keyset cursors: a project edited or added during the loop does not
// make another one repeat or go missing. An error ends the sequence.
func (c *Client) Projects(ctx context.Context, opts ListOptions) iter.Seq2[projectd.Project, error] {
	return func(yield func(projectd.Project, error) bool) {
		cursor := ""
		for {
			page, err := c.ListProjects(ctx, opts, cursor, false)
			if err != nil {
				yield(projectd.Project{}, err)
				return
			}
			for _, p := range page.Projects {
				if !yield(p, nil) {
					return
				}
			}
			if !page.HasMore || page.NextCursor == "" {
				return
			}
			cursor = page.NextCursor
		}
	}
}

// Project reads one project by id or uid; its ETag() conditions a later write.
func (c *Client) Project(ctx context.Context, ref string) (*projectd.Project, error) {
	return c.projectCall(ctx, request{method: http.MethodGet, path: "/api/projects/" + url.PathEscape(ref)})
}

// CreateProject creates a project (Rules are the surfaces' and are not sent).
func (c *Client) CreateProject(ctx context.Context, p projectd.ProjectCreate) (*projectd.Project, error) {
	body := map[string]any{"name": p.Name, "description": p.Description}
	for k, v := range map[string]string{"status": p.Status, "workspace": p.Workspace, "owner": p.Owner} {
		if v != "" {
			body[k] = v
		}
	}
	if len(p.Ext) > 0 {
		body["ext"] = p.Ext
	}
	return c.projectCall(ctx, request{method: http.MethodPost, path: "/api/projects", body: body})
}

// UpdateProject applies upd (nil fields stay; Workspace "" leaves the workspace; Ext is
// a merge patch). With an etag (Project.ETag()) the write happens only if the project is
// still that version: otherwise it returns a *ConflictError.
func (c *Client) UpdateProject(ctx context.Context, ref string, upd projectd.ProjectUpdate, etag string) (*projectd.Project, error) {
	patch := map[string]any{}
	for k, v := range map[string]*string{"name": upd.Name, "description": upd.Description, "status": upd.Status, "owner": upd.Owner} {
		if v != nil {
			patch[k] = *v
		}
	}
	if upd.Workspace != nil {
		patch["workspace"] = *upd.Workspace
		if *upd.Workspace == "" {
			patch["workspace"] = nil
		}
	}
	if len(upd.Ext) > 0 {
		patch["ext"] = upd.Ext
	}
	p, err := c.projectCall(ctx, request{method: http.MethodPatch, path: "/api/projects/" + url.PathEscape(ref), body: patch,
		header: conditional(etag, "application/merge-patch+json")})
	return p, stale(err, etag)
}

// DeleteProject deletes a project; with an etag only if it is still that version
// (*ConflictError otherwise).
func (c *Client) DeleteProject(ctx context.Context, ref, etag string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/projects/" + url.PathEscape(ref), header: conditional(etag, "")}, nil)
	return stale(err, etag)
}

func conditional(etag, contentType string) http.Header {
	h := http.Header{}
	if etag != "" {
		h.Set("If-Match", etag)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return h
}

func stale(err error, etag string) error {
	if e, ok := err.(*Error); ok && e.Status == http.StatusPreconditionFailed {
		return &ConflictError{Problem: e, ETag: etag}
	}
	return err
}

func (c *Client) projectCall(ctx context.Context, r request) (*projectd.Project, error) {
	var j projectJSON
	if _, err := c.do(ctx, r, &j); err != nil {
		return nil, err
	}
	p := j.project()
	return &p, nil
}

// ProjectViews returns the project as each surface of the server answers it for the
// caller.
func (c *Client) ProjectViews(ctx context.Context, ref string) ([]projectd.SurfaceView, error) {
	var out struct{ Items []projectd.SurfaceView }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/projects/" + url.PathEscape(ref) + "/views"}, &out)
	return out.Items, err
}
