package sqlstore

import (
	"context"

	"projectd"
)

// admin returns the caller if it is an admin whose credential has scope.
func admin(ctx context.Context, scope string) (*projectd.Auth, error) {
	a, err := caller(ctx, scope)
	if err != nil {
		return nil, err
	}
	if !a.User.IsAdmin() {
		return nil, projectd.Errorf(projectd.EFORBIDDEN, "only admins manage users and app keys")
	}
	return a, nil
}

// AllUsers returns every user, oldest first.
func (db *DB) AllUsers(ctx context.Context) ([]*projectd.User, error) {
	if _, err := admin(ctx, projectd.ScopeRead); err != nil {
		return nil, err
	}
	out := []*projectd.User{}
	err := db.ListUsers(ctx, func(u *projectd.User) error { out = append(out, u); return nil })
	return out, err
}

// AddUser creates a user for an admin, with a password unless password is "".
func (db *DB) AddUser(ctx context.Context, u *projectd.User, password string) error {
	if _, err := admin(ctx, projectd.ScopeWrite); err != nil {
		return err
	}
	if password != "" {
		if err := projectd.ValidatePassword("password", password); err != nil {
			return err
		}
	}
	if err := db.CreateUser(ctx, u); err != nil || password == "" {
		return err
	}
	return db.storePassword(ctx, u.ID, password)
}

// SetRole changes another user's role; credentials already checked keep the old role
// for up to TokenCacheTTL (a second), on each replica.
func (db *DB) SetRole(ctx context.Context, login, role string) (*projectd.User, error) {
	a, err := admin(ctx, projectd.ScopeWrite)
	if err != nil {
		return nil, err
	}
	if role != projectd.RoleAdmin && role != projectd.RoleMember {
		return nil, projectd.Invalid("role", "role must be admin or member")
	}
	if login == a.User.Login {
		return nil, projectd.Invalid("role", "admins cannot change their own role")
	}
	u, err := db.FindUserByLogin(ctx, login)
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE users SET role = ? WHERE id = ?", role, u.ID)
		return err
	})
	u.Role = role
	return u, err
}

// ListAppKeys returns the registered client applications by name.
func (db *DB) ListAppKeys(ctx context.Context) ([]*projectd.AppKeyInfo, error) {
	if _, err := admin(ctx, projectd.ScopeRead); err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, "SELECT name, created_at FROM app_keys ORDER BY name")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*projectd.AppKeyInfo{}
	for rows.Next() {
		var k projectd.AppKeyInfo
		var created int64
		if err := rows.Scan(&k.Name, &created); err != nil {
			return nil, err
		}
		k.CreatedAt = fromMicros(created)
		out = append(out, &k)
	}
	return out, rows.Err()
}

// AddAppKey registers a client application for an admin; the key is returned only now.
func (db *DB) AddAppKey(ctx context.Context, name string) (string, error) {
	if _, err := admin(ctx, projectd.ScopeWrite); err != nil {
		return "", err
	}
	return db.CreateAppKey(ctx, name)
}
