package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"projectd"
)

// CreateWorkspace creates a workspace. The caller becomes its owner; an admin may instead
// name the owners among members. Every member login must exist. The projects given are
// created in it in the same transaction.
func (db *DB) CreateWorkspace(ctx context.Context, name string, members []projectd.WorkspaceMember, projects ...*projectd.ProjectCreate) (*projectd.Workspace, error) {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	if err := projectd.ValidateWorkspaceName(name); err != nil {
		return nil, err
	}
	roles := map[string]string{}
	var order []string
	hasOwner := false
	for _, m := range members {
		if err := projectd.ValidateWorkspaceRole(m.Role); err != nil {
			return nil, projectd.Invalid("members", "member %s: role must be owner or member", m.Login)
		}
		if _, dup := roles[m.Login]; !dup {
			order = append(order, m.Login)
		}
		roles[m.Login] = m.Role
		hasOwner = hasOwner || m.Role == projectd.WorkspaceRoleOwner
	}
	if !a.User.IsAdmin() || !hasOwner {
		if _, dup := roles[a.User.Login]; !dup {
			order = append([]string{a.User.Login}, order...)
		}
		roles[a.User.Login] = projectd.WorkspaceRoleOwner
	}
	exts := make([]string, len(projects))
	for i, c := range projects {
		c.Workspace = name
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if exts[i], err = db.checkExt(c.Ext); err != nil {
			return nil, err
		}
	}
	now := micros(db.now())
	var id int64
	err = db.withProjectIDs(ctx, len(projects), func(firstID int64) error {
		return db.inTx(ctx, func(tx *Tx) error {
			err := tx.queryRow(ctx, `INSERT INTO workspaces (name, created_at, created_by, updated_at, updated_by)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, name, now, a.User.ID, now, a.User.ID).Scan(&id)
			if isUniqueViolation(err) {
				return &projectd.Error{Code: projectd.ECONFLICT, Field: "name", Message: "workspace " + name + " exists"}
			} else if err != nil {
				return err
			}
			for _, login := range order {
				if err := setMember(ctx, tx, id, login, roles[login]); err != nil {
					return err
				}
			}
			written := newChanges()
			for i, c := range projects {
				projectID := int64(0) // SQLite's
				if firstID != 0 {
					projectID = firstID + int64(i)
				}
				if _, err := db.createProject(ctx, tx, a, c, exts[i], projectID, time.Time{}, written); err != nil {
					return err
				}
			}
			return db.afterWrite(ctx, tx, written)
		})
	})
	if err != nil {
		return nil, err
	}
	return db.FindWorkspace(ctx, name)
}

func setMember(ctx context.Context, tx *Tx, workspaceID int64, login, role string) error {
	var userID int64
	err := tx.queryRow(ctx, "SELECT id FROM users WHERE login = ?", login).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return &projectd.Error{Code: projectd.EINVALID, Field: "login", Message: "no user " + login}
	} else if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (?, ?, ?)
		ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role`, workspaceID, userID, role)
	return err
}

// FindWorkspace returns a workspace the caller belongs to (any, for admins).
func (db *DB) FindWorkspace(ctx context.Context, name string) (*projectd.Workspace, error) {
	defer db.timed(projectd.OpGet)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	if projectd.ValidateWorkspaceName(name) != nil { // cannot exist
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no workspace %q", name)
	}
	list, err := db.listWorkspaces(ctx, a, name)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no workspace %s", name)
	}
	return list[0], nil
}

// CheckWorkspaceMember tells a member of a workspace (or an admin, nil) from somebody
// else (EFORBIDDEN) and from a workspace that does not exist (ENOTFOUND).
func (db *DB) CheckWorkspaceMember(ctx context.Context, name string) error {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return err
	}
	if projectd.ValidateWorkspaceName(name) != nil { // cannot exist
		return projectd.Errorf(projectd.ENOTFOUND, "no workspace %q", name)
	}
	var member bool
	err = db.queryRow(ctx, `SELECT EXISTS (SELECT 1 FROM workspace_members m WHERE m.workspace_id = w.id AND m.user_id = ?)
		FROM workspaces w WHERE w.name = ?`, a.User.ID, name).Scan(&member)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return projectd.Errorf(projectd.ENOTFOUND, "no workspace %s", name)
	case err != nil:
		return err
	case !member && !a.User.IsAdmin():
		return projectd.Errorf(projectd.EFORBIDDEN, "you are not a member of workspace %s", name)
	}
	return nil
}

// ListWorkspaces returns the workspaces the caller belongs to (all, for admins), by name.
func (db *DB) ListWorkspaces(ctx context.Context) ([]*projectd.Workspace, error) {
	defer db.timed(projectd.OpPage)()
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	return db.listWorkspaces(ctx, a, "")
}

func (db *DB) listWorkspaces(ctx context.Context, a *projectd.Auth, name string) ([]*projectd.Workspace, error) {
	q := `SELECT w.id, w.name, w.created_at, cb.login, w.updated_at, ub.login, u.login, m.role
		FROM workspaces w
		JOIN users cb ON cb.id = w.created_by
		JOIN users ub ON ub.id = w.updated_by
		JOIN workspace_members m ON m.workspace_id = w.id
		JOIN users u ON u.id = m.user_id
		WHERE 1 = 1`
	var args []any
	if name != "" {
		q += " AND w.name = ?"
		args = append(args, name)
	}
	if !a.User.IsAdmin() {
		q += " AND w.id IN (SELECT workspace_id FROM workspace_members WHERE user_id = ?)"
		args = append(args, a.User.ID)
	}
	q += " ORDER BY w.name, u.login"
	rows, err := db.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*projectd.Workspace
	for rows.Next() {
		w := projectd.Workspace{CreatedBy: &projectd.User{}, UpdatedBy: &projectd.User{}}
		var created, updated int64
		var m projectd.WorkspaceMember
		if err := rows.Scan(&w.ID, &w.Name, &created, &w.CreatedBy.Login, &updated, &w.UpdatedBy.Login, &m.Login, &m.Role); err != nil {
			return nil, err
		}
		if n := len(out); n == 0 || out[n-1].ID != w.ID {
			w.CreatedAt, w.UpdatedAt = fromMicros(created), fromMicros(updated)
			out = append(out, &w)
		}
		last := out[len(out)-1]
		last.Members = append(last.Members, m)
	}
	return out, rows.Err()
}

// SetWorkspaceMember adds a member or changes their role. Workspace owners and admins only.
func (db *DB) SetWorkspaceMember(ctx context.Context, workspace, login, role string) (*projectd.WorkspaceMember, error) {
	if err := projectd.ValidateWorkspaceRole(role); err != nil {
		return nil, err
	}
	return &projectd.WorkspaceMember{Login: login, Role: role}, db.changeMembers(ctx, workspace, "", func(tx *Tx, id int64) error {
		return setMember(ctx, tx, id, login, role)
	})
}

// RemoveWorkspaceMember removes a member: owners and admins remove anyone, and every
// member may leave; the last owner cannot go.
func (db *DB) RemoveWorkspaceMember(ctx context.Context, workspace, login string) error {
	return db.changeMembers(ctx, workspace, login, func(tx *Tx, id int64) error {
		res, err := tx.exec(ctx, `DELETE FROM workspace_members
			WHERE workspace_id = ? AND user_id = (SELECT id FROM users WHERE login = ?)`, id, login)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return projectd.Errorf(projectd.ENOTFOUND, "%s is not a member of %s", login, workspace)
		}
		return nil
	})
}

// changeMembers runs change for a workspace the caller owns (or any, for admins; or, for
// a member whose login is self, their own membership), then checks that an owner remains
// and stamps the workspace as updated.
func (db *DB) changeMembers(ctx context.Context, workspace, self string, change func(tx *Tx, id int64) error) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		var id int64
		var role sql.NullString
		err := tx.queryRow(ctx, `SELECT w.id, m.role FROM workspaces w
			LEFT JOIN workspace_members m ON m.workspace_id = w.id AND m.user_id = ?
			WHERE w.name = ?`, a.User.ID, workspace).Scan(&id, &role)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && !role.Valid && !a.User.IsAdmin()) {
			return projectd.Errorf(projectd.ENOTFOUND, "no workspace %s", workspace)
		} else if err != nil {
			return err
		}
		if !a.User.IsAdmin() && role.String != projectd.WorkspaceRoleOwner && (self == "" || self != a.User.Login) {
			return projectd.Errorf(projectd.EFORBIDDEN, "only owners of %s change its members", workspace)
		}
		if err := change(tx, id); err != nil {
			return err
		}
		var owners int
		if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM workspace_members WHERE workspace_id = ? AND role = 'owner'", id).Scan(&owners); err != nil {
			return err
		}
		if owners == 0 {
			return projectd.Errorf(projectd.ECONFLICT, "workspace %s must keep at least one owner", workspace)
		}
		_, err = tx.exec(ctx, "UPDATE workspaces SET updated_at = ?, updated_by = ? WHERE id = ?", micros(db.now()), a.User.ID, id)
		return err
	})
}
