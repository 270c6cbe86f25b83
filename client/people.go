package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"projectd"
)

// Me is the caller and what its token may do.
type Me struct {
	User   projectd.User `json:"user"`
	Scopes []string      `json:"scopes"`
}

// Me returns the caller.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var me Me
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/me"}, &me)
	return &me, err
}

// ChangePassword changes the caller's console password; current is the one it has ("" if
// none).
func (c *Client) ChangePassword(ctx context.Context, current, password string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: "/api/me/password",
		body: map[string]string{"current_password": current, "password": password}}, nil)
	return err
}

// Workspaces returns the workspaces the caller belongs to (every one, for admins).
func (c *Client) Workspaces(ctx context.Context) ([]projectd.Workspace, error) {
	var out struct{ Items []projectd.Workspace }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/workspaces"}, &out)
	return out.Items, err
}

// Workspace returns one workspace with its members.
func (c *Client) Workspace(ctx context.Context, name string) (*projectd.Workspace, error) {
	var ws projectd.Workspace
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/workspaces/" + url.PathEscape(name)}, &ws)
	return &ws, err
}

// CreateWorkspace creates a workspace; the caller is its owner, with members besides.
func (c *Client) CreateWorkspace(ctx context.Context, name string, members []projectd.WorkspaceMember) (*projectd.Workspace, error) {
	var ws projectd.Workspace
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/workspaces", body: map[string]any{"name": name, "members": members}}, &ws)
	return &ws, err
}

func memberPath(workspace, login string) string {
	return "/api/workspaces/" + url.PathEscape(workspace) + "/members/" + url.PathEscape(login)
}

// Member returns one membership of a workspace.
func (c *Client) Member(ctx context.Context, workspace, login string) (*projectd.WorkspaceMember, error) {
	var m projectd.WorkspaceMember
	_, err := c.do(ctx, request{method: http.MethodGet, path: memberPath(workspace, login)}, &m)
	return &m, err
}

// SetMember adds a member to a workspace or changes their role (owner or member).
func (c *Client) SetMember(ctx context.Context, workspace, login, role string) error {
	_, err := c.do(ctx, request{method: http.MethodPut, path: memberPath(workspace, login), body: map[string]string{"role": role}}, nil)
	return err
}

// RemoveMember removes a member from a workspace.
func (c *Client) RemoveMember(ctx context.Context, workspace, login string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: memberPath(workspace, login)}, nil)
	return err
}

// CreateToken issues a token for the caller: scopes nil for the caller's own, expiresIn a
// duration such as "720h" ("" for as long as the caller's credential). Its Secret is
// set only here.
func (c *Client) CreateToken(ctx context.Context, name string, scopes []string, expiresIn string) (*projectd.Token, error) {
	body := map[string]any{"name": name, "expires_in": expiresIn}
	if scopes != nil {
		body["scopes"] = scopes
	}
	var t projectd.Token
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/tokens", body: body}, &t)
	return &t, err
}

// Tokens returns the caller's tokens, without secrets.
func (c *Client) Tokens(ctx context.Context) ([]projectd.Token, error) {
	var out struct{ Items []projectd.Token }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/tokens"}, &out)
	return out.Items, err
}

// DeleteToken revokes one of the caller's tokens.
func (c *Client) DeleteToken(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/tokens/" + strconv.FormatInt(id, 10)}, nil)
	return err
}

// AuthCode is a one-time code that a Movika client exchanges for a session.
type AuthCode struct {
	Code      string `json:"auth_code"`
	ExpiresAt string `json:"expires_at"`
}

// CreateAuthCode issues a Movika auth code for the caller.
func (c *Client) CreateAuthCode(ctx context.Context) (*AuthCode, error) {
	var code AuthCode
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/authcodes"}, &code)
	return &code, err
}

// CreateAccessKey issues a NAVER signing key pair for the caller (expiresIn as for
// tokens); its SecretKey is set only here.
func (c *Client) CreateAccessKey(ctx context.Context, expiresIn string) (*projectd.AccessKey, error) {
	var k projectd.AccessKey
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/keys", body: map[string]string{"expires_in": expiresIn}}, &k)
	return &k, err
}

// AccessKeys returns the caller's access keys, without secrets.
func (c *Client) AccessKeys(ctx context.Context) ([]projectd.AccessKeyInfo, error) {
	var out struct{ Items []projectd.AccessKeyInfo }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/keys"}, &out)
	return out.Items, err
}

// DisableAccessKey stops one of the caller's keys from signing.
func (c *Client) DisableAccessKey(ctx context.Context, accessKey string) error {
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/keys/" + url.PathEscape(accessKey) + "/disable"}, nil)
	return err
}

// DeleteAccessKey deletes one of the caller's keys.
func (c *Client) DeleteAccessKey(ctx context.Context, accessKey string) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/keys/" + url.PathEscape(accessKey)}, nil)
	return err
}

// Sessions returns the caller's open Movika sessions.
func (c *Client) Sessions(ctx context.Context) ([]projectd.SessionInfo, error) {
	var out struct{ Items []projectd.SessionInfo }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/sessions"}, &out)
	return out.Items, err
}

// DeleteSession ends one of the caller's Movika sessions.
func (c *Client) DeleteSession(ctx context.Context, id int64) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/sessions/" + strconv.FormatInt(id, 10)}, nil)
	return err
}

// Dashboard counts the projects the caller can see.
func (c *Client) Dashboard(ctx context.Context) (*projectd.Dashboard, error) {
	var d projectd.Dashboard
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/dashboard"}, &d)
	return &d, err
}

// Users returns every user (admins only).
func (c *Client) Users(ctx context.Context) ([]projectd.User, error) {
	var out struct{ Items []projectd.User }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/users"}, &out)
	return out.Items, err
}

// CreateUser creates a user, with a console password unless password is "" (admins only).
func (c *Client) CreateUser(ctx context.Context, u projectd.User, password string) (*projectd.User, error) {
	body := map[string]string{"login": u.Login, "email": u.Email, "first_name": u.FirstName, "last_name": u.LastName, "role": u.Role}
	if password != "" {
		body["password"] = password
	}
	if u.Role == "" {
		delete(body, "role")
	}
	var out projectd.User
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/users", body: body}, &out)
	return &out, err
}

// SetRole makes another user an admin or a member (admins only).
func (c *Client) SetRole(ctx context.Context, login, role string) (*projectd.User, error) {
	var out projectd.User
	_, err := c.do(ctx, request{method: http.MethodPatch, path: "/api/users/" + url.PathEscape(login), body: map[string]string{"role": role}}, &out)
	return &out, err
}

// AppKeys returns the registered Movika client applications (admins only).
func (c *Client) AppKeys(ctx context.Context) ([]projectd.AppKeyInfo, error) {
	var out struct{ Items []projectd.AppKeyInfo }
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/api/appkeys"}, &out)
	return out.Items, err
}

// CreateAppKey registers a client application and returns its key, shown only now
// (admins only).
func (c *Client) CreateAppKey(ctx context.Context, name string) (string, error) {
	var out struct {
		AppKey string `json:"app_key"`
	}
	_, err := c.do(ctx, request{method: http.MethodPost, path: "/api/appkeys", body: map[string]string{"name": name}}, &out)
	return out.AppKey, err
}

// SignIn exchanges a login and console password for a session token (the value of the
// console's cookie), which a Client may use as its Token until it expires or SignOut.
func (c *Client) SignIn(ctx context.Context, login, password string) (string, error) {
	anonymous := *c
	anonymous.Token = ""
	header, err := anonymous.do(ctx, request{method: http.MethodPost, path: "/api/session", body: map[string]string{"login": login, "password": password}}, nil)
	if err != nil {
		return "", err
	}
	resp := http.Response{Header: header}
	for _, ck := range resp.Cookies() {
		if ck.Name == "projectd_session" {
			return ck.Value, nil
		}
	}
	return "", errors.New("projectd: the sign-in answer set no session cookie")
}

// SignOut ends the session of the client's token, if it came from SignIn.
func (c *Client) SignOut(ctx context.Context) error {
	_, err := c.do(ctx, request{method: http.MethodDelete, path: "/api/session"}, nil)
	return err
}

// Ready reports whether the server and its store answer (GET /readyz).
func (c *Client) Ready(ctx context.Context) error {
	_, err := c.do(ctx, request{method: http.MethodGet, path: "/readyz"}, nil)
	return err
}

// OpenAPI returns the OpenAPI document of the native API (surface "") or of one surface
// of the server ("yatasks", …).
func (c *Client) OpenAPI(ctx context.Context, surface string) (json.RawMessage, error) {
	path := "/api/openapi.json"
	if surface != "" {
		path = "/api/openapi/" + url.PathEscape(surface) + ".json"
	}
	var doc json.RawMessage
	_, err := c.do(ctx, request{method: http.MethodGet, path: path}, &doc)
	return doc, err
}
