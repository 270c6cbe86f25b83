// Passwords: bcrypt hashes in users.password_hash, checked in constant work whether or
// not the login exists.

package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"golang.org/x/crypto/bcrypt"

	"projectd"
)

// PasswordCost is bcrypt's work factor for new hashes: 10 is about 50 ms a check on
// this machine's cores. Tests lower it (internal/testserver), where the race detector
// makes one hash take seconds.
var PasswordCost = bcrypt.DefaultCost

// unknownLoginHash is compared against when a login has no password, so that a sign-in
// takes the same time whether or not the login exists; made on first need, not at start.
var unknownLoginHash = sync.OnceValue(func() []byte {
	hash, _ := bcrypt.GenerateFromPassword([]byte("no such user"), PasswordCost)
	return hash
})

// SetPassword sets login's password.
func (db *DB) SetPassword(ctx context.Context, login, password string) error {
	if err := projectd.ValidatePassword("password", password); err != nil {
		return err
	}
	u, err := db.namedUser(ctx, login)
	if err != nil {
		return err
	}
	return db.storePassword(ctx, u.ID, password)
}

// ChangePassword changes the caller's password after checking current against the one it
// has (if any).
func (db *DB) ChangePassword(ctx context.Context, current, password string) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	if err := projectd.ValidatePassword("password", password); err != nil {
		return err
	}
	hash, err := db.passwordHash(ctx, a.User.ID)
	if err != nil {
		return err
	}
	if hash != nil && bcrypt.CompareHashAndPassword(hash, []byte(current)) != nil {
		return &projectd.Error{Code: projectd.EFORBIDDEN, Field: "current_password", Message: "current_password is not your password"}
	}
	return db.storePassword(ctx, a.User.ID, password)
}

// CheckPassword returns the user of login if password is theirs: one read of the user
// and its hash.
func (db *DB) CheckPassword(ctx context.Context, login, password string) (*projectd.User, error) {
	var hash sql.NullString
	u, err := scanUser(scanPrefix{db.queryRow(ctx, "SELECT password_hash, "+userColumns+" FROM users WHERE login = ?", login), []any{&hash}})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if !hash.Valid {
		bcrypt.CompareHashAndPassword(unknownLoginHash(), []byte(password))
		return nil, projectd.Errorf(projectd.EUNAUTHORIZED, "wrong login or password")
	}
	if bcrypt.CompareHashAndPassword([]byte(hash.String), []byte(password)) != nil {
		return nil, projectd.Errorf(projectd.EUNAUTHORIZED, "wrong login or password")
	}
	return u, nil
}

func (db *DB) passwordHash(ctx context.Context, userID int64) ([]byte, error) {
	var hash sql.NullString
	err := db.queryRow(ctx, "SELECT password_hash FROM users WHERE id = ?", userID).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !hash.Valid) {
		return nil, nil
	}
	return []byte(hash.String), err
}

func (db *DB) storePassword(ctx context.Context, userID int64, password string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(password), PasswordCost)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "UPDATE users SET password_hash = ? WHERE id = ?", string(hash), userID)
		return err
	})
}
