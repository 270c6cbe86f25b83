// The credentials of the compatible surfaces: access key pairs for signed requests (their
// secrets sealed with the master key), app keys, and spent signatures.

package sqlstore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"projectd"
)

// CreateAccessKey issues an HMAC signing key pair for a user (by login for the operator,
// else the caller); the secret is sealed at rest with the master key and returned only now.
func (db *DB) CreateAccessKey(ctx context.Context, login string, ttl time.Duration) (*projectd.AccessKey, error) {
	if ttl < 0 {
		return nil, projectd.Invalid("expires_in", "expiry must be in the future")
	}
	now := db.now()
	var u *projectd.User
	scopes := projectd.ScopeRead + "," + projectd.ScopeWrite
	if login == "" {
		a, err := caller(ctx, projectd.ScopeWrite)
		if err != nil {
			return nil, err
		}
		parent, err := db.parent(ctx, a)
		if err != nil {
			return nil, err
		}
		if ttl, err = bound(parent, now, ttl, "expires_in"); err != nil {
			return nil, err
		}
		u, scopes = a.User, strings.Join(parent.Scopes, ",")
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
	var expires sql.NullInt64
	if ttl > 0 {
		expires = sql.NullInt64{Int64: micros(now.Add(ttl)), Valid: true}
	}
	err = db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO access_keys (user_id, access_key, sealed_secret, created_at, scopes, expires_at) VALUES (?, ?, ?, ?, ?, ?)`,
			u.ID, k.AccessKey, sealed, micros(now), scopes, expires)
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
func (db *DB) FindAccessKey(ctx context.Context, accessKey string) (*projectd.Auth, []byte, error) {
	defer db.timed(projectd.OpGet)()
	var sealed []byte
	var disabled bool
	var scopes string
	var expires sql.NullInt64
	row := db.queryRow(ctx, "SELECT k.sealed_secret, k.disabled, k.scopes, k.expires_at, "+prefixed("u.", userColumns)+
		" FROM access_keys k JOIN users u ON u.id = k.user_id WHERE k.access_key = ?", accessKey)
	u, err := scanUser(scanPrefix{row, []any{&sealed, &disabled, &scopes, &expires}})
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil, projectd.Errorf(projectd.EUNAUTHORIZED, "unknown access key")
	case err != nil:
		return nil, nil, err
	case expires.Valid && db.now().UnixMicro() >= expires.Int64:
		return nil, nil, projectd.Errorf(projectd.EUNAUTHORIZED, "access key %s has expired", accessKey)
	case disabled:
		return nil, nil, projectd.Errorf(projectd.EFORBIDDEN, "access key %s is disabled", accessKey)
	}
	secret, err := db.open(sealed, []byte(accessKey))
	if err != nil {
		return nil, nil, fmt.Errorf("sqlstore: open the secret of access key %s: %w", accessKey, err)
	}
	return &projectd.Auth{User: u, Scopes: strings.Split(scopes, ","), ExpiresAt: optTime(expires)}, secret, nil
}

// DisableAccessKey stops an access key from signing requests: any key for the operator
// (a context without a caller), the caller's own otherwise.
func (db *DB) DisableAccessKey(ctx context.Context, accessKey string) error {
	owner, err := db.keyOwner(ctx)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "UPDATE access_keys SET disabled = ? WHERE access_key = ? AND (? = 0 OR user_id = ?)", true, accessKey, owner, owner)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if owner != 0 {
				return projectd.Errorf(projectd.ENOTFOUND, "no access key %s of yours", accessKey)
			}
			return projectd.Invalid("access_key", "no access key %s", accessKey)
		}
		return nil
	})
}

// keyOwner is the user whose keys the context may change: 0 (any) for the operator.
func (db *DB) keyOwner(ctx context.Context) (int64, error) {
	if projectd.AuthFromContext(ctx) == nil {
		return 0, nil
	}
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return 0, err
	}
	return a.User.ID, nil
}

// ListAccessKeys returns the caller's access keys, without their secrets.
func (db *DB) ListAccessKeys(ctx context.Context) ([]*projectd.AccessKeyInfo, error) {
	a, err := caller(ctx, projectd.ScopeRead)
	if err != nil {
		return nil, err
	}
	rows, err := db.query(ctx, "SELECT access_key, scopes, disabled, expires_at, created_at FROM access_keys WHERE user_id = ? ORDER BY id", a.User.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*projectd.AccessKeyInfo{}
	for rows.Next() {
		var k projectd.AccessKeyInfo
		var scopes string
		var expires sql.NullInt64
		var created int64
		if err := rows.Scan(&k.AccessKey, &scopes, &k.Disabled, &expires, &created); err != nil {
			return nil, err
		}
		k.Scopes, k.ExpiresAt, k.CreatedAt = strings.Split(scopes, ","), optTime(expires), fromMicros(created)
		out = append(out, &k)
	}
	return out, rows.Err()
}

// DeleteAccessKey removes one of the caller's access keys.
func (db *DB) DeleteAccessKey(ctx context.Context, accessKey string) error {
	a, err := caller(ctx, projectd.ScopeWrite)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, "DELETE FROM access_keys WHERE access_key = ? AND user_id = ?", accessKey, a.User.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return projectd.Errorf(projectd.ENOTFOUND, "no access key %s of yours", accessKey)
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
