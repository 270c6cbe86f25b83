// Bearer tokens: issued, listed, revoked, and checked with a short-lived cache.

package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"projectd"
)

// TokenPrefix starts every bearer token, so that leaked tokens are easy to recognise.
const TokenPrefix = "pd_"

// newSecret returns prefix followed by 32 random bytes in base64url.
func newSecret(prefix string) string {
	b := make([]byte, 32)
	rand.Read(b)
	return prefix + base64.RawURLEncoding.EncodeToString(b)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// CreateToken issues a bearer token. With a login it is the operator's command (no caller
// needed); without one it is for the caller, who cannot grant scopes it lacks.
func (db *DB) CreateToken(ctx context.Context, login, name string, scopes []string, ttl time.Duration) (*projectd.Token, error) {
	if scopes == nil { // left out; an empty list is refused, not widened
		scopes = []string{projectd.ScopeRead, projectd.ScopeWrite}
	}
	if err := projectd.ValidateScopes(scopes); err != nil {
		return nil, err
	}
	if ttl < 0 {
		return nil, projectd.Invalid("expires_in", "expiry must be in the future")
	}
	if len(name) > 256 {
		return nil, projectd.Invalid("name", "name must be at most 256 characters")
	}
	now := db.now()
	var user *projectd.User
	if login != "" {
		u, err := db.namedUser(ctx, login)
		if err != nil {
			return nil, err
		}
		user = u
	} else {
		a, err := caller(ctx, projectd.ScopeWrite)
		if err != nil {
			return nil, err
		}
		parent, err := db.parent(ctx, a)
		if err != nil {
			return nil, err
		}
		for _, s := range scopes {
			if !parent.Can(s) {
				return nil, projectd.Errorf(projectd.EFORBIDDEN, "cannot grant scope %s that this token lacks", s)
			}
		}
		if ttl, err = bound(parent, now, ttl, "expires_in"); err != nil {
			return nil, err
		}
		user = a.User
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	t := &projectd.Token{Name: name, Scopes: scopes, CreatedAt: now, Secret: newSecret(TokenPrefix)}
	var expires sql.NullInt64
	if ttl > 0 {
		e := t.CreatedAt.Add(ttl)
		t.ExpiresAt = &e
		expires = sql.NullInt64{Int64: micros(e), Valid: true}
	}
	err := db.inTx(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `INSERT INTO tokens (user_id, name, hash, scopes, expires_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			user.ID, name, hashSecret(t.Secret), strings.Join(scopes, ","), expires, micros(t.CreatedAt)).Scan(&t.ID)
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// parent re-reads the caller's token in the store, not in the cache, so that a token
// revoked on another replica (or expired) mints nothing; a caller authenticated otherwise
// (an operator's context) is taken as it is.
func (db *DB) parent(ctx context.Context, a *projectd.Auth) (*projectd.Auth, error) {
	if a.TokenID == 0 {
		return a, nil
	}
	var scopes string
	var expires sql.NullInt64
	err := db.queryRow(ctx, "SELECT scopes, expires_at FROM tokens WHERE id = ? AND user_id = ?", a.TokenID, a.User.ID).Scan(&scopes, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires.Valid && db.now().UnixMicro() >= expires.Int64) {
		db.tokens.forgetToken(a.TokenID)
		return nil, projectd.Errorf(projectd.EUNAUTHORIZED, "the token that asks has been revoked or has expired")
	} else if err != nil {
		return nil, err
	}
	return &projectd.Auth{User: a.User, Scopes: strings.Split(scopes, ","), TokenID: a.TokenID, ExpiresAt: optTime(expires)}, nil
}

// bound is how long a credential that parent mints may live: ttl, or the parent's own
// remaining life when ttl is 0; a ttl past the parent's expiry is refused, naming field.
func bound(p *projectd.Auth, now time.Time, ttl time.Duration, field string) (time.Duration, error) {
	if p.ExpiresAt == nil {
		return ttl, nil
	}
	left := p.ExpiresAt.Sub(now)
	if ttl == 0 {
		return left, nil
	}
	if ttl > left {
		return 0, projectd.Invalid(field, "%s must not outlast the credential that asks, which expires in %s", field, left.Round(time.Second))
	}
	return ttl, nil
}

// ListTokens returns the caller's tokens, without secrets.
func (db *DB) ListTokens(ctx context.Context) ([]*projectd.Token, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, `SELECT id, name, scopes, expires_at, last_used_at, created_at
		FROM tokens WHERE user_id = ? ORDER BY id`, a.User.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*projectd.Token{}
	for rows.Next() {
		var t projectd.Token
		var scopes string
		var expires, used sql.NullInt64
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &scopes, &expires, &used, &created); err != nil {
			return nil, err
		}
		t.Scopes = strings.Split(scopes, ",")
		t.ExpiresAt, t.LastUsedAt = optTime(expires), optTime(used)
		t.CreatedAt = fromMicros(created)
		out = append(out, &t)
	}
	return out, rows.Err()
}

func optTime(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMicros(n.Int64)
	return &t
}

// DeleteToken revokes one of the caller's tokens. Other replicas stop trusting it once
// their cache entry expires (TokenCacheTTL).
func (db *DB) DeleteToken(ctx context.Context, id int64) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	var hash []byte
	err = db.inTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, "DELETE FROM tokens WHERE id = ? AND user_id = ? RETURNING hash", id, a.User.ID).Scan(&hash)
		if errors.Is(err, sql.ErrNoRows) {
			return projectd.Errorf(projectd.ENOTFOUND, "no token %d", id)
		}
		return err
	})
	if err == nil {
		db.tokens.forget(string(hash))
	}
	return err
}

// Authenticate returns the caller a bearer secret stands for. Verified tokens are cached
// for TokenCacheTTL so that a request does not cost a database round trip.
func (db *DB) Authenticate(ctx context.Context, secret string) (*projectd.Auth, error) {
	denied := projectd.Errorf(projectd.EUNAUTHORIZED, "invalid or expired token")
	if !strings.HasPrefix(secret, TokenPrefix) || len(secret) > 200 {
		return nil, denied
	}
	hash := hashSecret(secret)
	now := db.now()
	if a, ok := db.tokens.get(string(hash), now); ok {
		return a, nil
	}
	endGet := db.timed(projectd.OpGet)
	var stored []byte
	var scopes string
	var expires, used sql.NullInt64
	var tokenID int64
	row := db.queryRow(ctx, `SELECT t.id, t.hash, t.scopes, t.expires_at, t.last_used_at, `+prefixed("u.", userColumns)+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash)
	u, err := scanUser(scanPrefix{row, []any{&tokenID, &stored, &scopes, &expires, &used}})
	endGet()
	if errors.Is(err, sql.ErrNoRows) {
		return nil, denied
	} else if err != nil {
		return nil, err
	}
	// The lookup was by hash; compare again in constant time so no timing depends on it.
	if subtle.ConstantTimeCompare(stored, hash) != 1 || (expires.Valid && now.UnixMicro() >= expires.Int64) {
		return nil, denied
	}
	a := &projectd.Auth{User: u, Scopes: strings.Split(scopes, ","), TokenID: tokenID, ExpiresAt: optTime(expires)}
	until := now.Add(db.TokenCacheTTL)
	if expires.Valid && fromMicros(expires.Int64).Before(until) {
		until = fromMicros(expires.Int64)
	}
	db.tokens.put(string(hash), a, until)
	if !used.Valid || now.Sub(fromMicros(used.Int64)) > time.Minute {
		// Last use is kept to the minute; a failure here must not fail the request.
		_ = db.inTx(ctx, func(tx *Tx) error {
			_, err := tx.exec(ctx, "UPDATE tokens SET last_used_at = ? WHERE id = ?", micros(now), tokenID)
			return err
		})
	}
	return a, nil
}

// scanPrefix scans some leading columns, then the rest into the wrapped destinations.
type scanPrefix struct {
	row  scanner
	lead []any
}

func (s scanPrefix) Scan(dest ...any) error { return s.row.Scan(append(s.lead, dest...)...) }

func prefixed(prefix, columns string) string {
	parts := strings.Split(columns, ", ")
	for i := range parts {
		parts[i] = prefix + parts[i]
	}
	return strings.Join(parts, ", ")
}

type tokenEntry struct {
	auth  *projectd.Auth
	until time.Time
}

type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
	counts  lookups
}

func (c *tokenCache) get(key string, now time.Time) (*projectd.Auth, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		delete(c.entries, key)
		c.counts.count(0, 1)
		return nil, false
	}
	c.counts.count(1, 0)
	return e.auth, true
}

func (c *tokenCache) put(key string, a *projectd.Auth, until time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) > 100_000 { // a bound against floods of distinct valid tokens
		clear(c.entries)
	}
	c.entries[key] = tokenEntry{a, until}
}

// forgetToken drops the entries of a token the store no longer has.
func (c *tokenCache) forgetToken(id int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, e := range c.entries {
		if e.auth.TokenID == id {
			delete(c.entries, key)
		}
	}
}

func (c *tokenCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}
