package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"projectd"
)

// CreateAuthCode issues a one-time code for a user: by login for the operator, or for the
// caller.
// For the caller, the code (and the session it opens) carries the caller's token's
// scopes and ends no later than that token.
func (db *DB) CreateAuthCode(ctx context.Context, login string) (string, error) {
	now := db.now()
	var userID int64
	scopes, expires, grantEnd := "read,write", now.Add(projectd.AuthCodeTTL), sql.NullInt64{}
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
		parent, err := db.parent(ctx, a)
		if err != nil {
			return "", err
		}
		userID, scopes = a.User.ID, strings.Join(parent.Scopes, ",")
		if parent.ExpiresAt != nil {
			grantEnd = sql.NullInt64{Int64: micros(*parent.ExpiresAt), Valid: true}
			if parent.ExpiresAt.Before(expires) {
				expires = *parent.ExpiresAt
			}
		}
	}
	code := newSecret("ac_")
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "INSERT INTO auth_codes (hash, user_id, expires_at, scopes, grant_expires_at) VALUES (?, ?, ?, ?, ?)",
			hashSecret(code), userID, micros(expires), scopes, grantEnd)
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
		var scopes string
		var grantEnd sql.NullInt64
		// Spent in the same statement that finds it, so a code works exactly once.
		err := tx.queryRow(ctx, `UPDATE auth_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL AND expires_at > ?
			RETURNING user_id, scopes, grant_expires_at`, micros(now), hashSecret(code), micros(now)).Scan(&userID, &scopes, &grantEnd)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadGrant
		} else if err != nil {
			return err
		}
		end := now.Add(projectd.RefreshTokenTTL)
		if grantEnd.Valid && fromMicros(grantEnd.Int64).Before(end) {
			end = fromMicros(grantEnd.Int64)
		}
		s, err = db.openSession(ctx, tx, userID, now, scopes, end)
		return err
	})
	return s, err
}

// RefreshSession rotates a session: the old access and refresh tokens stop working. The
// new pair keeps the session's scopes and end (refreshing never lengthens a session), and
// a session whose access token was deleted is over.
func (db *DB) RefreshSession(ctx context.Context, refreshToken string) (*projectd.Session, error) {
	var s *projectd.Session
	var oldTokenHash []byte
	err := db.inTx(ctx, func(tx *Tx) error {
		now := db.now()
		var userID, tokenID, end int64
		var scopes string
		err := tx.queryRow(ctx, `DELETE FROM sessions WHERE refresh_hash = ? AND expires_at > ? RETURNING user_id, token_id, expires_at, scopes`,
			hashSecret(refreshToken), micros(now)).Scan(&userID, &tokenID, &end, &scopes)
		if errors.Is(err, sql.ErrNoRows) {
			return errBadGrant
		} else if err != nil {
			return err
		}
		err = tx.queryRow(ctx, "DELETE FROM tokens WHERE id = ? RETURNING hash", tokenID).Scan(&oldTokenHash)
		if errors.Is(err, sql.ErrNoRows) {
			return errRevokedSession // its access token was deleted: the session ended then
		} else if err != nil {
			return err
		}
		s, err = db.openSession(ctx, tx, userID, now, scopes, fromMicros(end))
		return err
	})
	if errors.Is(err, errRevokedSession) {
		// Commit the session's removal, then refuse like any used refresh token.
		err = db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, "DELETE FROM sessions WHERE refresh_hash = ?", hashSecret(refreshToken))
			return err
		})
		if err == nil {
			err = errBadGrant
		}
	}
	if err == nil && oldTokenHash != nil {
		db.tokens.forget(string(oldTokenHash))
	}
	return s, err
}

var errRevokedSession = errors.New("sqlstore: the session's access token was deleted")

// openSession issues an access token and a refresh token for a user, with scopes, the
// session ending at end (the access token lives an hour at most, and not past end).
func (db *DB) openSession(ctx context.Context, tx *Tx, userID int64, now time.Time, scopes string, end time.Time) (*projectd.Session, error) {
	u, err := scanUser(tx.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", userID))
	if err != nil {
		return nil, err
	}
	s := &projectd.Session{AccessToken: newSecret(TokenPrefix), RefreshToken: newSecret("rt_"), User: u}
	var tokenID int64
	access := now.Add(projectd.AccessTokenTTL)
	if end.Before(access) {
		access = end
	}
	err = tx.queryRow(ctx, `INSERT INTO tokens (user_id, name, hash, scopes, expires_at, created_at)
		VALUES (?, 'session', ?, ?, ?, ?) RETURNING id`,
		userID, hashSecret(s.AccessToken), scopes, micros(access), micros(now)).Scan(&tokenID)
	if err != nil {
		return nil, err
	}
	_, err = tx.exec(ctx, "INSERT INTO sessions (refresh_hash, user_id, token_id, expires_at, created_at, scopes) VALUES (?, ?, ?, ?, ?, ?)",
		hashSecret(s.RefreshToken), userID, tokenID, micros(end), micros(now), scopes)
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

// ListSessions returns the caller's open sessions.
func (db *DB) ListSessions(ctx context.Context) ([]*projectd.SessionInfo, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, "SELECT token_id, scopes, expires_at, created_at FROM sessions WHERE user_id = ? AND expires_at > ? ORDER BY created_at",
		a.User.ID, micros(db.now()))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*projectd.SessionInfo{}
	for rows.Next() {
		var s projectd.SessionInfo
		var scopes string
		var expires, created int64
		if err := rows.Scan(&s.ID, &scopes, &expires, &created); err != nil {
			return nil, err
		}
		s.Scopes, s.ExpiresAt, s.CreatedAt = strings.Split(scopes, ","), fromMicros(expires), fromMicros(created)
		out = append(out, &s)
	}
	return out, rows.Err()
}

// DeleteSession ends one of the caller's sessions: its refresh token and its access token
// stop working.
func (db *DB) DeleteSession(ctx context.Context, id int64) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	var hash []byte
	err = db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM sessions WHERE token_id = ? AND user_id = ?", id, a.User.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return projectd.Errorf(projectd.ENOTFOUND, "no session %d of yours", id)
		}
		err = tx.queryRow(ctx, "DELETE FROM tokens WHERE id = ? RETURNING hash", id).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err == nil && hash != nil {
		db.tokens.forget(string(hash))
	}
	return err
}
