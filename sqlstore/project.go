package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"projectd"
)

// FindProject returns one project by numeric id or uid, if the caller may see it.
func (db *DB) FindProject(ctx context.Context, ref string) (*projectd.Project, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	return findVisible(ctx, db.queryRow, a, ref)
}

// rowReader runs a query of one row: the read pool's, or a transaction's.
type rowReader func(ctx context.Context, query string, args ...any) scanner

// findVisible reads one project that a may see, by numeric id or uid.
func findVisible(ctx context.Context, read rowReader, a *projectd.Auth, ref string) (*projectd.Project, error) {
	col, arg, err := projectRef(ref)
	if err != nil {
		return nil, err
	}
	var w where
	w.add(col+" = ?", arg)
	w.visible(a)
	p, err := scanProject(read(ctx, selectProjects+w.sql(), w.args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(ref)
	}
	return p, err
}

func notFound(ref string) error {
	return projectd.Errorf(projectd.ENOTFOUND, "no project %s", ref)
}

// projectRef tells a numeric id from a uid; anything else cannot exist.
func projectRef(ref string) (string, any, error) {
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil && id > 0 {
		return "p.id", id, nil
	}
	if u, err := uuid.Parse(ref); err == nil {
		return "p.uid", u.String(), nil
	}
	return "", nil, notFound(ref)
}

// ListProjects returns one page of the projects the caller may see.
func (db *DB) ListProjects(ctx context.Context, q projectd.ProjectQuery) (*projectd.ProjectPage, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	if err := q.Normalize(db.Ext); err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = projectd.DefaultLimit
	}
	query, args := db.sql().listSQL(selectPage, a, &q, limit+1) // one more tells whether more exist
	var rows rows
	var total func() (int64, error)
	if q.Count && db.pool != nil {
		// PostgreSQL: the page and its total in one round trip.
		countQuery, countArgs := db.countQuery(a, &q.Filter)
		batch := &pgx.Batch{}
		batch.Queue(db.dialect.rebind(query), args...)
		batch.Queue(db.dialect.rebind(countQuery), countArgs...)
		results := db.pool.SendBatch(ctx, batch)
		defer results.Close()
		rows, err = results.Query()
		total = func() (n int64, err error) {
			defer results.Close() // the batch's connection, before fill may need one
			return n, results.QueryRow().Scan(&n)
		}
	} else {
		rows, err = db.query(ctx, query, args...)
		total = func() (int64, error) { return db.count(ctx, a, &q.Filter) }
	}
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	page := &projectd.ProjectPage{Projects: make([]*projectd.Project, 0, limit)}
	refs := make([]projectRefs, 0, limit)
	scan := newPageScanner()
	for rows.Next() {
		if len(page.Projects) == limit {
			page.HasMore = true
			break
		}
		p, r, err := scan.scan(rows)
		if err != nil {
			return nil, err
		}
		page.Projects = append(page.Projects, p)
		refs = append(refs, r)
	}
	rows.Close() // before the total, which follows the rows on the wire
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if q.Count {
		if page.Total, err = total(); err != nil {
			return nil, err
		}
	}
	if err := db.refs.fill(ctx, db, page.Projects, refs); err != nil {
		return nil, err
	}
	return page, nil
}

// StreamProjects calls fn for every matching project in order, one row at a time.
func (db *DB) StreamProjects(ctx context.Context, q projectd.ProjectQuery, fn func(*projectd.Project) error) error {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return err
	}
	if err := q.Normalize(db.Ext); err != nil {
		return err
	}
	query, args := db.sql().listSQL(selectProjects, a, &q, q.Limit)
	rows, err := db.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProject(rows)
		if err != nil {
			return err
		}
		if err := fn(p); err != nil {
			return err
		}
	}
	return rows.Err()
}

// CountProjects counts the matching projects the caller may see, from indexes alone.
func (db *DB) CountProjects(ctx context.Context, f projectd.ProjectFilter) (int64, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return 0, err
	}
	q := projectd.ProjectQuery{Filter: f}
	if err := q.Normalize(db.Ext); err != nil {
		return 0, err
	}
	return db.count(ctx, a, &q.Filter)
}

func (db *DB) count(ctx context.Context, a *projectd.Auth, f *projectd.ProjectFilter) (int64, error) {
	query, args := db.countQuery(a, f)
	var n int64
	err := db.queryRow(ctx, query, args...).Scan(&n)
	return n, err
}

// countQuery is the query that counts what f matches for a.
func (db *DB) countQuery(a *projectd.Auth, f *projectd.ProjectFilter) (string, []any) {
	if query, args, ok := db.fastCountSQL(a, f); ok {
		return query, args
	}
	return db.sql().countSQL(a, f)
}

// CreateProject stores a new project owned by the caller (or, for admins, by c.Owner).
func (db *DB) CreateProject(ctx context.Context, c *projectd.ProjectCreate) (*projectd.Project, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ext, err := db.checkExt(c.Ext)
	if err != nil {
		return nil, err
	}
	var p *projectd.Project
	err = db.withProjectIDs(ctx, 1, func(id int64) error {
		return db.inTx(ctx, func(tx *Tx) error {
			p, err = db.createProject(ctx, tx, a, c, ext, id)
			return err
		})
	})
	return p, err
}

// createProject inserts a validated project in tx, with the id from projectIDs.
func (db *DB) createProject(ctx context.Context, tx *Tx, a *projectd.Auth, c *projectd.ProjectCreate, ext string, id int64) (*projectd.Project, error) {
	status := c.Status
	if status == "" {
		status = projectd.StatusActive
	}
	now := micros(db.now())
	ownerID, err := resolveOwner(ctx, tx, a, c.Owner)
	if err != nil {
		return nil, err
	}
	workspaceID, err := resolveWorkspace(ctx, tx, a, c.Workspace)
	if err != nil {
		return nil, err
	}
	if c.Rules != (projectd.WorkspaceRules{}) {
		if err := db.checkWorkspaceRules(ctx, tx, workspaceID, c.Name, 0, c.Rules); err != nil {
			return nil, err
		}
	}
	err = tx.queryRow(ctx, `INSERT INTO projects (id, uid, name, description, status, owner_id, workspace_id,
			created_at, updated_at, created_by, updated_by, version, ext)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`,
		nullID(id), uuid.Must(uuid.NewV7()).String(), c.Name, c.Description, status, ownerID, workspaceID, now, now, a.User.ID, a.User.ID, ext).Scan(&id)
	if err != nil {
		return nil, err
	}
	p, err := scanProject(tx.queryRow(ctx, selectProjects+" WHERE p.id = ?", id))
	if err != nil {
		return nil, err
	}
	return p, addCount(ctx, tx, db.keyOf(p), 1)
}

// checkWorkspaceRules enforces a surface's rules on a workspace's projects: a name unique
// in the workspace (other than project self), and a limit on how many it holds. The
// workspace row is locked first, so that concurrent writers check one after another.
func (db *DB) checkWorkspaceRules(ctx context.Context, tx *Tx, workspaceID any, name string, self int64, rules projectd.WorkspaceRules) error {
	if workspaceID == nil {
		return projectd.Invalid("workspace", "the rules of workspace projects need a workspace")
	}
	var id int64
	if err := tx.queryRow(ctx, "SELECT id FROM workspaces WHERE id = ?"+db.dialect.forUpdate, workspaceID).Scan(&id); err != nil {
		return err
	}
	if rules.UniqueName {
		var taken bool
		if err := tx.queryRow(ctx, "SELECT EXISTS (SELECT 1 FROM projects WHERE workspace_id = ? AND name = ? AND id <> ?)",
			workspaceID, name, self).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return &projectd.Error{Code: projectd.ECONFLICT, Field: "name", Message: "a project named " + name + " exists in this workspace"}
		}
	}
	if limit := rules.MaxProjects; limit > 0 {
		var n int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM projects WHERE workspace_id = ?", workspaceID).Scan(&n); err != nil {
			return err
		}
		if n >= limit {
			return projectd.Invalid("workspace", "the workspace holds %d projects, the most it may", limit)
		}
	}
	return nil
}

// checkExt validates ext and returns its compact text, "{}" when empty.
func (db *DB) checkExt(ext json.RawMessage) (string, error) {
	if len(bytes.TrimSpace(ext)) == 0 || string(bytes.TrimSpace(ext)) == "null" {
		return "{}", nil
	}
	if err := db.Ext.Validate(ext); err != nil {
		return "", err
	}
	if isCompactJSON(ext) {
		return string(ext), nil
	}
	var b bytes.Buffer
	if err := json.Compact(&b, ext); err != nil {
		return "", projectd.Invalid("ext", "ext must be valid JSON")
	}
	return b.String(), nil
}

// isCompactJSON reports whether valid JSON has no whitespace outside its strings, which
// json.Compact would remove.
func isCompactJSON(b []byte) bool {
	inString := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\r' || c == '\n'):
			return false
		}
	}
	return true
}

// resolveOwner returns the id of the owner a caller names: itself by default; anybody only
// for admins.
func resolveOwner(ctx context.Context, tx *Tx, a *projectd.Auth, owner string) (int64, error) {
	if owner == "" || owner == a.User.Login || owner == a.User.UID {
		return a.User.ID, nil
	}
	if !a.User.IsAdmin() {
		return 0, &projectd.Error{Code: projectd.EFORBIDDEN, Field: "owner", Message: "only admins set another owner"}
	}
	var id int64
	err := tx.queryRow(ctx, "SELECT id FROM users WHERE login = ? OR uid = ?", owner, owner).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, projectd.Invalid("owner", "no user %s", owner)
	}
	return id, err
}

// resolveWorkspace returns the id of a workspace the caller belongs to (any, for admins),
// nil for "".
func resolveWorkspace(ctx context.Context, tx *Tx, a *projectd.Auth, name string) (any, error) {
	if name == "" {
		return nil, nil
	}
	var id int64
	var member bool
	err := tx.queryRow(ctx, `SELECT w.id, EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.user_id = ?)
		FROM workspaces w WHERE w.name = ?`, a.User.ID, name).Scan(&id, &member)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !member && !a.User.IsAdmin()) {
		return nil, projectd.Invalid("workspace", "no workspace %s that you belong to", name)
	}
	return id, err
}

// mayWrite reports whether the caller may change p: admins, its owner and the owners of
// its workspace may; other members of the workspace only see it.
func mayWrite(ctx context.Context, tx *Tx, a *projectd.Auth, p *projectd.Project) error {
	if a.User.IsAdmin() || p.Owner.ID == a.User.ID {
		return nil
	}
	if p.Workspace != "" {
		var role string
		err := tx.queryRow(ctx, `SELECT m.role FROM workspace_members m JOIN workspaces w ON w.id = m.workspace_id
			WHERE w.name = ? AND m.user_id = ?`, p.Workspace, a.User.ID).Scan(&role)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if role == projectd.WorkspaceRoleOwner {
			return nil
		}
	}
	return projectd.Errorf(projectd.EFORBIDDEN, "only the owner, workspace owners and admins change project %d", p.ID)
}

// findForWrite loads a project the caller may see and change, checking ifMatch.
func (db *DB) findForWrite(ctx context.Context, tx *Tx, a *projectd.Auth, ref string, ifMatch string) (*projectd.Project, error) {
	p, err := findVisible(ctx, func(ctx context.Context, query string, args ...any) scanner {
		return tx.queryRow(ctx, query, args...)
	}, a, ref)
	if err != nil {
		return nil, err
	}
	if err := mayWrite(ctx, tx, a, p); err != nil {
		return nil, err
	}
	if ifMatch != "" && ifMatch != "*" && ifMatch != p.ETag() {
		return nil, projectd.Errorf(projectd.EPRECONDITION, "project %s has changed: its ETag is now %s", ref, p.ETag())
	}
	return p, nil
}

// UpdateProject applies upd to a project the caller may change, bumping its version.
func (db *DB) UpdateProject(ctx context.Context, ref string, upd *projectd.ProjectUpdate, ifMatch string) (*projectd.Project, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	if err := upd.Validate(); err != nil {
		return nil, err
	}
	var out *projectd.Project
	err = db.inTx(ctx, func(tx *Tx) error {
		p, err := db.findForWrite(ctx, tx, a, ref, ifMatch)
		if err != nil {
			return err
		}
		set := "updated_at = ?, updated_by = ?, version = version + 1"
		args := []any{micros(db.now()), a.User.ID}
		change := func(column string, v any) {
			set += ", " + column + " = ?"
			args = append(args, v)
		}
		if upd.Name != nil {
			if upd.Rules.UniqueName && p.Workspace != "" && *upd.Name != p.Name {
				workspaceID, err := workspaceCache{}.id(ctx, tx, p.Workspace)
				if err != nil {
					return err
				}
				if err := db.checkWorkspaceRules(ctx, tx, workspaceID, *upd.Name, p.ID, projectd.WorkspaceRules{UniqueName: true}); err != nil {
					return err
				}
			}
			change("name", *upd.Name)
		}
		if upd.Description != nil {
			change("description", *upd.Description)
		}
		if upd.Status != nil {
			change("status", *upd.Status)
		}
		if upd.Ext != nil {
			merged, err := projectd.MergePatch(p.Ext, upd.Ext)
			if err != nil {
				return err
			}
			ext, err := db.checkExt(merged)
			if err != nil {
				return err
			}
			change("ext", ext)
		}
		if upd.Owner != nil && *upd.Owner != p.Owner.Login && *upd.Owner != p.Owner.UID {
			if !a.User.IsAdmin() {
				return &projectd.Error{Code: projectd.EFORBIDDEN, Field: "owner", Message: "only admins change the owner"}
			}
			ownerID, err := resolveOwner(ctx, tx, a, *upd.Owner)
			if err != nil {
				return err
			}
			change("owner_id", ownerID)
		}
		if upd.Workspace != nil && *upd.Workspace != p.Workspace {
			workspaceID, err := resolveWorkspace(ctx, tx, a, *upd.Workspace)
			if err != nil {
				return err
			}
			change("workspace_id", workspaceID)
		}
		res, err := tx.exec(ctx, "UPDATE projects SET "+set+" WHERE id = ? AND version = ?", append(args, p.ID, p.Version)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errRetry // changed since we read it: read it again
		}
		if out, err = scanProject(tx.queryRow(ctx, selectProjects+" WHERE p.id = ?", p.ID)); err != nil {
			return err
		}
		return moveCount(ctx, tx, db.keyOf(p), db.keyOf(out))
	})
	return out, err
}

// DeleteProject removes a project the caller may change.
func (db *DB) DeleteProject(ctx context.Context, ref string, ifMatch string) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		p, err := db.findForWrite(ctx, tx, a, ref, ifMatch)
		if err != nil {
			return err
		}
		if _, err = tx.exec(ctx, "DELETE FROM projects WHERE id = ?", p.ID); err != nil {
			return err
		}
		return addCount(ctx, tx, db.keyOf(p), -1)
	})
}
