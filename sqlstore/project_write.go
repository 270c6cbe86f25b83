package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"projectd"
)

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
			written := newChanges()
			if p, err = db.createProject(ctx, tx, a, c, ext, id, time.Time{}, written); err != nil {
				return err
			}
			return db.afterWrite(ctx, tx, written)
		})
	})
	return p, err
}

// createProject inserts a validated project in tx (insertProject) and reads it back
// whole, its owner and editors with it.
func (db *DB) createProject(ctx context.Context, tx *Tx, a *projectd.Auth, c *projectd.ProjectCreate, ext string, id int64, created time.Time, written *changes) (*projectd.Project, error) {
	id, err := db.insertProject(ctx, tx, a, c, ext, id, created, written)
	if err != nil {
		return nil, err
	}
	return scanProject(tx.queryRow(ctx, selectProjects+" WHERE p.id = ?", id))
}

// insertProject inserts a validated project in tx, with the id from projectIDs, made at
// created (zero: now; migrate keeps a source's), and notes it in written for the
// counters (db.afterWrite, once for every project the transaction writes).
func (db *DB) insertProject(ctx context.Context, tx *Tx, a *projectd.Auth, c *projectd.ProjectCreate, ext string, id int64, created time.Time, written *changes) (int64, error) {
	status := c.Status
	if status == "" {
		status = projectd.StatusActive
	}
	now := micros(db.now())
	at := now
	if !created.IsZero() {
		at = micros(created)
	}
	ownerID, err := resolveOwner(ctx, tx, a, c.Owner)
	if err != nil {
		return 0, err
	}
	workspaceID, err := resolveWorkspace(ctx, tx, a, c.Workspace)
	if err != nil {
		return 0, err
	}
	if c.Rules != (projectd.WorkspaceRules{}) {
		if err := db.checkWorkspaceRules(ctx, tx, workspaceID, c.Name, 0, c.Rules); err != nil {
			return 0, err
		}
	}
	err = tx.queryRow(ctx, `INSERT INTO projects (id, uid, name, description, status, owner_id, workspace_id,
			created_at, updated_at, created_by, updated_by, version, ext)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) RETURNING id`,
		nullID(id), uuid.Must(uuid.NewV7()).String(), c.Name, c.Description, status, ownerID, workspaceID, at, now, a.User.ID, a.User.ID, ext).Scan(&id)
	if err != nil {
		return 0, err
	}
	written.created(countKey{ownerID, c.Workspace, status, db.stateOf(json.RawMessage(ext))})
	return id, nil
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
		var set []assignment
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
			set = append(set, assignment{"name", *upd.Name})
		}
		if upd.Description != nil {
			set = append(set, assignment{"description", *upd.Description})
		}
		if upd.Status != nil {
			set = append(set, assignment{"status", *upd.Status})
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
			set = append(set, assignment{"ext", ext})
		}
		if upd.Owner != nil && *upd.Owner != p.Owner.Login && *upd.Owner != p.Owner.UID {
			if !a.User.IsAdmin() {
				return &projectd.Error{Code: projectd.EFORBIDDEN, Field: "owner", Message: "only admins change the owner"}
			}
			ownerID, err := resolveOwner(ctx, tx, a, *upd.Owner)
			if err != nil {
				return err
			}
			set = append(set, assignment{"owner_id", ownerID})
		}
		if upd.Workspace != nil && *upd.Workspace != p.Workspace {
			workspaceID, err := resolveWorkspace(ctx, tx, a, *upd.Workspace)
			if err != nil {
				return err
			}
			set = append(set, assignment{"workspace_id", workspaceID})
		}
		if err := db.checkPinned(p, set); err != nil {
			return err
		}
		c := newChanges()
		if out, err = db.updateRow(ctx, tx, a, p, set, c); err != nil {
			return err
		}
		return db.afterWrite(ctx, tx, c)
	})
	return out, err
}

// checkPinned refuses the changes a pinned project may not have: a new name, another
// workspace, ext without its pin.
func (db *DB) checkPinned(p *projectd.Project, set []assignment) error {
	path := db.Ext.PinnedBy(p.Ext)
	if path == "" {
		return nil
	}
	for _, s := range set {
		field, pinned := s.column, false
		switch s.column {
		case "name":
			pinned = s.value != p.Name
		case "workspace_id":
			field, pinned = "workspace", true
		case "ext":
			pinned = db.Ext.PinnedBy(json.RawMessage(s.value.(string))) != path
			field = "ext." + path
		}
		if pinned {
			return &projectd.Error{Code: projectd.ECONFLICT, Field: field, Message: fmt.Sprintf("project %d is pinned by ext.%s: its %s cannot change", p.ID, path, field)}
		}
	}
	return nil
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
		if path := db.Ext.PinnedBy(p.Ext); path != "" {
			return &projectd.Error{Code: projectd.ECONFLICT, Field: "ext." + path, Message: fmt.Sprintf("project %d is pinned by ext.%s and cannot be deleted", p.ID, path)}
		}
		if _, err = tx.exec(ctx, "DELETE FROM projects WHERE id = ?", p.ID); err != nil {
			return err
		}
		c := newChanges()
		c.deleted(db.keyOf(p))
		return db.afterWrite(ctx, tx, c)
	})
}
