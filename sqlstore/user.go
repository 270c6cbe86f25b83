package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/google/uuid"

	"projectd"
)

const userColumns = "id, uid, login, email, first_name, last_name, avatar_url, role, created_at"

func scanUser(row scanner) (*projectd.User, error) {
	var u projectd.User
	var created int64
	if err := row.Scan(&u.ID, &u.UID, &u.Login, &u.Email, &u.FirstName, &u.LastName, &u.AvatarURL, &u.Role, &created); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMicros(created)
	return &u, nil
}

// CreateUser adds a user; its ID, UID and CreatedAt are set on return.
func (db *DB) CreateUser(ctx context.Context, u *projectd.User) error {
	if u.Role == "" {
		u.Role = projectd.RoleMember
	}
	if err := u.Validate(); err != nil {
		return err
	}
	u.UID = uuid.Must(uuid.NewV7()).String()
	u.CreatedAt = db.now()
	return db.inTx(ctx, func(tx *Tx) error {
		err := tx.queryRow(ctx, `INSERT INTO users (uid, login, email, first_name, last_name, avatar_url, role, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			u.UID, u.Login, u.Email, u.FirstName, u.LastName, u.AvatarURL, u.Role, micros(u.CreatedAt)).Scan(&u.ID)
		if isUniqueViolation(err) {
			return &projectd.Error{Code: projectd.ECONFLICT, Field: "login", Message: "login " + u.Login + " is taken"}
		}
		return err
	})
}

// FindUserByLogin returns the user with that login.
func (db *DB) FindUserByLogin(ctx context.Context, login string) (*projectd.User, error) {
	return db.findUser(ctx, "login = ?", login)
}

func (db *DB) findUser(ctx context.Context, where string, arg any) (*projectd.User, error) {
	defer db.timed(projectd.OpGet)()
	u, err := scanUser(db.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, projectd.Errorf(projectd.ENOTFOUND, "no such user")
	}
	return u, err
}

// namedUser is the user an operator names by login in a command: an unknown login is
// the caller's mistake (EINVALID on "login"), a store that cannot answer is not.
func (db *DB) namedUser(ctx context.Context, login string) (*projectd.User, error) {
	u, err := db.FindUserByLogin(ctx, login)
	if projectd.ErrorCode(err) == projectd.ENOTFOUND {
		return nil, projectd.Invalid("login", "no user %s", login)
	}
	return u, err
}
