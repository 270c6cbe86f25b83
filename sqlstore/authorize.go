// Authorization decisions of writes: who the caller is, whom a project may belong to,
// which workspace it may join, and who may change it.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"projectd"
)

// caller returns the authenticated caller, EUNAUTHORIZED without one, and EFORBIDDEN when
// the credential lacks scope.
func caller(ctx context.Context, scope string) (*projectd.Auth, error) {
	a := projectd.AuthFromContext(ctx)
	if a == nil || a.User == nil {
		return nil, projectd.Errorf(projectd.EUNAUTHORIZED, "authentication required")
	}
	if !a.Can(scope) {
		return nil, projectd.Errorf(projectd.EFORBIDDEN, "this token lacks the %s scope", scope)
	}
	return a, nil
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
