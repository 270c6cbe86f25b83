package projectd

import (
	"context"
	"slices"
	"time"
)

// Token scopes.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Auth is an authenticated caller: the user and what the credential allows.
type Auth struct {
	User   *User
	Scopes []string
	// TokenID is the bearer token the caller authenticated with (0 for other
	// credentials), and ExpiresAt when that credential expires (nil: never). Credentials
	// the caller mints are bounded by them.
	TokenID   int64
	ExpiresAt *time.Time
}

// Can reports whether the credential carries scope.
func (a *Auth) Can(scope string) bool { return a != nil && slices.Contains(a.Scopes, scope) }

type authKey struct{}

// NewContextWithAuth returns ctx carrying the caller.
func NewContextWithAuth(ctx context.Context, a *Auth) context.Context {
	return context.WithValue(ctx, authKey{}, a)
}

// AuthFromContext returns the caller, or nil for an anonymous context.
func AuthFromContext(ctx context.Context) *Auth {
	a, _ := ctx.Value(authKey{}).(*Auth)
	return a
}

// UserFromContext returns the calling user, or nil.
func UserFromContext(ctx context.Context) *User {
	if a := AuthFromContext(ctx); a != nil {
		return a.User
	}
	return nil
}

// Token is a bearer credential. Only its SHA-256 is stored; Secret is set once, on creation.
type Token struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Scopes     []string   `json:"scopes"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	CreatedAt  time.Time  `json:"created_at"`
	Secret     string     `json:"token,omitempty"`
}

// ValidateScopes checks that scopes is a non-empty list of known scopes.
func ValidateScopes(scopes []string) error {
	if len(scopes) == 0 {
		return Invalid("scopes", "scopes must name at least one of read, write")
	}
	for _, s := range scopes {
		if s != ScopeRead && s != ScopeWrite {
			return Invalid("scopes", "unknown scope %q: use read or write", s)
		}
	}
	return nil
}

// TokenService issues, lists and checks bearer tokens.
type TokenService interface {
	// CreateToken issues a token for the user with the given login (the CLI) or, with an
	// empty login, for the caller; a caller cannot grant scopes it does not hold. nil
	// scopes are read and write; an empty list is refused.
	CreateToken(ctx context.Context, login, name string, scopes []string, ttl time.Duration) (*Token, error)
	ListTokens(ctx context.Context) ([]*Token, error)
	DeleteToken(ctx context.Context, id int64) error
	// Authenticate returns the caller a bearer secret stands for, or EUNAUTHORIZED.
	Authenticate(ctx context.Context, secret string) (*Auth, error)
}

// AccessKey is a key pair for HMAC request signing. SecretKey is set once, on creation; at
// rest the secret is sealed with the server's master key.
type AccessKey struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
}

// AccessKeyInfo is an access key as its user lists it: never its secret.
type AccessKeyInfo struct {
	AccessKey string     `json:"access_key"`
	Scopes    []string   `json:"scopes"`
	Disabled  bool       `json:"disabled"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// SessionInfo is an open session as its user lists it; ID is its access token's id.
type SessionInfo struct {
	ID        int64     `json:"id"`
	Scopes    []string  `json:"scopes"`
	ExpiresAt time.Time `json:"expires_at"`
	CreatedAt time.Time `json:"created_at"`
}

// CredentialService issues the credentials of the compatible surfaces and checks signed
// requests.
type CredentialService interface {
	// CreateAccessKey issues a signing key pair for the user with the given login (the
	// CLI) or, with an empty login, for the caller.
	// For the caller, the key carries the caller's token's scopes and expires no later
	// than it; ttl (0: no expiry of its own) bounds it further.
	CreateAccessKey(ctx context.Context, login string, ttl time.Duration) (*AccessKey, error)
	// FindAccessKey returns what a key signs for (its user, scopes and expiry) and its
	// secret: EUNAUTHORIZED for an unknown or expired key, EFORBIDDEN for a disabled one.
	FindAccessKey(ctx context.Context, accessKey string) (*Auth, []byte, error)
	// DisableAccessKey stops a key from signing: any key for the operator (an empty
	// context), the caller's own otherwise.
	DisableAccessKey(ctx context.Context, accessKey string) error
	// ListAccessKeys and DeleteAccessKey are the caller's own keys.
	ListAccessKeys(ctx context.Context) ([]*AccessKeyInfo, error)
	DeleteAccessKey(ctx context.Context, accessKey string) error
	// SpendSignature records a signature as used until the given time; a signature used
	// already is ECONFLICT (a replay), across restarts and replicas.
	SpendSignature(ctx context.Context, signature string, until time.Time) error
	// CreateAppKey registers a client application and returns its key, shown once.
	CreateAppKey(ctx context.Context, name string) (string, error)
}

// Session is a pair of credentials obtained by exchanging a one-time auth code: a
// short-lived access token (a bearer token) and a refresh token that renews both.
type Session struct {
	AccessToken  string
	RefreshToken string
	User         *User
}

// Lifetimes of the session credentials.
const (
	AuthCodeTTL     = 10 * time.Minute
	AccessTokenTTL  = time.Hour
	RefreshTokenTTL = 30 * 24 * time.Hour
)

// SessionService issues one-time auth codes and the sessions they are exchanged for.
type SessionService interface {
	// CreateAuthCode issues a code for the user with the given login (the CLI) or, with
	// an empty login, for the caller. It works once, within AuthCodeTTL.
	CreateAuthCode(ctx context.Context, login string) (string, error)
	// ExchangeAuthCode spends a code; an unknown, used or expired one is EUNAUTHORIZED.
	ExchangeAuthCode(ctx context.Context, code string) (*Session, error)
	// RefreshSession replaces a session by a new one, revoking both old credentials.
	RefreshSession(ctx context.Context, refreshToken string) (*Session, error)
	// CheckAppKey reports whether key is a registered app key (EUNAUTHORIZED if not).
	CheckAppKey(ctx context.Context, key string) error
	// ListSessions and DeleteSession are the caller's open sessions; deleting one revokes
	// its access and refresh tokens.
	ListSessions(ctx context.Context) ([]*SessionInfo, error)
	DeleteSession(ctx context.Context, id int64) error
}
