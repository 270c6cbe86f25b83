// Export's user stream and the imports of users, workspaces and projects, ids and times
// kept.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"projectd"
)

// ListUsers calls fn for every user, by id.
func (db *DB) ListUsers(ctx context.Context, fn func(*projectd.User) error) error {
	rows, err := db.query(ctx, "SELECT "+userColumns+" FROM users ORDER BY id")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// ImportUsers inserts users, keeping their ids when set.
func (db *DB) ImportUsers(ctx context.Context, users []*projectd.User) error {
	if len(users) == 0 {
		return nil
	}
	return db.inBulkTx(ctx, func(tx *Tx) error {
		for _, u := range users {
			if u.Role == "" {
				u.Role = projectd.RoleMember
			}
			if err := u.Validate(); err != nil {
				return fmt.Errorf("user %s: %w", u.Login, err)
			}
			if u.UID == "" {
				u.UID = uuid.Must(uuid.NewV7()).String()
			}
			if u.CreatedAt.IsZero() {
				u.CreatedAt = db.now()
			}
			cols, marks := "uid, login, email, first_name, last_name, avatar_url, role, created_at", "?, ?, ?, ?, ?, ?, ?, ?"
			args := []any{u.UID, u.Login, u.Email, u.FirstName, u.LastName, u.AvatarURL, u.Role, micros(u.CreatedAt)}
			if u.ID != 0 {
				cols, marks, args = "id, "+cols, "?, "+marks, append([]any{u.ID}, args...)
			}
			if err := tx.queryRow(ctx, "INSERT INTO users ("+cols+") VALUES ("+marks+") RETURNING id", args...).Scan(&u.ID); err != nil {
				if isUniqueViolation(err) {
					return &projectd.Error{Code: projectd.ECONFLICT, Field: "login", Message: "user " + u.Login + " exists"}
				}
				return err
			}
		}
		return db.engine.syncIdentity(ctx, tx, "users")
	})
}

// ImportWorkspaces inserts workspaces with their members (by login). CreatedBy and
// UpdatedBy are taken by login; unset, they are the first owner.
func (db *DB) ImportWorkspaces(ctx context.Context, workspaces []*projectd.Workspace) error {
	if len(workspaces) == 0 {
		return nil
	}
	return db.inBulkTx(ctx, func(tx *Tx) error {
		users := loginCache{}
		for _, ws := range workspaces {
			if err := projectd.ValidateWorkspaceName(ws.Name); err != nil {
				return fmt.Errorf("workspace %s: %w", ws.Name, err)
			}
			if len(ws.Members) == 0 {
				return fmt.Errorf("workspace %s: no members", ws.Name)
			}
			now := db.now()
			if ws.CreatedAt.IsZero() {
				ws.CreatedAt = now
			}
			if ws.UpdatedAt.IsZero() {
				ws.UpdatedAt = ws.CreatedAt
			}
			creator, updater := ws.Members[0].Login, ws.Members[0].Login
			if ws.CreatedBy != nil {
				creator = ws.CreatedBy.Login
			}
			if ws.UpdatedBy != nil {
				updater = ws.UpdatedBy.Login
			}
			createdBy, err := users.id(ctx, tx, creator)
			if err != nil {
				return err
			}
			updatedBy, err := users.id(ctx, tx, updater)
			if err != nil {
				return err
			}
			cols, marks := "name, created_at, created_by, updated_at, updated_by", "?, ?, ?, ?, ?"
			args := []any{ws.Name, micros(ws.CreatedAt), createdBy, micros(ws.UpdatedAt), updatedBy}
			if ws.ID != 0 {
				cols, marks, args = "id, "+cols, "?, "+marks, append([]any{ws.ID}, args...)
			}
			if err := tx.queryRow(ctx, "INSERT INTO workspaces ("+cols+") VALUES ("+marks+") RETURNING id", args...).Scan(&ws.ID); err != nil {
				if isUniqueViolation(err) {
					return &projectd.Error{Code: projectd.ECONFLICT, Field: "name", Message: "workspace " + ws.Name + " exists"}
				}
				return err
			}
			for _, m := range ws.Members {
				if err := projectd.ValidateWorkspaceRole(m.Role); err != nil {
					return fmt.Errorf("workspace %s member %s: %w", ws.Name, m.Login, err)
				}
				if err := setMember(ctx, tx, ws.ID, m.Login, m.Role); err != nil {
					return err
				}
			}
		}
		return db.engine.syncIdentity(ctx, tx, "workspaces")
	})
}

// ImportProjects inserts projects in multi-row statements within one transaction. Owner,
// CreatedBy and UpdatedBy are taken by ID when set, else by login; Workspace by name. Ids
// are kept when every project of the call has one.
func (db *DB) ImportProjects(ctx context.Context, projects []*projectd.Project) error {
	if len(projects) == 0 {
		return nil
	}
	rows, err := db.prepareRows(projects)
	if err != nil {
		return err
	}
	return db.inBulkTx(ctx, func(tx *Tx) error {
		l := newLoader(tx)
		if err := l.insert(ctx, rows); err != nil {
			return err
		}
		if err := l.tx.db.afterWrite(ctx, l.tx, l.changes); err != nil {
			return err
		}
		return l.syncProjectIDs(ctx)
	})
}

type loginCache map[string]int64

func (c loginCache) id(ctx context.Context, tx *Tx, login string) (int64, error) {
	if id, ok := c[login]; ok {
		return id, nil
	}
	var id int64
	err := tx.queryRow(ctx, "SELECT id FROM users WHERE login = ?", login).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, projectd.Invalid("login", "no user %s", login)
	} else if err != nil {
		return 0, err
	}
	c[login] = id
	return id, nil
}

type workspaceCache map[string]int64

func (c workspaceCache) id(ctx context.Context, tx *Tx, name string) (int64, error) {
	if id, ok := c[name]; ok {
		return id, nil
	}
	var id int64
	if err := tx.queryRow(ctx, "SELECT id FROM workspaces WHERE name = ?", name).Scan(&id); err != nil {
		return 0, projectd.Invalid("workspace", "no workspace %s", name)
	}
	c[name] = id
	return id, nil
}
