package projectd

import (
	"context"
	"time"
)

// AppKeyInfo is a registered client application as admins list it: never its key.
type AppKeyInfo struct {
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// AdminService is the operator's tasks on users and app keys that admins may do through
// the API too; every method refuses a caller who is not an admin (EFORBIDDEN).
type AdminService interface {
	AllUsers(ctx context.Context) ([]*User, error)
	// AddUser creates u and, unless password is "", sets its password.
	AddUser(ctx context.Context, u *User, password string) error
	// SetRole makes a user an admin or a member; admins cannot change their own role,
	// so that the last admin cannot lock everyone out.
	SetRole(ctx context.Context, login, role string) (*User, error)
	ListAppKeys(ctx context.Context) ([]*AppKeyInfo, error)
	AddAppKey(ctx context.Context, name string) (string, error)
}
