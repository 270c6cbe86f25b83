package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"projectd"
)

// TokenPrefix starts every bearer token, so that leaked tokens are easy to recognise.
const TokenPrefix = "pd_"

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
	if len(scopes) == 0 {
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
		for _, s := range scopes {
			if !a.Can(s) {
				return nil, projectd.Errorf(projectd.EFORBIDDEN, "cannot grant scope %s that this token lacks", s)
			}
		}
		user = a.User
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	t := &projectd.Token{Name: name, Scopes: scopes, CreatedAt: db.now(), Secret: newSecret(TokenPrefix)}
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
	var stored []byte
	var scopes string
	var expires, used sql.NullInt64
	var tokenID int64
	row := db.queryRow(ctx, `SELECT t.id, t.hash, t.scopes, t.expires_at, t.last_used_at, `+prefixed("u.", userColumns)+`
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, hash)
	u, err := scanUser(scanPrefix{row, []any{&tokenID, &stored, &scopes, &expires, &used}})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, denied
	} else if err != nil {
		return nil, err
	}
	// The lookup was by hash; compare again in constant time so no timing depends on it.
	if subtle.ConstantTimeCompare(stored, hash) != 1 || (expires.Valid && now.UnixMicro() >= expires.Int64) {
		return nil, denied
	}
	a := &projectd.Auth{User: u, Scopes: strings.Split(scopes, ",")}
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
}

func (c *tokenCache) get(key string, now time.Time) (*projectd.Auth, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !now.Before(e.until) {
		delete(c.entries, key)
		return nil, false
	}
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

func (c *tokenCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// CreateAccessKey issues an HMAC signing key pair for a user (by login for the operator,
// else the caller); the secret is sealed at rest with the master key and returned only now.
func (db *DB) CreateAccessKey(ctx context.Context, login string) (*projectd.AccessKey, error) {
	var u *projectd.User
	if login == "" {
		a, err := caller(ctx, projectd.ScopeWrite)
		if err != nil {
			return nil, err
		}
		u = a.User
	} else {
		found, err := db.namedUser(ctx, login)
		if err != nil {
			return nil, err
		}
		u = found
	}
	id := make([]byte, 10)
	rand.Read(id)
	k := &projectd.AccessKey{AccessKey: strings.ToUpper(hex.EncodeToString(id)), SecretKey: newSecret("")}
	sealed, err := db.seal([]byte(k.SecretKey), []byte(k.AccessKey))
	if err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO access_keys (user_id, access_key, sealed_secret, created_at) VALUES (?, ?, ?, ?)`,
			u.ID, k.AccessKey, sealed, micros(db.now()))
		return err
	})
	if err != nil {
		return nil, err
	}
	return k, nil
}

// CreateAppKey registers a client application; the key is returned only now.
func (db *DB) CreateAppKey(ctx context.Context, name string) (string, error) {
	if err := projectd.ValidateName("name", name); err != nil {
		return "", err
	}
	key := newSecret("ak_")
	err := db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "INSERT INTO app_keys (name, hash, created_at) VALUES (?, ?, ?)", name, hashSecret(key), micros(db.now()))
		if isUniqueViolation(err) {
			return &projectd.Error{Code: projectd.ECONFLICT, Field: "name", Message: "app key " + name + " exists"}
		}
		return err
	})
	return key, err
}

// seal encrypts plaintext with AES-256-GCM under the master key, bound to aad.
func (db *DB) seal(plaintext, aad []byte) ([]byte, error) {
	gcm, err := db.gcm()
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plaintext, aad), nil
}

// open decrypts what seal produced.
func (db *DB) open(sealed, aad []byte) ([]byte, error) {
	gcm, err := db.gcm()
	if err != nil {
		return nil, err
	}
	if len(sealed) < gcm.NonceSize() {
		return nil, fmt.Errorf("sqlstore: sealed secret too short")
	}
	return gcm.Open(nil, sealed[:gcm.NonceSize()], sealed[gcm.NonceSize():], aad)
}

func (db *DB) gcm() (cipher.AEAD, error) {
	if len(db.MasterKey) != 32 {
		return nil, fmt.Errorf("sqlstore: a 32-byte master key is required to seal secrets")
	}
	block, err := aes.NewCipher(db.MasterKey)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// FindAccessKey returns the user an access key signs for and its secret, opened with the
// master key. An unknown key is EUNAUTHORIZED, a disabled one EFORBIDDEN.
func (db *DB) FindAccessKey(ctx context.Context, accessKey string) (*projectd.User, []byte, error) {
	var sealed []byte
	var disabled bool
	row := db.queryRow(ctx, "SELECT k.sealed_secret, k.disabled, "+prefixed("u.", userColumns)+
		" FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?", accessKey)
	u, err := scanUser(scanPrefix{row, []any{&sealed, &disabled}})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil, projectd.Errorf(projectd.EUNAUTHORIZED, "unknown access key")
	case err != nil:
		return nil, nil, err
	case disabled:
		return nil, nil, projectd.Errorf(projectd.EFORBIDDEN, "access key %s is disabled", accessKey)
	}
	secret, err := db.open(sealed, []byte(accessKey))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: open the secret of access key %s: %w", accessKey, err)
	}
	return u, secret, nil
}

// DisableAccessKey stops an access key from signing requests.
func (db *DB) DisableAccessKey(ctx context.Context, accessKey string) error {
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE access_keys SET disabled = ? WHERE access_key = ?", true, accessKey)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return projectd.Invalid("access_key", "no access key %s", accessKey)
		}
		return nil
	})
}

// SpendSignature records a request signature until it can no longer be replayed; using
// it again before then is ECONFLICT. Expired records are swept as new ones come in.
func (db *DB) SpendSignature(ctx context.Context, signature string, until time.Time) error {
	now := db.now()
	return db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, "INSERT INTO spent_signatures (hash, expires_at) VALUES (?, ?)", hashSecret(signature), micros(until))
		if isUniqueViolation(err) {
			return projectd.Errorf(projectd.ECONFLICT, "this signature was used already")
		} else if err != nil {
			return err
		}
		_, err = tx.exec(ctx, "DELETE FROM spent_signatures WHERE expires_at < ?", micros(now))
		return err
	})
}
