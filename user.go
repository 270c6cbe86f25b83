package projectd

import (
	"context"
	"net/mail"
	"regexp"
	"time"
	"unicode/utf8"
)

// User roles.
const (
	RoleAdmin  = "admin"
	RoleMember = "member"
)

var loginPattern = regexp.MustCompile(`^[a-z0-9._-]{1,64}$`)

// User is a person or robot that calls projectd.
type User struct {
	ID        int64     `json:"id"`
	UID       string    `json:"uid"`
	Login     string    `json:"login"`
	Email     string    `json:"email"`
	FirstName string    `json:"first_name"`
	LastName  string    `json:"last_name"`
	AvatarURL string    `json:"avatar_url"`
	Role      string    `json:"role"`
	CreatedAt time.Time `json:"created_at"`
}

// IsAdmin reports whether u may see and manage everything.
func (u *User) IsAdmin() bool { return u != nil && u.Role == RoleAdmin }

// Validate checks the fields a caller sets.
func (u *User) Validate() error {
	if !loginPattern.MatchString(u.Login) {
		return Invalid("login", "login must match [a-z0-9._-]{1,64}")
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
		return Invalid("email", "email must be a plain address such as ann@example.com")
	}
	for field, v := range map[string]string{"first_name": u.FirstName, "last_name": u.LastName, "avatar_url": u.AvatarURL} {
		if CheckText(field, v) != nil || utf8.RuneCountInString(v) > 256 {
			return Invalid(field, "%s must be valid UTF-8 without NUL, at most 256 characters", field)
		}
	}
	if u.Role != RoleAdmin && u.Role != RoleMember {
		return Invalid("role", "role must be admin or member")
	}
	return nil
}

// UserService manages users. Creating users is an operator's task (the CLI), not an API call.
type UserService interface {
	CreateUser(ctx context.Context, u *User) error
	FindUserByLogin(ctx context.Context, login string) (*User, error)
}

// Password bounds: bcrypt reads at most 72 bytes, and a password shorter than 8 is a
// guess away.
const (
	MinPasswordLength = 8
	MaxPasswordLength = 72
)

// ValidatePassword checks a new password: 8 to 72 bytes of UTF-8 without NUL.
func ValidatePassword(field, password string) error {
	if len(password) < MinPasswordLength || len(password) > MaxPasswordLength || CheckText(field, password) != nil {
		return Invalid(field, "%s must be %d to %d bytes of UTF-8 without NUL", field, MinPasswordLength, MaxPasswordLength)
	}
	return nil
}

// PasswordService keeps users' passwords, for signing in to the console.
type PasswordService interface {
	// SetPassword sets a user's password: an operator's task (the CLI).
	SetPassword(ctx context.Context, login, password string) error
	// ChangePassword changes the caller's own password; current must match the one it
	// has, if it has one.
	ChangePassword(ctx context.Context, current, password string) error
	// CheckPassword returns the user whose login and password these are, EUNAUTHORIZED
	// for any other pair (an unknown login, no password set, a wrong password alike).
	CheckPassword(ctx context.Context, login, password string) (*User, error)
}
