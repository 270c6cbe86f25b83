package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"projectd"
)

// CreateAuthCode issues a one-time code for a user: by login for the operator, or for the
// caller.
func (db *DB) CreateAuthCode(ctx context.Context, login string) (string, error) {
	var userID int64
	if login != "" {
		u, err := db.namedUser(ctx, login)
		if err != nil {
			return "", err
		}
		userID = u.ID
	} else {
		a, err := caller(ctx, projectd.ScopeWrite)
		if err != nil {
			return "", err
		}
		userID = a.User.ID
	}
	code := newSecret("ac_")
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "INSERT INTO auth_codes (hash, user_id, expires_at) VALUES (?, ?, ?)",
			hashSecret(code), userID, micros(db.now().Add(projectd.AuthCodeTTL)))
		return err
	})
	return code, err
}

var errBadGrant = projectd.Errorf(projectd.EUNAUTHORIZED, "invalid, used or expired code or token")

// ExchangeAuthCode spends a code and opens a session for its user.
func (db *DB) ExchangeAuthCode(ctx context.Context, code string) (*projectd.Session, error) {
	var s *projectd.Session
	err := db.inTx(ctx, func(tx *Tx) error {
		now := db.now()
		var userID int64
		// Spent in the same statement that finds it, so a code works exactly once.
		err := tx.queryRow(ctx, `UPDATE auth_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING user_id`, micros(now), hashSecret(code), micros(now)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadGrant
		} else if err != nil {
			return err
		}
		s, err = db.openSession(ctx, tx, userID, now)
		return err
	})
	return s, err
}

// RefreshSession rotates a session: the old access and refresh tokens stop working.
func (db *DB) RefreshSession(ctx context.Context, refreshToken string) (*projectd.Session, error) {
	var s *projectd.Session
	var oldTokenHash []byte
	err := db.inTx(ctx, func(tx *Tx) error {
		now := db.now()
		var userID, tokenID int64
		err := tx.queryRow(ctx, `DELETE FROM sessions WHERE refresh_hash = ? AND expires_at > ? RETURNING user_id, token_id`,
			hashSecret(refreshToken), micros(now)).Scan(&userID, &tokenID)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadGrant
		} else if err != nil {
			return err
		}
		err = tx.queryRow(ctx, "DELETE FROM tokens WHERE id = ? RETURNING hash", tokenID).Scan(&oldTokenHash)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		s, err = db.openSession(ctx, tx, userID, now)
		return err
	})
	if err == nil && oldTokenHash != nil {
		db.tokens.forget(string(oldTokenHash))
	}
	return s, err
}

// openSession issues an access token and a refresh token for a user.
func (db *DB) openSession(ctx context.Context, tx *Tx, userID int64, now time.Time) (*projectd.Session, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", userID))
	if err != nil {
		return nil, err
	}
	s := &projectd.Session{AccessToken: newSecret(TokenPrefix), RefreshToken: newSecret("rt_"), User: u}
	var tokenID int64
	err = tx.queryRow(ctx, `INSERT INTO tokens (user_id, name, hash, scopes, expires_at, created_at)
		VALUES (?, 'session', ?, 'read,write', ?, ?) RETURNING id`,
		userID, hashSecret(s.AccessToken), micros(now.Add(projectd.AccessTokenTTL)), micros(now)).Scan(&tokenID)
	if err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, "INSERT INTO sessions (refresh_hash, user_id, token_id, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
		hashSecret(s.RefreshToken), userID, tokenID, micros(now.Add(projectd.RefreshTokenTTL)), micros(now))
	return s, err
}

// CheckAppKey reports whether key is a registered app key.
func (db *DB) CheckAppKey(ctx context.Context, key string) error {
	var one int
	err := db.queryRow(ctx, "SELECT 1 FROM app_keys WHERE hash = ?", hashSecret(key)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return projectd.Errorf(projectd.EUNAUTHORIZED, "unknown Api-Key")
	}
	return err
}
